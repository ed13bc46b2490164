"""Whether a file is a model CamCount can detect with: PyTorch weights (``.pt``), an ONNX model
(``.onnx``) or an OpenVINO export (a ``*_openvino_model`` folder), loaded by ultralytics.

``check_model`` reads the whole model with ultralytics, which imports torch (~700 MB, seconds):
it does so in a child process that ends with the check (``workers.isolated``), so the console or
worker asking keeps none of it. Call it from a thread, and only when someone asked for a model
to be checked."""

from __future__ import annotations

from pathlib import Path

OPENVINO_SUFFIX = "_openvino_model"


class NotAModel(Exception):
    """Why a path is not a model CamCount can use, in words."""


def runtime_of(path: Path) -> str:
    """"pytorch", "onnx" or "openvino" from the path's shape; NotAModel otherwise."""
    if path.is_dir():
        if any(path.glob("*.xml")):
            return "openvino"
        raise NotAModel(f"{path} is a folder but not an OpenVINO export (no .xml model in it)")
    if not path.exists():
        raise NotAModel(f"{path} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".pt", ".onnx"):
        return "pytorch" if suffix == ".pt" else "onnx"
    if suffix in (".xml", ".bin") and path.parent.name.endswith(OPENVINO_SUFFIX):
        raise NotAModel(f"choose the OpenVINO folder {path.parent.name}, not a file in it")
    raise NotAModel(f"{path.name} is not a model file: choose YOLO weights (.pt), an ONNX "
                    f"model (.onnx) or an OpenVINO export folder (*{OPENVINO_SUFFIX})")


def check_model(path: Path) -> str:
    """That ultralytics loads ``path`` as a detection model; raises NotAModel with the reason.
    Says what it is: "pytorch, 80 classes". Blocking."""
    runtime_of(path)  # what the path's shape tells needs no child
    from workers.isolated import run_in_child

    try:
        return run_in_child(_check_here, path)
    except NotAModel:
        raise
    except Exception as exc:  # the child died (out of memory?) or could not start
        raise NotAModel(f"checking it failed ({type(exc).__name__}: {exc})") from exc


def _check_here(path: Path) -> str:
    """``check_model`` in the child."""
    runtime = runtime_of(path)
    try:
        from ultralytics import YOLO

        from workers.detector.yolo import route_ultralytics_logs
    except ImportError as exc:
        raise NotAModel(f"ultralytics is not installed here ({exc})") from exc
    route_ultralytics_logs()
    try:
        model = YOLO(str(path), task="detect")
        names = model.names  # an export is only opened here
        task = getattr(model.model, "task", None) or model.task
    except Exception as exc:  # not a checkpoint, truncated, a pickle of something else...
        raise NotAModel(f"ultralytics cannot load it: {_first_line(exc)}") from exc
    if task != "detect":
        raise NotAModel(f"it is a {task} model; CamCount needs a detection model")
    return f"{runtime}, {len(names)} classes"


def _first_line(exc: Exception) -> str:
    """Ultralytics' own message, without its decorations and its advice to retrain."""
    text = str(exc).replace("ERROR ❌️", "").strip().splitlines()
    return text[0].strip() if text else type(exc).__name__
