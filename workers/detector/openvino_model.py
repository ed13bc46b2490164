"""An ultralytics OpenVINO export run on OpenVINO alone: no torch, no ultralytics.

Ultralytics runs its OpenVINO exports through torch (pre- and post-processing are torch tensors),
so a detector worker on OpenVINO carried torch's ~650 MB for nothing. This runs a cached export
(``yolo.py`` makes it, with ultralytics, once) the way ultralytics' predictor does for a
dynamic-shape detection export: letterbox to the nearest multiple of the stride, BGR to RGB, 0-1
floats, one inference, then per-class NMS at IoU 0.7 keeping at most 300 boxes, mapped back to the
frame and clipped. ``tests/unit/test_openvino_model.py`` compares its boxes with ultralytics' on
the same export and images.

The model takes the letterboxed frame as it is, 8-bit BGR pixels: the conversion to 0-1 RGB
floats in planes is compiled into it (OpenVINO's pre-processing), so the host neither writes a
float copy four times the frame's size nor copies that into the request.

Two ways to run it. ``throughput=False``: the "LATENCY" hint, one inference at a time, each
spread over every core (callers serialise). ``throughput=True``: the "THROUGHPUT" hint, which
splits the cores into streams that each run one inference, and twice as many infer requests as
the device says keep them busy (``OPTIMAL_NUMBER_OF_INFER_REQUESTS``, one per stream): a caller
spends milliseconds per frame decoding, letterboxing, tracking and publishing, in which a stream
with one request stands idle; with two, it runs the other's frame meanwhile. ``predict`` may be
called from that many threads at once, and ``predict_many`` starts one asynchronous request per
frame. One frame takes longer (fewer cores on it, and it may wait for a stream), frames of
several cameras go through faster (``bench/cameras.py``).
"""

from __future__ import annotations

import queue
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

IOU = 0.7  # ultralytics' predict default
MAX_DET = 300
MAX_NMS = 30000
MAX_WH = 7680  # per-class offset, so one NMS pass keeps classes apart
#: infer requests per stream with the throughput hint: 63.5 frames/s instead of 59.9 on the
#: 2-core machine when quiet, the same CPU per frame, p99 result age 283 ms instead of 240
#: (``bench/cameras.py``, 16 cameras); in one run with other work taking cores it did worse
REQUESTS_PER_STREAM = 2


#: (boxes xyxy in frame pixels, confidences, class ids), strongest first
Boxes = tuple[np.ndarray, np.ndarray, np.ndarray]


class OpenVinoModel:
    def __init__(self, export: Path, *, throughput: bool = False) -> None:
        import openvino as ov
        import yaml

        xml = export if export.suffix == ".xml" else next(export.glob("*.xml"))
        meta = yaml.safe_load((xml.parent / "metadata.yaml").read_text(encoding="utf-8"))
        if meta.get("task", "detect") != "detect":
            raise ValueError(f"{xml.parent} is a {meta['task']} model, not a detection model")
        self.names: dict[int, str] = {int(k): str(v) for k, v in meta["names"].items()}
        self.stride = int(meta.get("stride", 32))
        core = ov.Core()
        device = "CPU" if core.available_devices == ["CPU"] else "AUTO"
        self.throughput = throughput
        self._model = core.compile_model(
            _u8_bgr_input(core.read_model(str(xml), str(xml.with_suffix(".bin")))),
            device_name=device,
            config={"PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY"})
        #: inferences under way at the same time (1 with the latency hint)
        self.requests = REQUESTS_PER_STREAM * int(self._model.get_property(
            "OPTIMAL_NUMBER_OF_INFER_REQUESTS")) if throughput else 1
        # idle infer requests: a caller takes one, so threads never share a request
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for _ in range(self.requests):
            self._idle.put(self._model.create_infer_request())

    def predict(self, image_bgr: np.ndarray, imgsz: int, conf: float,
                classes: list[int] | None) -> Boxes:
        """Boxes (xyxy, frame pixels), confidences and class ids, strongest first. With
        ``throughput``, up to ``requests`` threads may call it at once."""
        return self.predict_many([image_bgr], imgsz, conf, classes)[0]

    def predict_many(self, images_bgr: Sequence[np.ndarray], imgsz: int, conf: float,
                     classes: list[int] | None) -> list[Boxes]:
        """``predict`` of each frame; with ``throughput`` the frames' inferences are started
        together, each on an idle request, and run side by side in the device's streams."""
        out: list[Boxes] = []
        started: list[tuple[Any, np.ndarray, tuple[float, float], tuple[int, int]]] = []
        held: list[Any] = []  # requests of ours, started or idle again
        try:
            for image in images_bgr:
                blob, gain, pad = self._letterbox(image, imgsz)
                try:
                    request = self._idle.get_nowait()
                except queue.Empty:
                    if held:  # none idle: our oldest is the one to wait for
                        out.append(self._finish(started.pop(0), conf, classes))
                        request = held.pop(0)
                    else:  # another thread's ends soon: they never wait while holding any
                        request = self._idle.get()
                held.append(request)
                request.start_async({0: blob})
                started.append((request, image, gain, pad))
            while started:
                out.append(self._finish(started.pop(0), conf, classes))
        finally:
            for request in held:
                request.wait()  # an exception left some running
                self._idle.put(request)
        return out

    def _finish(self, job: tuple[Any, np.ndarray, tuple[float, float], tuple[int, int]],
                conf: float, classes: list[int] | None) -> Boxes:
        request, image, gain, pad = job
        request.wait()
        pred = request.get_output_tensor(0).data[0].T  # (anchors, 4 + classes)
        xyxy, score, cls = _nms(pred, conf, classes)
        xyxy[:, [0, 2]] = ((xyxy[:, [0, 2]] - pad[0]) / gain[0]).clip(0, image.shape[1])
        xyxy[:, [1, 3]] = ((xyxy[:, [1, 3]] - pad[1]) / gain[1]).clip(0, image.shape[0])
        return xyxy, score, cls

    def _letterbox(self, image: np.ndarray, imgsz: int) -> tuple[np.ndarray, tuple[float, float],
                                                                   tuple[int, int]]:
        h, w = image.shape[:2]
        r = min(imgsz / h, imgsz / w)
        new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
        dw, dh = np.mod(imgsz - new_w, self.stride) / 2, np.mod(imgsz - new_h, self.stride) / 2
        if (w, h) != (new_w, new_h):
            image = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        top, bottom, left, right = round(dh - 0.1), round(dh + 0.1), round(dw - 0.1), round(dw + 0.1)
        image = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT,
                                   value=(114, 114, 114))
        blob = image[None]  # a batch of one, pixels as they are (``_u8_bgr_input``)
        # the way back, as ultralytics' scale_boxes works it out from the two shapes
        big_h, big_w = image.shape[:2]
        g = min(big_h / h, big_w / w)
        new_h, new_w = max(round(h * g), 1), max(round(w * g), 1)
        pad = (round((big_w - new_w) / 2 - 0.1), round((big_h - new_h) / 2 - 0.1))
        return blob, (new_w / w, new_h / h), pad


def _u8_bgr_input(model: Any) -> Any:
    """``model`` taking 8-bit BGR pixels (batch, height, width, channels) and making of them the
    0-1 RGB float planes ultralytics feeds it: one pass inside the compiled model."""
    from openvino import Layout, Type
    from openvino.preprocess import ColorFormat, PrePostProcessor

    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(Type.u8).set_layout(Layout("NHWC")) \
        .set_color_format(ColorFormat.BGR)
    ppp.input().model().set_layout(Layout("NCHW"))
    ppp.input().preprocess().convert_element_type(Type.f32).convert_color(ColorFormat.RGB) \
        .scale(255.0)
    return ppp.build()


def _nms(pred: np.ndarray, conf: float, classes: list[int] | None) -> tuple[np.ndarray, np.ndarray,
                                                                            np.ndarray]:
    """Best class per anchor above ``conf``, then greedy NMS per class (ultralytics' rules)."""
    scores = pred[:, 4:]
    cls = scores.argmax(1)
    score = scores[np.arange(len(cls)), cls]
    keep = score > conf
    if classes is not None:
        keep &= np.isin(cls, classes)
    box, score, cls = pred[keep, :4], score[keep], cls[keep]
    order = np.argsort(-score, kind="stable")[:MAX_NMS]
    box, score, cls = box[order], score[order], cls[order]
    xyxy = np.concatenate([box[:, :2] - box[:, 2:] / 2, box[:, :2] + box[:, 2:] / 2], axis=1)
    shifted = xyxy + (cls * MAX_WH).astype(np.float32)[:, None]
    area = (shifted[:, 2] - shifted[:, 0]) * (shifted[:, 3] - shifted[:, 1])
    kept: list[int] = []
    alive = np.ones(len(score), bool)
    for i in range(len(score)):
        if not alive[i]:
            continue
        kept.append(i)
        if len(kept) == MAX_DET:
            break
        rest = np.flatnonzero(alive[i + 1:]) + i + 1
        tl = np.maximum(shifted[i, :2], shifted[rest, :2])
        br = np.minimum(shifted[i, 2:], shifted[rest, 2:])
        inter = np.prod(np.clip(br - tl, 0, None), axis=1)
        iou = inter / (area[i] + area[rest] - inter)
        alive[rest[iou > IOU]] = False
    kept_idx = np.array(kept, int)
    return xyxy[kept_idx].astype(np.float32), score[kept_idx].astype(np.float32), cls[kept_idx]
