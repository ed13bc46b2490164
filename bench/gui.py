"""Console wall under load: 16 tiles, each fed 10 frames/s (960x540 JPEG) plus a detection result
per frame, through the real path (in-process bus -> BusAdapter, JPEG decode in its executor ->
WallController -> TileView painting).

    python bench/gui.py [seconds]        # offscreen unless QT_QPA_PLATFORM says otherwise

Measures time spent on the Qt thread per frame: validating the frame and its result, the slots
that take them, and painting the tile, summed per frame (p50/p95); the event loop's lag; frames
dropped on the way (the console's per-camera queues keep the newest 8 messages); and whether
those queues build a backlog. Goal: p95 under 16 ms per frame and no growing backlog. Prints a
table, ends with one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from camcount_desktop.bus_adapter import BusAdapter  # noqa: E402
from camcount_desktop.settings import Settings  # noqa: E402
from camcount_desktop.wall.controller import WallController  # noqa: E402
from camcount_desktop.wall.tile_view import TileView  # noqa: E402
from camcount_desktop.wall.view import WallView  # noqa: E402
from workers.bus import InProcessBus  # noqa: E402
from workers.contracts import (  # noqa: E402
    CountingData,
    Detection,
    DetectionBlock,
    DetectionResult,
    Frame,
    LineCounts,
    LineDef,
    ZoneAnalysis,
    ZoneDef,
    ZoneSet,
)

CAMERAS = 16
FPS = 10
W, H = 960, 540
SEQUENCE = 20  # distinct pre-encoded frames, cycled (encoding is the camera worker's cost)
RESULT_DELAY_S = 0.03  # a detector's latency


def make_sequence() -> list[tuple[bytes, list[tuple[float, float, float, float]]]]:
    rng = np.random.default_rng(7)
    background = rng.integers(40, 90, (H, W, 3), dtype=np.uint8)
    out = []
    for i in range(SEQUENCE):
        image = background.copy()
        boxes = []
        for k in range(3):
            x = (80 + i * 30 + k * 280) % (W - 120)
            y = 150 + k * 60
            cv2.rectangle(image, (x, y), (x + 90, y + 260), (60 + 60 * k, 140, 200), -1)
            boxes.append((float(x), float(y), float(x + 90), float(y + 260)))
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        out.append((buf.tobytes(), boxes))
    return out


def zones_for(camera_id: str) -> ZoneSet:
    return ZoneSet(camera_id=camera_id, frame_width=W, frame_height=H,
                   lines=[LineDef(id="door", name="Door", points=((W / 2, H), (W / 2, 0)))],
                   zones=[ZoneDef(id="left", name="Left", points=[(0, 0), (W / 2, 0), (W / 2, H), (0, H)])])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class Meter:
    """Qt-thread time per frame: each piece of work is charged to its camera's current frame."""

    def __init__(self) -> None:
        self.open: dict[str, float] = defaultdict(float)
        self.per_frame: list[float] = []
        self.handling: list[float] = []
        self.paints: list[float] = []

    def charge(self, camera_id: str, seconds: float) -> None:
        self.open[camera_id] += seconds

    def next_frame(self, camera_id: str) -> None:
        if camera_id in self.open:
            self.per_frame.append(self.open.pop(camera_id))


async def run(seconds: float) -> dict[str, object]:
    cameras = [f"cam-{i:02d}" for i in range(CAMERAS)]
    sequence = make_sequence()
    bus = InProcessBus(source="bench-gui")
    await bus.start()
    settings = Settings(QSettings(str(ROOT / "build" / "bench-gui.ini"), QSettings.Format.IniFormat))
    settings.store.clear()
    wall = WallController(settings)
    wall.set_layout(4)
    for i, cam in enumerate(cameras):
        wall.assign(i, cam)
        wall.on_zones(zones_for(cam))
    view = WallView(wall)
    view.resize(1600, 1000)
    adapter = BusAdapter()
    view.tile_resized.connect(lambda cam, w, h: adapter.set_decode_box(cam, (w, h)))
    view.show()
    meter = Meter()
    displayed: dict[str, int] = defaultdict(int)

    # time the Qt-thread pieces: validation in the adapter, the wall's slots, tile painting
    def timed_from_wire(cls, original):
        def wrapper(body, headers=None):
            t0 = time.perf_counter()
            msg = original(body, headers)
            dt = time.perf_counter() - t0
            meter.charge(msg.camera_id, dt)
            meter.handling.append(dt)
            return msg
        return classmethod(lambda _cls, body, headers=None: wrapper(body, headers))

    Frame.from_wire = timed_from_wire(Frame, Frame.from_wire)
    DetectionResult.from_wire = timed_from_wire(DetectionResult, DetectionResult.from_wire)

    def on_frame(frame) -> None:
        meter.next_frame(frame.camera_id)
        displayed[frame.camera_id] += 1
        t0 = time.perf_counter()
        wall.on_frame(frame)
        meter.charge(frame.camera_id, time.perf_counter() - t0)

    def on_result(result) -> None:
        t0 = time.perf_counter()
        wall.on_result(result)
        meter.charge(result.camera_id, time.perf_counter() - t0)

    paint = TileView.paintEvent

    def timed_paint(tile: TileView, event) -> None:
        t0 = time.perf_counter()
        paint(tile, event)
        dt = time.perf_counter() - t0
        meter.paints.append(dt)
        if tile.state is not None:
            meter.charge(tile.state.camera_id, dt)

    TileView.paintEvent = timed_paint
    adapter.frame_decoded.connect(on_frame)
    adapter.result_received.connect(on_result)
    await adapter.attach(bus)
    await adapter.follow(cameras)
    await asyncio.sleep(0.5)  # layout settles, decode sizes known

    published: dict[str, int] = defaultdict(int)
    lags: list[float] = []
    backlog: list[tuple[float, int]] = []
    stop_at = time.monotonic() + seconds
    t = bus.topology

    async def camera(index: int, camera_id: str) -> None:
        start = time.monotonic() + index / (FPS * CAMERAS)  # cameras are not in lock-step
        n = 0
        while (due := start + n / FPS) < stop_at:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            jpeg, boxes = sequence[(n + index) % SEQUENCE]
            fid = f"{camera_id}:{n}"
            await bus.publish(t.camera_events, t.frame_key(camera_id), Frame(
                camera_id=camera_id, frame_id=fid, width=W, height=H, fps=FPS, quality=80, jpeg=jpeg))
            published[camera_id] += 1
            asyncio.get_running_loop().call_later(
                RESULT_DELAY_S, lambda fid=fid, boxes=boxes, n=n: asyncio.ensure_future(
                    publish_result(camera_id, fid, boxes, n)))
            n += 1

    async def publish_result(camera_id: str, fid: str, boxes, n: int) -> None:
        result = DetectionResult(
            camera_id=camera_id, frame_id=fid, frame_timestamp=datetime.now(UTC),
            frame_width=W, frame_height=H,
            detection_results=DetectionBlock(
                detections=[Detection(class_name="person", confidence=0.8, bbox=b, track_id=k + 1)
                            for k, b in enumerate(boxes)],
                total_count=len(boxes), processing_time=RESULT_DELAY_S, model_version="bench"),
            counting_data=CountingData(count_in=n // 20, count_out=n // 25,
                                       lines={"door": LineCounts(count_in=n // 20, count_out=n // 25)},
                                       zone_analysis={"left": ZoneAnalysis(occupancy=n % 3)}))
        await bus.publish(t.camera_events, t.detection_key(camera_id), result)

    async def probe() -> None:
        queues = [s.queue for s in adapter._followed.values()]
        while time.monotonic() < stop_at:
            t0 = time.monotonic()
            await asyncio.sleep(0.05)
            lags.append(time.monotonic() - t0 - 0.05)
            depths = await bus.queue_depths(queues)
            backlog.append((time.monotonic(), sum(d.ready for d in depths.values())))

    await asyncio.gather(probe(), *(camera(i, c) for i, c in enumerate(cameras)))
    await asyncio.sleep(0.5)
    await adapter.detach()
    adapter.shutdown()
    await bus.close()

    total_pub = sum(published.values())
    total_shown = sum(displayed.values())
    half = len(backlog) // 2
    early = statistics.mean(b for _, b in backlog[:half]) if half else 0.0
    late = statistics.mean(b for _, b in backlog[half:]) if half else 0.0
    return {
        "tiles": CAMERAS, "fps_per_tile": FPS, "seconds": seconds,
        "qt_ms_per_frame_p50": round(pct(meter.per_frame, 0.50) * 1000, 2),
        "qt_ms_per_frame_p95": round(pct(meter.per_frame, 0.95) * 1000, 2),
        "paint_ms_p50": round(pct(meter.paints, 0.50) * 1000, 2),
        "paint_ms_p95": round(pct(meter.paints, 0.95) * 1000, 2),
        "handling_ms_p95": round(pct(meter.handling, 0.95) * 1000, 3),
        "loop_lag_ms_p95": round(pct(lags, 0.95) * 1000, 1),
        "frames_published": total_pub, "frames_shown": total_shown,
        "dropped_pct": round(100 * (1 - total_shown / total_pub), 1) if total_pub else None,
        "backlog_first_half": round(early, 1), "backlog_second_half": round(late, 1),
        "backlog_growing": late > early + 2 * CAMERAS,
    }


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    (ROOT / "build").mkdir(exist_ok=True)
    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        r = loop.run_until_complete(run(seconds))
    rows = [
        ("tiles x fps", f"{r['tiles']} x {r['fps_per_tile']}"),
        ("Qt thread per frame p50 / p95", f"{r['qt_ms_per_frame_p50']} / {r['qt_ms_per_frame_p95']} ms"),
        ("  of which tile paint p50 / p95", f"{r['paint_ms_p50']} / {r['paint_ms_p95']} ms"),
        ("  message validation p95", f"{r['handling_ms_p95']} ms"),
        ("event loop lag p95", f"{r['loop_lag_ms_p95']} ms"),
        ("frames published / shown", f"{r['frames_published']} / {r['frames_shown']}"),
        ("dropped", f"{r['dropped_pct']} %"),
        ("backlog 1st / 2nd half (msgs)", f"{r['backlog_first_half']} / {r['backlog_second_half']}"),
        ("backlog growing", str(r["backlog_growing"])),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    r["ok"] = r["qt_ms_per_frame_p95"] < 16 and not r["backlog_growing"]
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
