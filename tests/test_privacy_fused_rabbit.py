"""Strict privacy with the detector inside the camera worker (``camcount-worker camera --detect``),
run as a process of its own on a real RabbitMQ whose firehose copies every message published in
its vhost: no frame message crosses the broker with a person showing (compared with the clip's
frames, inside the boxes where the walkers truly are, known by construction, whether or not the
detector found them), the privacy mask
is filled in every one, and a camera worker without a detector refuses to publish at all, saying
so in its camera's status."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.processes import spawn
from tests.rabbit_util import traced_vhost
from workers.analytics import AnalyticsWorker
from workers.bus import Delivery
from workers.bus.rabbit import RabbitBus
from workers.camera.worker import CameraWorker
from workers.contracts import CameraConfig, CameraStatus, MaskDef, ZoneSet
from workers.privacy import PrivacySettings
from workers.samples import generate
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]

MASK = MaskDef(id="window", points=[(0, 0), (120, 0), (120, 80), (0, 80)])


def decode(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def clip_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while (ok := cap.read())[0]:
        frames.append(ok[1])
    cap.release()
    return frames


def fine_detail_kept(view: np.ndarray, original: np.ndarray, box) -> float:  # type: ignore[no-untyped-def]
    """How much of the original's fine detail (what is left after a 1.5 px blur is taken away:
    edges of eyes, hair, fabric) the view still shows inside ``box``: the correlation of the two
    pictures' fine detail there. The clip frame through JPEG keeps over 0.95; a picture
    pixelated or blurred there, under 0.1, whatever the blocks' grid."""
    def fine(img: np.ndarray) -> np.ndarray:
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(float)
        return g - cv2.GaussianBlur(g, (0, 0), 1.5)

    x1, y1, x2, y2 = (int(v) for v in box)
    a, b = fine(original)[y1:y2, x1:x2].ravel(), fine(view)[y1:y2, x1:x2].ravel()
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0


def as_jpeg(image: np.ndarray) -> np.ndarray:
    return decode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())


def which_frame(view: np.ndarray, frames: list[np.ndarray]) -> int:
    """The clip frame a published picture was made from: the nearest one (people hidden and
    the mask filled change only a small part of it)."""
    small = cv2.resize(view, (160, 90), interpolation=cv2.INTER_AREA).astype(float)
    diffs = [np.abs(cv2.resize(f, (160, 90), interpolation=cv2.INTER_AREA) - small).mean()
             for f in frames]
    return int(np.argmin(diffs))


def frame_messages(trace: list[Delivery]) -> list[tuple[str, str, bytes, bool]]:
    """(exchange, routing key, JPEG, people_hidden) of every frame message the broker took, on
    any exchange."""
    out = []
    for d in trace:
        headers = (d.headers.get("properties") or {}).get("headers") or {}
        if headers.get("x-camcount-type") == "frame":
            out.append((str(d.headers.get("exchange_name")),
                        str((d.headers.get("routing_keys") or [""])[0]), d.body,
                        bool(headers.get("people_hidden"))))
    return out


async def test_strict_privacy_no_frame_on_the_broker_shows_a_person(tmp_path: Path) -> None:
    truth = generate(tmp_path / "door.mp4", people=3, fps=10, size=(640, 360), seed=3)
    video = tmp_path / truth.video
    frames = clip_frames(video)
    namespace = "fused"
    t = Topology(namespace)
    with traced_vhost(BROKER_URL) as url:
        tracer = RabbitBus(url, t, source="tracer")
        services = RabbitBus(url, t, source="analytics")
        plain = RabbitBus(url, t, source="camera-plain")
        for b in (tracer, services, plain):
            await b.start()
        trace: list[Delivery] = []
        statuses: list[CameraStatus] = []

        async def on_trace(d: Delivery, _: Delivery) -> None:
            trace.append(d)

        async def on_status(s: CameraStatus, _: Delivery) -> None:
            statuses.append(s)

        await tracer.subscribe("amq.rabbitmq.trace", ["publish.#"], on_trace,
                               max_length=100_000, prefetch=200)
        await tracer.subscribe(t.camera_events, [t.status_key("street")], on_status,
                               model=CameraStatus)
        analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
                                    worker_id="analytics-fused")
        await analytics.start(services)
        await analytics.zones.seed(ZoneSet(camera_id="door", frame_width=truth.width,
                                           frame_height=truth.height, privacy_masks=[MASK]))
        # a camera worker with no detector of its own, on the same broker
        plain_camera = CameraWorker([CameraConfig(camera_id="street", source=str(video),
                                                  analysis_fps=5, loop=True)],
                                    privacy=PrivacySettings("strict"))
        await plain_camera.start(plain)
        log = tmp_path / "camera.log"
        proc = spawn(["camera", "--broker", url, "--namespace", namespace,
                      "--camera", f"door={video}", "--loop", "--fps", "5", "--privacy", "strict",
                      "--detect", "--detector", "hog"], log, dict(os.environ))
        try:
            def views() -> list[tuple[str, str, bytes, bool]]:
                assert proc.poll() is None, log.read_text()[-3000:]
                return [m for m in frame_messages(trace) if m[1] == t.view_key("door")]

            await until(lambda: len(views()) >= 25, timeout=90, what="25 pictures of door")
            await until(lambda: any("strict" in s.detail for s in statuses), timeout=10,
                        what="the plain camera worker saying why it publishes nothing")
        finally:
            proc.terminate()
            proc.wait(30)
            await plain_camera.stop()
            await analytics.stop()
            await asyncio.sleep(0.5)  # the firehose's last copies
            for b in (tracer, services, plain):
                await b.close()

    published = frame_messages(trace)
    # every frame message the broker took is a door picture for the wall: none as taken (no
    # detector queue, no camera.frame, no camera.faces), and none from the plain worker
    assert {(ex, key) for ex, key, _, _ in published} == {(t.camera_events, t.view_key("door"))}
    assert all(hidden for *_, hidden in published)  # the wall says so on the tile
    assert plain_camera.stats()["refused"] and plain_camera.stats()["frames_published"] == 0
    refused = next(s for s in statuses if "strict" in s.detail)  # while it ran
    assert refused.state == "offline" and "--detect" in refused.detail

    boxes = 0
    for _, _, jpeg, _ in published:
        view = decode(jpeg)
        index = which_frame(view, frames)
        original = frames[index]
        # the mask is filled in every picture that left the worker (inside its edge: strict
        # pixelation may blend the blocks across it)
        assert np.abs(view[5:60, 5:100].astype(int) - 64).max() < 12
        for walker in truth.walkers:  # every walker in the picture, whole or in part
            box = walker.box_at(index)
            if box is None or box[2] - box[0] < 8 or box[3] - box[1] < 8:
                continue
            boxes += 1
            assert fine_detail_kept(as_jpeg(original), original, box) > 0.9  # it can fail
            kept = fine_detail_kept(view, original, box)
            assert kept < 0.2, f"walker {walker.id} shows in clip frame {index} ({kept:.2f})"
    print(f"{len(published)} pictures, {boxes} walker boxes checked")
    assert boxes >= 10
