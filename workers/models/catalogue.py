"""The models CamCount offers to fetch, and where from.

Each is an ultralytics release asset. ``approx_bytes`` is for the screen, and shown as
approximate ("≈ 5.6 MB"): the sizes were written from memory, not measured, and the size a
download shows once it starts is the server's Content-Length. The download itself is held to that
Content-Length, to ``sha256`` where an entry has one, and to a load check. The stock entries carry
no checksum until someone fills them in: ultralytics publishes none, and the assets could not be
downloaded on the machine this was written on (so no digest could be taken). The descriptions
are for people: marked for the workers' catalog (``workers/i18n``), which the console says them
from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from workers.i18n import N_

#: the release ultralytics 8.4 itself downloads its weights from
DEFAULT_BASE_URL = "https://github.com/ultralytics/assets/releases/download/v8.4.0"
#: another base URL (a mirror, a server on the local network): ``{base}/{file name}`` is fetched
BASE_URL_ENV = "CAMCOUNT_MODELS_URL"
DEFAULT_MODEL = "yolo11n"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    approx_bytes: int
    description: str
    sha256: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.pt"

    def url(self, base: str | None = None) -> str:
        return f"{(base or base_url()).rstrip('/')}/{self.filename}"

    def label(self) -> str:
        return f"{self.name} (≈ {megabytes(self.approx_bytes)})"


CATALOGUE: dict[str, ModelEntry] = {e.name: e for e in (
    ModelEntry("yolo11n", 5_600_000, N_("the smallest and fastest; right for a CPU")),
    ModelEntry("yolo11s", 19_300_000, N_("more accurate, and slower")),
    ModelEntry("yolo11m", 40_700_000, N_("more accurate still; for a GPU")),
    ModelEntry("yolov8n", 6_500_000, N_("the previous generation's smallest")),
)}


def entry(name: str) -> ModelEntry:
    """The catalogue entry for ``yolo11n`` or ``yolo11n.pt``; KeyError names the known ones."""
    key = name.removesuffix(".pt")
    if key not in CATALOGUE:
        raise KeyError(f"no model named {name!r}; known: {', '.join(CATALOGUE)}")
    return CATALOGUE[key]


def base_url(configured: str | None = None) -> str:
    """``configured`` (the console's setting, a --url), else $CAMCOUNT_MODELS_URL, else the
    ultralytics release."""
    return configured or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB"
