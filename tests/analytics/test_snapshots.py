"""Snapshots in the analytics store (SQLite and PostgreSQL): kept apart from the counts they
show, found for an event, a bucket and an alert, capped in size by the detector and pruned by
the retention setting."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers.analytics import FAST, WorkerFactory, event, facts, publish_counts
from tests.helpers.waiting import until, until_fetched
from workers.analytics import AnalyticsClient
from workers.analytics.snapshots import SnapshotRetention
from workers.bus import Bus
from workers.contracts import AlertAcknowledgement, Snapshot, SystemEvent, utcnow
from workers.detector.snapshot import TooLarge, encode_capped


def jpeg(shade: int, size: tuple[int, int] = (320, 180)) -> bytes:
    image = np.full((size[1], size[0], 3), shade, np.uint8)
    cv2.putText(image, str(shade), (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
    return cv2.imencode(".jpg", image)[1].tobytes()


def snapshot(event_message_id: str, taken_at, *, camera: str = "cam-a", shade: int = 80,
             shapes: tuple[str, ...] = ("door",), data: bytes | None = None) -> Snapshot:
    return Snapshot(camera_id=camera, event_message_id=event_message_id, frame_id="f-1",
                    taken_at=taken_at, width=320, height=180, shape_ids=list(shapes),
                    jpeg=data or jpeg(shade))


async def publish(bus: Bus, snap: Snapshot) -> None:
    await bus.publish(bus.topology.camera_events, bus.topology.snapshot_key(snap.camera_id), snap,
                      mandatory=False)


def camera_frame() -> np.ndarray:
    """A real photograph (the bus scene the sample videos are made from) at 1080p."""
    import ultralytics

    path = Path(ultralytics.__file__).parent / "assets" / "bus.jpg"
    return cv2.resize(cv2.imread(str(path)), (1920, 1080))


def size_of(data: bytes) -> tuple[int, int]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image.shape[1], image.shape[0]


def test_a_snapshot_is_stepped_down_until_it_fits_its_cap() -> None:
    frame = camera_frame()
    best = encode_capped(frame, 2_000_000)  # quality 85
    # a cap a lower quality meets: every pixel kept, the quality lowered
    lower = encode_capped(frame, 300_000)
    assert len(lower) <= 300_000 < len(best) and size_of(lower) == (1920, 1080)
    # a cap no quality meets at full size: the picture is halved, not dropped
    small = encode_capped(frame, 60_000)
    assert len(small) <= 60_000 and size_of(small) == (960, 540)
    with pytest.raises(TooLarge, match="100 bytes"):
        encode_capped(frame, 100)


async def test_snapshots_are_served_by_event_bucket_and_alert(
        bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    await start_worker(bus, db_url)
    client = AnalyticsClient(bus)
    now = utcnow().replace(microsecond=0)
    door = facts("cam-a", [event(now - timedelta(seconds=30), track=1)])
    queue = facts("cam-a", [event(now - timedelta(seconds=20), track=2, shape="queue",
                                  kind="zone")])
    later = facts("cam-a", [event(now - timedelta(seconds=5), track=3)])
    no_picture = facts("cam-a", [event(now - timedelta(seconds=25), track=4)])
    for f in (door, queue, later, no_picture):
        await publish_counts(bus, f)
    await publish(bus, snapshot(door.message_id, now - timedelta(seconds=30), shade=40))
    await publish(bus, snapshot(queue.message_id, now - timedelta(seconds=20), shade=120,
                                shapes=("queue",)))
    await publish(bus, snapshot(later.message_id, now - timedelta(seconds=5), shade=200))

    listed = await until_fetched(
        lambda: client.count_events(camera_id="cam-a", start=now - timedelta(minutes=1),
                                    end=now + timedelta(minutes=1)),
        lambda r: sum(e.has_snapshot for e in r.events) == 3)
    # newest first; the one whose snapshot never came is listed, and says so
    assert [(e.track_id, e.has_snapshot) for e in listed.events] == [
        (3, True), (2, True), (4, False), (1, True)]
    lines_only = await client.count_events(camera_id="cam-a", shape_kind="line",
                                           start=now - timedelta(minutes=1), end=now)
    assert [e.track_id for e in lines_only.events] == [3, 4, 1]

    got = await client.snapshot(door.message_id)
    assert got.found and got.jpeg == jpeg(40) and got.shape_ids == ["door"]
    missing = await client.snapshot(no_picture.message_id)
    assert not missing.found and "pruned" in missing.missing

    # an alert's picture: the newest before it was raised, of its zone when it names one
    zone_alert = SystemEvent(event_type="alert", source="rules", severity="critical",
                             camera_id="cam-a", zone_id="queue", timestamp=now - timedelta(seconds=10),
                             data={"message": "queue too long"})
    camera_alert = SystemEvent(event_type="alert", source="rules", severity="warning",
                               camera_id="cam-a", timestamp=now - timedelta(seconds=1),
                               data={"message": "too many in"})
    system_alert = SystemEvent(event_type="alert", source="rules", severity="warning",
                               data={"message": "queue filling"})
    for a in (zone_alert, camera_alert, system_alert):
        await bus.publish(bus.topology.system_events, "", a)
    await until_fetched(lambda: client.alerts(), lambda r: len(r.alerts) == 3)
    assert (await client.alert_snapshot(zone_alert.message_id)).jpeg == jpeg(120)
    assert (await client.alert_snapshot(camera_alert.message_id)).jpeg == jpeg(200)
    none = await client.alert_snapshot(system_alert.message_id)
    assert not none.found and none.missing == "This alert is not about a camera."


async def test_an_operators_note_is_stored_with_the_acknowledgement_and_announced(
        bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    await start_worker(bus, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    client = AnalyticsClient(bus)
    alert = SystemEvent(event_type="alert", source="rules", severity="critical",
                        camera_id="cam-a", data={"message": "queue too long"})
    announced: list[SystemEvent] = []

    async def on_system(e: SystemEvent, _) -> None:
        if e.data.get("action") == "acknowledge":
            announced.append(e)

    await bus.subscribe(bus.topology.system_events, [], on_system, model=SystemEvent)
    await bus.publish(bus.topology.system_events, "", alert)
    await until_fetched(lambda: client.alerts(), lambda r: len(r.alerts) == 1)
    await bus.publish(bus.topology.alert_acks, "", AlertAcknowledgement(
        alert_id=alert.message_id, note="cleaner in the queue zone, no action"))
    stored = await until_fetched(lambda: client.alerts(),
                                 lambda r: r.alerts[0].acknowledged_at is not None)
    assert stored.alerts[0].acknowledge_note == "cleaner in the queue zone, no action"
    assert stored.alerts[0].acknowledged_by == bus.user  # the sending account, not the body
    await until(lambda: announced, what="the acknowledgement announced")
    assert announced[0].data["note"] == "cleaner in the queue zone, no action"


async def test_retention_prunes_snapshots_by_age_then_oldest_first_by_size_and_keeps_counts(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    size = len(jpeg(0, (640, 360)))
    settings = dataclasses.replace(FAST, snapshots=SnapshotRetention(
        days=30, max_mb=3.5 * size / 2**20, every_s=3600))
    worker = await start_worker(inprocess_bus, db_url, settings=settings)
    client = AnalyticsClient(inprocess_bus)
    now = utcnow()
    ages = [timedelta(days=45), timedelta(days=3), timedelta(days=2), timedelta(hours=5),
            timedelta(hours=2), timedelta(minutes=1)]
    sent = []
    for age in ages:
        f = facts("cam-a", [event(now - age)])
        await publish_counts(inprocess_bus, f)
        await publish(inprocess_bus, snapshot(f.message_id, now - age,
                                              data=jpeg(0, (640, 360))))
        sent.append(f.message_id)
    await until_fetched(lambda: client.count_events(camera_id="cam-a",
                                                    start=now - timedelta(days=60), end=now),
                        lambda r: sum(e.has_snapshot for e in r.events) == 6)

    # the worker's own round may have run first (it starts with one): count both
    await worker.snapshots.prune()
    assert worker.snapshots.pruned == 3  # 45 days old; then the two oldest for size
    kept = [(await client.snapshot(m)).found for m in sent]
    assert kept == [False, False, False, True, True, True]
    # the counts they showed are all still there
    reply = await client.count_events(camera_id="cam-a", start=now - timedelta(days=60), end=now)
    assert len(reply.events) == 6
    assert await worker.snapshots.prune() == 0
