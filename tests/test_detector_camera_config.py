"""A camera's own classes, model and input size, from its configuration (``configure``), in a
running detector: one camera counts cars while another counts people on the same frames; a
camera's model that cannot be loaded is reported and the camera keeps counting with the worker's;
cameras at different input sizes each get their own (in-process bus, HOG detector or yaml-built
YOLO models, a generated video whose counts are known)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import BaseModel

from tests.test_detector_worker import frame, results_inbox
from workers.bus import Bus, Delivery, InProcessBus
from workers.contracts import (
    CameraConfig,
    CameraControl,
    CameraError,
    DetectionResult,
    LineDef,
    ZoneSet,
    utcnow,
)
from workers.contracts.queries import (
    AnalyticsRequest,
    CameraInfo,
    CamerasQuery,
    CamerasReply,
    ZoneSetReply,
)
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.samples import generate
from workers.topology import Topology


async def errors_inbox(bus: Bus) -> list[CameraError]:
    errors: list[CameraError] = []

    async def on_error(e: CameraError, _: Delivery) -> None:
        errors.append(e)

    await bus.subscribe(bus.topology.camera_events, ["camera.error.*"], on_error,
                        model=CameraError, max_length=1000)
    return errors


async def configure(bus: Bus, config: CameraConfig) -> None:
    t = bus.topology
    await bus.publish(t.camera_events, t.control_key(config.camera_id),
                      CameraControl(camera_id=config.camera_id, action="configure", config=config))


async def play(bus: Bus, inbox: asyncio.Queue[DetectionResult], video: Path,
               cameras: list[str]) -> dict[str, list[DetectionResult]]:
    """Every frame of the video to each camera, in lock-step (frames stay fresh)."""
    results: dict[str, list[DetectionResult]] = {c: [] for c in cameras}
    cap = cv2.VideoCapture(str(video))
    n = 0
    try:
        while (got := cap.read())[0]:
            for cam in cameras:
                await bus.publish(bus.topology.camera_events, bus.topology.frame_key(cam),
                                  frame(cam, n, got[1]))
            for _ in cameras:
                r = await asyncio.wait_for(inbox.get(), 30)
                results[r.camera_id].append(r)
            n += 1
    finally:
        cap.release()
    return results


@pytest.fixture
async def bus():
    b = InProcessBus(Topology("t."))
    await b.start()
    yield b
    await b.close()


@pytest.mark.slow
async def test_a_camera_configured_for_cars_counts_no_people_while_another_counts_them(
        bus: Bus, tmp_path: Path) -> None:
    truth = generate(tmp_path / "walk.mp4", people=2, fps=10, seed=3)
    x1, y1, x2, y2 = truth.line
    zones = [ZoneSet(camera_id=c, frame_width=truth.width, frame_height=truth.height,
                     lines=[LineDef(id="door", points=((x1, y1), (x2, y2)))])
             for c in ("hall", "street")]
    worker = DetectorWorker(DetectorConfig(kind="hog"), cameras=["hall", "street"], zones=zones,
                            worker_id="det-classes")
    await worker.start(bus)
    inbox, errors = await results_inbox(bus), await errors_inbox(bus)
    try:
        await configure(bus, CameraConfig(camera_id="street", source="rtsp://street/1",
                                          classes=["car"]))
        await configure(bus, CameraConfig(camera_id="hall", source="rtsp://hall/1"))  # person
        await asyncio.sleep(0.2)
        results = await play(bus, inbox, tmp_path / truth.video, ["hall", "street"])
    finally:
        await worker.stop()
    hall, street = results["hall"][-1], results["street"][-1]
    assert (hall.counting_data.lines["door"].count_in,
            hall.counting_data.lines["door"].count_out) == (truth.count_in, truth.count_out)
    assert sum(r.detection_results.total_count for r in results["hall"]) > 0
    assert (street.counting_data.lines["door"].count_in,
            street.counting_data.lines["door"].count_out) == (0, 0)
    assert all(r.detection_results.total_count == 0 for r in results["street"])
    # the admin is told why that camera will count nothing with this worker's detector
    assert [(e.camera_id, e.code, e.error) for e in errors] == [
        ("street", "config", "opencv-hog cannot detect car: nothing of that class is counted")]


async def test_a_camera_model_that_cannot_be_loaded_is_reported_and_the_default_counts(
        bus: Bus, tmp_path: Path) -> None:
    truth = generate(tmp_path / "walk.mp4", people=1, fps=10, seed=3)
    # pytorch at 320 px: the yaml-built model below loads in a second, with no export
    worker = DetectorWorker(DetectorConfig(kind="hog", backend="pytorch", imgsz=320),
                            cameras=["lobby", "dock", "gate"], worker_id="det-models")
    await worker.start(bus)
    inbox, errors = await results_inbox(bus), await errors_inbox(bus)
    missing = tmp_path / "models" / "lobby.pt"
    try:
        await configure(bus, CameraConfig(camera_id="lobby", source="0", model=str(missing)))
        for cam in ("dock", "gate"):  # two cameras, one model: loaded once
            await configure(bus, CameraConfig(camera_id=cam, source="0", model="yolo11n.yaml"))
        for _ in range(300):
            if errors and worker.stats()["camera_models"]:
                break
            await asyncio.sleep(0.05)
        results = await play(bus, inbox, tmp_path / truth.video, ["lobby", "dock", "gate"])
    finally:
        await worker.stop()
    assert [(e.camera_id, e.code) for e in errors] == [("lobby", "config")]
    assert errors[0].error.startswith(f"model {missing} cannot be loaded (no YOLO weights: "
                                      f"{missing} does not exist")
    assert errors[0].error.endswith("counting with the detector worker's opencv-hog instead")
    lobby = results["lobby"]
    assert {r.detection_results.model_version for r in lobby} == {
        f"opencv-hog (camera model {missing} not loaded)"}
    assert sum(r.detection_results.total_count for r in lobby) > 0  # still counting people
    for cam in ("dock", "gate"):
        assert {r.detection_results.model_version for r in results[cam]} == {
            "yolo11n.yaml/pytorch@320"}
    assert worker.stats()["camera_models"] == ["yolo11n.yaml@320"]


async def test_each_camera_detects_at_its_own_input_size_and_a_removed_ones_model_goes(
        bus: Bus) -> None:
    # pytorch and a yaml-built model: loads at any size in a second, with no export
    worker = DetectorWorker(DetectorConfig(kind="yolo", model="yolo11n.yaml", backend="pytorch",
                                           imgsz=320), cameras=["near", "far", "hall"],
                            worker_id="det-sizes")
    await worker.start(bus)
    inbox, errors = await results_inbox(bus), await errors_inbox(bus)
    image = np.full((360, 640, 3), 90, np.uint8)
    try:
        await configure(bus, CameraConfig(camera_id="near", source="0", imgsz=256))
        await configure(bus, CameraConfig(camera_id="far", source="0", imgsz=416))
        await configure(bus, CameraConfig(camera_id="hall", source="0"))  # the worker's size
        for _ in range(300):
            if len(worker.stats()["camera_models"]) == 2:
                break
            await asyncio.sleep(0.05)
        versions: dict[str, str] = {}
        for n, cam in enumerate(("near", "far", "hall")):
            await bus.publish(bus.topology.camera_events, bus.topology.frame_key(cam),
                              frame(cam, n, image))
            r = await asyncio.wait_for(inbox.get(), 30)
            versions[r.camera_id] = r.detection_results.model_version
        assert versions == {"near": "yolo11n.yaml/pytorch@256", "far": "yolo11n.yaml/pytorch@416",
                            "hall": "yolo11n.yaml/pytorch@320"}
        assert worker.stats()["camera_models"] == ["yolo11n.yaml@256", "yolo11n.yaml@416"]
        await bus.publish(bus.topology.camera_events, bus.topology.control_key("far"),
                          CameraControl(camera_id="far", action="remove"))
        for _ in range(100):
            if len(worker.stats()["camera_models"]) == 1:
                break
            await asyncio.sleep(0.05)
        assert worker.stats()["camera_models"] == ["yolo11n.yaml@256"]
    finally:
        await worker.stop()
    assert errors == []


async def test_a_camera_with_only_its_own_size_follows_the_worker_to_another_model(
        bus: Bus) -> None:
    worker = DetectorWorker(DetectorConfig(kind="yolo", model="yolo11n.yaml", backend="pytorch",
                                           imgsz=320), cameras=["door"], worker_id="det-switch")
    await worker.start(bus)
    inbox = await results_inbox(bus)
    image = np.full((360, 640, 3), 90, np.uint8)

    async def version(n: int) -> str:
        await bus.publish(bus.topology.camera_events, bus.topology.frame_key("door"),
                          frame("door", n, image))
        return (await asyncio.wait_for(inbox.get(), 30)).detection_results.model_version

    try:
        await configure(bus, CameraConfig(camera_id="door", source="0", imgsz=256))
        for _ in range(300):
            if worker.stats()["camera_models"]:
                break
            await asyncio.sleep(0.05)
        assert await version(0) == "yolo11n.yaml/pytorch@256"
        await worker.use_model("yolov8n.yaml")  # as local mode's Detection page does
        for _ in range(300):
            if worker.stats()["camera_models"] == ["yolov8n.yaml@256"]:
                break
            await asyncio.sleep(0.05)
        assert await version(1) == "yolov8n.yaml/pytorch@256"
    finally:
        await worker.stop()

async def test_a_hog_detector_has_no_input_size_and_counts_a_sized_camera_as_it_is(
        bus: Bus) -> None:
    worker = DetectorWorker(DetectorConfig(kind="hog"), cameras=["lobby"], worker_id="det-hog")
    await worker.start(bus)
    inbox = await results_inbox(bus)
    try:
        await configure(bus, CameraConfig(camera_id="lobby", source="0", imgsz=416))
        await asyncio.sleep(0.2)
        await bus.publish(bus.topology.camera_events, bus.topology.frame_key("lobby"),
                          frame("lobby", 0, np.full((360, 640, 3), 90, np.uint8)))
        r = await asyncio.wait_for(inbox.get(), 30)
    finally:
        await worker.stop()
    assert r.detection_results.model_version == "opencv-hog"
    assert worker.stats()["camera_models"] == []

async def test_cameras_followed_together_share_one_question_for_their_stored_settings(
        bus: Bus) -> None:
    """Each camera asks for its own zones, but the list of every camera's configuration is
    asked once for all the cameras a detector starts with, not once per camera."""
    asked: list[str] = []

    async def analytics(request: AnalyticsRequest, _: Delivery) -> BaseModel:
        asked.append(request.query.kind)
        if isinstance(request.query, CamerasQuery):
            return CamerasReply(cameras=[CameraInfo(
                camera_id=c, name=c, enabled=True, zones_version=None, first_seen_at=utcnow(),
                removed_at=None, config=CameraConfig(camera_id=c, source="0", classes=["car"]))
                for c in ("c1", "c2", "c3", "c4")])
        return ZoneSetReply(zone_set=None)

    await bus.serve(bus.topology.rpc_analytics, analytics, model=AnalyticsRequest)
    worker = DetectorWorker(DetectorConfig(kind="hog"), cameras=["c1", "c2", "c3", "c4"],
                            worker_id="det-stored")
    await worker.start(bus)
    try:
        for _ in range(100):
            if all(c.config is not None for c in worker._cameras.values()):
                break
            await asyncio.sleep(0.05)
        # every camera got its stored settings
        assert {c.camera_id: c.classes for c in worker._cameras.values()} == {
            c: ["car"] for c in ("c1", "c2", "c3", "c4")}
    finally:
        await worker.stop()
    assert sorted(asked) == ["cameras", "zone_set", "zone_set", "zone_set", "zone_set"]
