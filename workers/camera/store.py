"""A camera worker's own configuration file: the cameras it runs, passwords included, so cameras
an admin added or changed over the bus are there again after a restart (local mode keeps it in
the user data folder). The same JSON list ``camcount-worker camera --config`` reads."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import TypeAdapter

from workers.contracts import CameraConfig

_LIST = TypeAdapter(list[CameraConfig])


def load_cameras(path: Path) -> list[CameraConfig] | None:
    """The cameras stored at ``path``; None when nothing was ever stored there. Raises
    ValueError naming the file when it cannot be read."""
    try:
        return _LIST.validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the cameras stored in {path}: {exc}") from exc


def save_cameras(path: Path, cameras: list[CameraConfig]) -> None:
    """Replace the file at once (never half written), readable by this user only: camera
    addresses may hold passwords."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cameras-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_LIST.dump_json(cameras, indent=2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
