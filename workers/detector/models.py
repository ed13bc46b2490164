"""The YOLO models cameras name in their configuration, each loaded once per detector worker.

Loading weights (or exporting them for ONNX/OpenVINO) takes seconds and uses every core, so it
runs in the worker's inference executor, between frames, never on the event loop. A model no
camera names any more is let go.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path

from workers.detector.base import Detector, DetectorConfig
from workers.detector.factory import create_detector


def model_key(model: str) -> str:
    """One name per set of weights: a path to a file stands for the file it resolves to
    (``./best.pt``, ``models/../best.pt`` and its absolute path are one model, loaded once);
    anything else (an ultralytics name such as ``yolo11n.pt``) for itself."""
    path = Path(model).expanduser()
    return str(path.resolve()) if path.exists() else model


def same_model(a: str, b: str | None) -> bool:
    return b is not None and model_key(a) == model_key(b)


class ModelCache:
    def __init__(self, base: DetectorConfig, executor: Executor):
        self._base, self._executor = base, executor
        self._loads: dict[str, asyncio.Future[Detector]] = {}

    async def get(self, model: str) -> Detector:
        """The detector running ``model`` (weights path, ultralytics name or ``.yaml``), loaded
        on first use; raises with the reason when it cannot be loaded. A failure is not kept:
        the next camera configured with that model tries again (the file may be there by then)."""
        key = model_key(model)
        load = self._loads.get(key)
        if load is None:
            # A camera's classes are chosen per frame, so the model is loaded for every class.
            config = replace(self._base, kind="yolo", model=model, classes=[])
            load = self._loads[key] = asyncio.get_running_loop().run_in_executor(
                self._executor, create_detector, config)
        try:
            return await asyncio.shield(load)
        except Exception:
            if self._loads.get(key) is load:
                del self._loads[key]
            raise

    def keep_only(self, models: set[str]) -> None:
        """Forget models no camera uses (their memory goes once no pipeline holds them)."""
        for key in set(self._loads) - {model_key(m) for m in models}:
            del self._loads[key]

    @property
    def loaded(self) -> list[str]:
        return sorted(m for m, f in self._loads.items()
                      if f.done() and not f.cancelled() and f.exception() is None)
