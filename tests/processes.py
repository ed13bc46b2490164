"""Workers as processes of their own, as installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def spawn(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``camcount-worker ARGS``, its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "workers.cli", *args], stdout=out,
                                stderr=subprocess.STDOUT, env=env)
