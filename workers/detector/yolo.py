"""Ultralytics YOLO behind the ``Detector`` interface, on PyTorch, ONNX Runtime or OpenVINO.

Weights: ``DetectorConfig.model``, else ``$CAMCOUNT_MODEL``, else ``yolo11n.pt`` (looked for in
the working folder, CamCount's model folder and ultralytics' weights folder, and downloaded into
CamCount's model folder when online; offline, ``ModelUnavailableError`` says where to put it).
A ``.yaml`` model name builds that architecture with random weights: no file, no network; the
benchmark and tests run the real code paths that way.

ONNX Runtime and OpenVINO run an export made once with ``model.export`` and cached beside the
weights (or in the user cache folder when that is not writable), keyed on the weights' content,
the image size, the backend and the ultralytics version. Exports have dynamic input shapes so a
16:9 camera frame is letterboxed to 640x384, not padded to 640x640: 40% fewer pixels per frame.
A cached OpenVINO export runs on OpenVINO alone (``openvino_model.py``): torch is imported only to
run PyTorch or ONNX Runtime through ultralytics. An export is made in a child process
(``workers.isolated``) that ends with it, so the ultralytics and torch it imports never stay in
a long-running detector.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from platformdirs import user_cache_dir

from workers.contracts.phrases import Phrase, say
from workers.detector.base import Detections, Detector, DetectorConfig
from workers.detector.openvino_model import OpenVinoModel
from workers.isolated import run_in_child
from workers.paths import models_dir

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS = "yolo11n.pt"
MODEL_ENV = "CAMCOUNT_MODEL"
#: where default-named weights are downloaded to, and looked for
MODELS_DIR = models_dir()
#: exports of weights whose own folder is not writable (and of .yaml-built models)
EXPORTS_CACHE = Path(user_cache_dir("camcount", appauthor=False)) / "exports"
EXPORTS_SUBDIR = "camcount-exports"


class ModelUnavailableError(RuntimeError):
    """No usable YOLO weights (or no ultralytics). ``short`` is a few words for the model version
    results carry; ``phrase`` the reason for people in their language."""

    def __init__(self, phrase: Phrase, short: str) -> None:
        super().__init__(phrase.english())
        self.phrase, self.short = phrase, short


def weights_source(config: DetectorConfig) -> str:
    """The configured weights path, else ``$CAMCOUNT_MODEL``, else the ultralytics default name."""
    return config.model or os.environ.get(MODEL_ENV) or DEFAULT_WEIGHTS


class YoloDetector(Detector):
    def __init__(self, config: DetectorConfig) -> None:
        if importlib.util.find_spec("ultralytics") is None:
            raise ModelUnavailableError(say("yolo_not_installed"), "ultralytics not installed")
        # Weights are looked for before ultralytics is imported: it imports torch (~650 MB), which
        # a fallback to HOG for want of weights must not pay for.
        source = weights_source(config)
        weights = None if _is_yaml(source) else _locate(source, download=config.download)
        route_ultralytics_logs()
        self.imgsz = config.imgsz
        self._model, self.backend, self.export_path, self.export_reused = _open(source, weights, config)
        threads = None
        if not isinstance(self._model, OpenVinoModel):
            import torch  # ultralytics runs the model

            threads = torch.get_num_threads()  # one per physical core, or what OMP_NUM_THREADS says
        self._lock = threading.Lock()  # an ultralytics predictor is not safe to share between threads
        if isinstance(self._model, OpenVinoModel):
            self.lanes = self._model.requests  # one lane per inference that runs at a time
        self.names = _coco_names_if_untrained(dict(self._model.names))
        self._class_ids = _class_ids(config.classes, self.names)
        self._confidence = config.confidence
        # The first inference sets up the runtime, off the first frame's clock. On ultralytics it
        # also sets torch to cores - 1 threads (its device selection expects data-loader workers):
        # one of two cores idle, PyTorch inference ~1.4x slower; give the cores back.
        self.detect(np.zeros((self.imgsz, self.imgsz, 3), np.uint8))
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        self.model_version = f"{Path(source).name}/{self.backend}@{self.imgsz}"
        log.info("YOLO ready: %s%s", self.model_version,
                 f" ({'cached' if self.export_reused else 'new'} export {self.export_path})"
                 if self.export_path else "")

    def detect(self, image_bgr: np.ndarray, classes: Sequence[str] | None = None) -> Detections:
        # the model filters classes itself: cheaper than boxes of every class thrown away after
        ids = self._class_ids if classes is None else _class_ids(list(classes), self.names)
        if isinstance(self._model, OpenVinoModel):  # safe from several threads
            xyxy, conf, cls = self._model.predict(image_bgr, self.imgsz, self._confidence, ids)
            return Detections(xyxy, conf, cls.astype(int), self.names)
        with self._lock:
            result = self._model.predict(image_bgr, imgsz=self.imgsz, conf=self._confidence,
                                         classes=ids, verbose=False)[0]
        return self._detections(result)

    def detect_many(self, images_bgr: Sequence[np.ndarray],
                    classes: Sequence[Sequence[str] | None]) -> list[Detections]:
        """One ``predict`` for every frame (a batch for the model) when the cameras ask for the
        same classes; frames of one size are letterboxed alike, so they batch without padding.
        OpenVINO with the throughput hint runs them side by side, one infer request each."""
        if (len(images_bgr) < 2 or any(c != classes[0] for c in classes)
                or (isinstance(self._model, OpenVinoModel) and not self._model.throughput)):
            return super().detect_many(images_bgr, classes)
        ids = self._class_ids if classes[0] is None else _class_ids(list(classes[0]), self.names)
        if isinstance(self._model, OpenVinoModel):
            return [Detections(xyxy, conf, cls.astype(int), self.names) for xyxy, conf, cls
                    in self._model.predict_many(images_bgr, self.imgsz, self._confidence, ids)]
        with self._lock:
            results = self._model.predict(list(images_bgr), imgsz=self.imgsz,
                                          conf=self._confidence, classes=ids, verbose=False)
        return [self._detections(r) for r in results]

    def _detections(self, result: Any) -> Detections:
        boxes = result.boxes.cpu().numpy()
        return Detections(boxes.xyxy.astype(np.float32), boxes.conf.astype(np.float32),
                          boxes.cls.astype(int), self.names)

    def unknown_classes(self, classes: Sequence[str]) -> list[str]:
        known = set(self.names.values())
        return [c for c in classes if c not in known]


def _is_yaml(source: str) -> bool:
    return source.lower().endswith((".yaml", ".yml"))


def _locate(source: str, *, download: bool = True) -> Path:
    """The weights file on disk, downloaded first if it is a bare ultralytics name and
    ``download`` allows; else raise."""
    path = Path(source).expanduser()
    if path.exists():  # weights, or an export (an OpenVINO export is a folder)
        return path
    if path.parent != Path("."):
        raise ModelUnavailableError(say("yolo_weights_missing", path=str(path), env=MODEL_ENV),
                                    "weights missing")
    for folder in (MODELS_DIR, ultralytics_weights_dir()):
        if (folder / path).is_file():
            return folder / path
    target = MODELS_DIR / path
    if not download:
        raise ModelUnavailableError(say("yolo_weights_not_here", source=source,
                                        target=str(target), env=MODEL_ENV), "no weights on disk")
    try:
        from ultralytics.utils.downloads import attempt_download_asset

        MODELS_DIR.mkdir(parents=True, exist_ok=True)
        attempt_download_asset(target)
    except Exception as exc:  # no network, proxy refusal, unknown asset name...
        log.debug("downloading %s failed: %r", source, exc)
    if target.is_file():
        return target
    raise ModelUnavailableError(say("yolo_weights_offline", source=source, target=str(target),
                                    env=MODEL_ENV), "no weights (offline)")


def ultralytics_weights_dir() -> Path:
    """ultralytics' weights folder (``SETTINGS["weights_dir"]``), read from its settings file as
    ultralytics finds it, without importing ultralytics; ``./weights`` (its default) when unset."""
    if env := os.environ.get("YOLO_CONFIG_DIR"):
        base = Path(env).expanduser()
    elif sys.platform == "win32":
        base = Path.home() / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    # where ultralytics goes when that folder is not writable
    fallback = Path(tempfile.gettempdir()) / (
        "Ultralytics" if sys.platform == "win32" else f"Ultralytics-{os.getuid()}")
    for settings in (base / "Ultralytics" / "settings.json", fallback / "settings.json"):
        try:
            return Path(json.loads(settings.read_text(encoding="utf-8"))["weights_dir"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return Path("weights")


def _load(yolo: Any, weights: Path | str) -> Any:
    try:
        return yolo(str(weights), task="detect")
    except Exception as exc:  # truncated download, not a checkpoint, another task's model...
        raise ModelUnavailableError(say("yolo_weights_unreadable", path=str(weights),
                                        error=f"{type(exc).__name__}: {exc}", env=MODEL_ENV),
                                    "weights unreadable") from exc


def _exported_runtime(weights: Path) -> str | None:
    """"onnx" or "openvino" for a model exported already (chosen on the console's Detection
    page, say), else None."""
    from workers.models.check import NotAModel, runtime_of

    try:
        runtime = runtime_of(weights)
    except NotAModel:
        return None  # left to ultralytics, which says what is wrong with it
    return None if runtime == "pytorch" else runtime


def _export_key(source: str, weights: Path | None, config: DetectorConfig) -> str:
    version = importlib.metadata.version("ultralytics")  # importing it would import torch
    digest = hashlib.sha256(f"{version}|{config.backend}|{config.imgsz}|".encode())
    if weights is None:
        digest.update(source.encode())
    else:
        with weights.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def _export_bases(weights: Path | None) -> list[Path]:
    """Where exports go, in order of preference."""
    return ([weights.resolve().parent / EXPORTS_SUBDIR] if weights else []) + [EXPORTS_CACHE]


def _entry(base: Path, source: str, key: str, config: DetectorConfig) -> tuple[Path, Path]:
    """A cache entry folder and the artifact inside it that ultralytics loads."""
    stem = Path(source).stem
    folder = base / f"{stem}-{config.backend}-{config.imgsz}-{key}"
    name = f"{stem}.onnx" if config.backend == "onnx" else f"{stem}_openvino_model"
    return folder, folder / name


def _cached_export(source: str, weights: Path | None, config: DetectorConfig) -> tuple[Path, Path] | None:
    """The cache entry folder and artifact of an export made by an earlier start, if any."""
    key = _export_key(source, weights, config)
    for base in _export_bases(weights):
        folder, artifact = _entry(base, source, key, config)
        if artifact.exists():
            return folder, artifact
    return None


def _open(source: str, weights: Path | None,
          config: DetectorConfig) -> tuple[Any, str, Path | None, bool]:
    """The model to predict with, its backend, the export it runs (if any) and whether that
    export was cached by an earlier start. ultralytics (and torch) are imported only to run
    PyTorch or ONNX Runtime, or to make an export: a cached OpenVINO export runs without them."""
    if weights is not None and (runtime := _exported_runtime(weights)):
        # exported already: as it is
        return _run_export(weights, runtime, config), runtime, weights, True
    if config.backend != "pytorch" and (cached := _cached_export(source, weights, config)):
        folder, artifact = cached
        try:
            return _run_export(artifact, config.backend, config), config.backend, artifact, True
        except Exception as exc:
            log.warning("cached export %s is unusable (%s); exporting again", artifact, exc)
            shutil.rmtree(folder, ignore_errors=True)
    if config.backend != "pytorch":
        log.info("exporting %s for %s at %d px, once, in a process of its own (the export is "
                 "cached)", source, config.backend, config.imgsz)
        try:
            outcome = run_in_child(_export_here, source, weights,
                                   _export_key(source, weights, config), config)
        except Exception as exc:  # the child died (out of memory?) or could not start
            outcome = f"the exporting process failed ({type(exc).__name__}: {exc})"
        if isinstance(outcome, ModelUnavailableError):
            raise outcome
        if isinstance(outcome, Path):
            return _run_export(outcome, config.backend, config), config.backend, outcome, False
        log.warning("%s; running %s on PyTorch instead", outcome, source)
    from ultralytics import YOLO

    return _load(YOLO, weights or source), "pytorch", None, False


def _export_here(source: str, weights: Path | None, key: str,
                 config: DetectorConfig) -> Path | ModelUnavailableError | str:
    """In the exporting child (``run_in_child``): the export's artifact; or the reason the
    weights cannot be loaded; or, in words, why the export failed."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from ultralytics import YOLO

    route_ultralytics_logs()  # its handler exists once it is imported

    try:
        model = _load(YOLO, weights or source)
    except ModelUnavailableError as exc:
        return exc
    return _export(model, source, weights, key, config)


def _run_export(artifact: Path, backend: str, config: DetectorConfig) -> Any:
    if backend == "openvino":
        return OpenVinoModel(artifact, throughput=config.throughput)
    from ultralytics import YOLO

    return YOLO(str(artifact), task="detect")


def _export(model: Any, source: str, weights: Path | None, key: str,
            config: DetectorConfig) -> Path | str:
    """Export once into a temporary folder, then rename it into the cache: a crash or a parallel
    start never leaves a half-written entry that a later start would trust. Why, if it failed."""
    for base in _export_bases(weights):
        try:
            base.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=base))
        except OSError as exc:
            log.info("cannot cache exports in %s (%s)", base, exc)
            continue
        folder, artifact = _entry(base, source, key, config)
        net = model.model
        pt_path = getattr(net, "pt_path", None)
        net.pt_path = str(tmp / f"{Path(source).stem}.pt")  # the exporter names its output after it
        try:
            with warnings.catch_warnings():
                # torch's notices about the exporters ultralytics drives, not ours to act on
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                model.export(format=config.backend, imgsz=config.imgsz, dynamic=True)
            if not (tmp / artifact.name).exists():
                raise FileNotFoundError(f"the exporter did not write {artifact.name}")
            if folder.exists() and not artifact.exists():
                shutil.rmtree(folder, ignore_errors=True)  # a broken entry from an older run
            try:
                tmp.rename(folder)
            except OSError:  # another process cached the same export meanwhile: use theirs
                shutil.rmtree(tmp, ignore_errors=True)
            return artifact
        except Exception as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            return f"exporting {source} to {config.backend} failed ({type(exc).__name__}: {exc})"
        finally:
            net.pt_path = pt_path
    return f"no writable folder to cache the {config.backend} export in"


def _coco_names_if_untrained(names: dict[int, str]) -> dict[int, str]:
    """A model built from a .yaml names its 80 classes "0".."79"; they are COCO's classes."""
    if len(names) != 80 or any(n != str(i) for i, n in names.items()):
        return names
    import yaml

    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.origin is not None
    coco_yaml = Path(spec.origin).parent / "cfg" / "datasets" / "coco.yaml"
    coco = yaml.safe_load(coco_yaml.read_text(encoding="utf-8"))["names"]
    return {int(i): n for i, n in coco.items()}


def _class_ids(classes: list[str], names: dict[int, str]) -> list[int] | None:
    if not classes:
        return None  # every class the model knows
    ids = {n: i for i, n in names.items()}
    unknown = [c for c in classes if c not in ids]
    if unknown:
        raise ValueError(f"unknown class name(s) {', '.join(unknown)}; this model knows: "
                         f"{', '.join(names.values())}")
    return [ids[c] for c in classes]


def route_ultralytics_logs() -> None:
    """Ultralytics prints INFO lines to stdout. Workers log to stderr in one format, and
    ``count-video --json`` owns stdout, so send its records through logging, warnings and up."""
    logger = logging.getLogger("ultralytics")
    for handler in [h for h in logger.handlers if h.name == "ultralytics.utils.set_logging"]:
        logger.removeHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = True
