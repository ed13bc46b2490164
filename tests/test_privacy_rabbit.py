"""Privacy on a real RabbitMQ: with the site's privacy on, the only pictures of a camera that any
console can follow have every person hidden (compared pixel by pixel with the picture as taken);
the picture as taken reaches the detector point to point, an operator account cannot read it,
and an account with the "see faces" right can, after its view is logged by its account name."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until, until_fetched
from tests.rabbit_util import operator_account, purge_namespace
from workers.analytics import AnalyticsWorker
from workers.bus import Delivery, NotAllowed
from workers.bus.rabbit import RabbitBus
from workers.camera.worker import CameraWorker
from workers.contracts import CameraConfig, DetectionResult, FacesViewed, Frame, MaskDef, ZoneSet
from workers.contracts.queries import FacesViewsQuery
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.privacy import PrivacySettings, obscure
from workers.samples import generate
from workers.topology import Topology

pytestmark = pytest.mark.rabbit

MASK = MaskDef(id="window", points=[(0, 0), (120, 0), (120, 80), (0, 80)])


@asynccontextmanager
async def pipeline(namespace: str, tmp_path: Path, mode: str) -> AsyncIterator[Topology]:
    """A camera worker playing a generated clip of walkers and a HOG detector, each on its own
    connection (under strict, the detector inside the camera worker), with the site's privacy
    ``mode``; the camera has a privacy mask."""
    truth = generate(tmp_path / "door.mp4", people=3, fps=10, size=(640, 360), seed=3)
    topology = Topology(namespace)
    privacy = PrivacySettings(mode)  # type: ignore[arg-type]
    zones = ZoneSet(camera_id="door", frame_width=truth.width, frame_height=truth.height,
                    privacy_masks=[MASK])
    buses = [RabbitBus(BROKER_URL, topology, source=s) for s in ("camera-1", "detector-1")]
    for b in buses:
        await b.start()
    # strict: the detector runs inside the camera worker (a camera worker on a broker without
    # one publishes nothing); blur: a detector worker of its own
    fused = mode == "strict"
    detector = DetectorWorker(DetectorConfig(kind="hog"), cameras=[] if fused else ["door"],
                              zones=[zones], worker_id=f"detector-{namespace}", privacy=privacy,
                              fused=fused)
    camera = CameraWorker([CameraConfig(camera_id="door", source=str(tmp_path / truth.video),
                                        analysis_fps=5, loop=True)], privacy=privacy,
                          detector=detector if fused else None)
    if not fused:
        await detector.start(buses[1])
    try:
        await camera.start(buses[0])
        try:
            yield topology
        finally:
            await camera.stop()
    finally:
        if not fused:
            await detector.stop()
        for b in buses:
            await b.close()
        await purge_namespace(BROKER_URL, topology)


async def follow(bus: RabbitBus, exchange: str, keys: list[str]) -> list[Delivery]:
    got: list[Delivery] = []

    async def on(d: Delivery, _: Delivery) -> None:
        got.append(d)

    await bus.subscribe(exchange, keys, on, max_length=1000, prefetch=50)
    return got


def decode(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def detail_kept(view: np.ndarray, original: np.ndarray, box) -> float:  # type: ignore[no-untyped-def]
    """How much of the original's fine detail inside ``box`` the view still shows: the
    correlation of both pictures' differences from the pixelated original (1: all of it, as an
    unblurred picture; about 0: none)."""
    expected = obscure(original, [box]).astype(float)
    x1, y1, x2, y2 = (int(v) for v in box)
    a = (original.astype(float) - expected)[y1:y2, x1:x2].ravel()
    b = (view.astype(float) - expected)[y1:y2, x1:x2].ravel()
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0


async def test_with_privacy_on_no_frame_leaving_the_detector_shows_a_person(
        namespace: str, tmp_path: Path) -> None:
    async with pipeline(namespace, tmp_path, "blur") as t:
        watcher = RabbitBus(BROKER_URL, t, source="watcher")
        await watcher.start()
        try:
            raw_on_events = await follow(watcher, t.camera_events, ["camera.frame.door"])
            seen = await follow(watcher, t.camera_events, ["camera.view.door",
                                                           "camera.detection.door"])
            faces = await follow(watcher, t.camera_faces, ["camera.faces.door"])

            def pairs() -> list[tuple[Frame, DetectionResult, Frame]]:
                views = {d.headers["frame_id"]: Frame.from_wire(d.body, d.headers)
                         for d in seen if d.headers.get("x-camcount-type") == "frame"}
                results = {r.frame_id: r for r in (DetectionResult.from_wire(d.body) for d in seen
                           if d.headers.get("x-camcount-type") == "detection_result")}
                originals = {d.headers["frame_id"]: Frame.from_wire(d.body, d.headers)
                             for d in faces}
                return [(views[f], results[f], originals[f]) for f in views
                        if f in results and f in originals
                        and results[f].detection_results.detections]

            await until(lambda: len(pairs()) >= 8, timeout=60, what="8 frames with people")
        finally:
            await watcher.close()
    assert raw_on_events == []  # the camera's own frames never went on camera.events
    boxes = 0
    for view, result, original in pairs():
        v, o = decode(view.jpeg), decode(original.jpeg)
        assert view.metadata.source.startswith("detector")
        for det in result.detection_results.detections:
            boxes += 1
            # the same picture through JPEG keeps nearly all of it: the measure can fail
            assert detail_kept(o, o, det.bbox) > 0.99
            assert detail_kept(v, o, det.bbox) < 0.15, f"a person shows in {view.frame_id}"
        # the mask is filled in both; away from people the view is the picture as taken
        assert np.abs(v[5:75, 5:115].astype(int) - 64).max() < 12
        assert np.abs(o[5:75, 5:115].astype(int) - 64).max() < 12
    assert boxes >= 8


async def test_an_operator_cannot_read_faces_and_a_faces_viewer_can_after_being_logged(
        namespace: str, tmp_path: Path) -> None:
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
                                worker_id="analytics-privacy")
    async with pipeline(namespace, tmp_path, "blur") as t:
        services = RabbitBus(BROKER_URL, t, source="analytics")
        await services.start()
        await analytics.start(services)
        try:
            with operator_account(BROKER_URL, namespace) as (url, _):
                operator = RabbitBus(url, t, source="operator-console")
                await operator.start()
                try:
                    with pytest.raises(NotAllowed, match="ACCESS_REFUSED"):
                        await follow(operator, t.camera_faces, ["camera.faces.door"])
                    with pytest.raises(NotAllowed, match="ACCESS_REFUSED"):
                        await operator.consume(t.frame_queue("door"), lambda m, d: None)
                    with pytest.raises(NotAllowed):  # nor may it write the log
                        await operator.publish(t.privacy_audit, "",
                                               FacesViewed(camera_id="door", action="start"))
                    views = await follow(operator, t.camera_events, ["camera.view.door"])
                    await until(lambda: len(views) >= 3, timeout=30, what="hidden-people frames")
                finally:
                    await operator.close()
            with operator_account(BROKER_URL, namespace, faces=True) as (url, user):
                viewer = RabbitBus(url, t, source="faces-console")
                await viewer.start()
                try:
                    await viewer.publish(t.privacy_audit, "",
                                         FacesViewed(camera_id="door", action="start",
                                                     console="desk-1"))
                    faces = await follow(viewer, t.camera_faces, ["camera.faces.door"])
                    await until(lambda: len(faces) >= 3, timeout=30, what="frames as taken")
                finally:
                    await viewer.close()
                log = await until_fetched(lambda: analytics.heatmaps.faces_views(
                    FacesViewsQuery(camera_id="door")), lambda r: r.views, timeout=15)
                assert [(v.viewer, v.action, v.console) for v in log.views] == [
                    (user, "start", "desk-1")]
        finally:
            await analytics.stop()
            await services.close()


async def test_strict_privacy_publishes_no_picture_as_taken_for_anyone(
        namespace: str, tmp_path: Path) -> None:
    async with pipeline(namespace, tmp_path, "strict") as t:
        watcher = RabbitBus(BROKER_URL, t, source="watcher")
        await watcher.start()
        try:
            raw = await follow(watcher, t.camera_events, ["camera.frame.door"])
            faces = await follow(watcher, t.camera_faces, ["#"])
            views = await follow(watcher, t.camera_events, ["camera.view.door"])
            await until(lambda: len(views) >= 10, timeout=60, what="hidden-people frames")
            await asyncio.sleep(0.5)
        finally:
            await watcher.close()
    assert raw == [] and faces == []
