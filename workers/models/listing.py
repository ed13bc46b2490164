"""What models are on disk in a folder: weights, loose exports, and the ONNX/OpenVINO exports
the detector cached beside each set of weights (``camcount-exports/``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workers.detector.yolo import EXPORTS_SUBDIR
from workers.models.check import OPENVINO_SUFFIX


@dataclass
class OnDisk:
    path: Path
    runtime: str  # pytorch, onnx or openvino
    size: int
    #: exports cached for these weights, e.g. ["openvino@416", "onnx@640"]
    exports: list[str] = field(default_factory=list)


def on_disk(folder: Path) -> list[OnDisk]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):  # a download in progress
            continue
        if path.is_file() and path.suffix.lower() in (".pt", ".onnx"):
            runtime = "pytorch" if path.suffix.lower() == ".pt" else "onnx"
            found.append(OnDisk(path, runtime, path.stat().st_size,
                                _cached_exports(folder, path.stem) if runtime == "pytorch" else []))
        elif path.is_dir() and path.name.endswith(OPENVINO_SUFFIX):
            found.append(OnDisk(path, "openvino", _tree_size(path)))
    return found


def _cached_exports(folder: Path, stem: str) -> list[str]:
    """Entries ``{stem}-{backend}-{imgsz}-{key}`` of the export cache beside the weights."""
    cache = folder / EXPORTS_SUBDIR
    if not cache.is_dir():
        return []
    runtimes = set()
    for entry in cache.iterdir():
        name, _, rest = entry.name.partition(f"{stem}-")
        parts = rest.split("-")
        if entry.is_dir() and not name and len(parts) == 3 and parts[1].isdigit():
            runtimes.add(f"{parts[0]}@{parts[1]}")
    return sorted(runtimes)


def _tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
