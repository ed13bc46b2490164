"""The analytics window's tests: a named camera with a line and a zone, and count events stored
through the analytics worker's ingest path."""

from __future__ import annotations

from camcount_desktop.console import Console
from tests.helpers.analytics import event, facts
from tests.helpers.waiting import until, until_fetched
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.contracts import CameraConfig, CameraControl, CountEvent, LineDef, ZoneDef, ZoneSet

BERLIN = "Europe/Berlin"


CAMERA = "lobby"


async def configure_lobby(console: Console) -> None:
    """The camera's name and its line "Door" and zone "Queue", as an admin sends them; returns
    once analytics has stored them (a window opened before would rightly not know them)."""
    t = console.bus.topology
    zones = ZoneSet(camera_id=CAMERA, frame_width=960, frame_height=540,
                    lines=[LineDef(id="door", name="Door", points=((480, 540), (480, 0)))],
                    zones=[ZoneDef(id="queue", name="Queue",
                                   points=[(0, 0), (400, 0), (400, 540), (0, 540)])])
    for control in (CameraControl(camera_id=CAMERA, action="configure",
                                  config=CameraConfig(camera_id=CAMERA, name="Lobby", source="0")),
                    CameraControl(camera_id=CAMERA, action="set_zones", zones=zones)):
        await console.bus.publish(t.camera_events, t.control_key(CAMERA), control)
    await until_fetched(lambda: AnalyticsClient(console.bus).latest_zone_set(CAMERA),
                        what="the lobby's zone set stored")


async def publish_counts(console: Console, worker: AnalyticsWorker,
                         batches: list[list[CountEvent]]) -> None:
    """Publish one count-events message per batch, as a detector does, and wait until the
    worker has stored them all."""
    t = console.bus.topology
    expected = worker.ingestor.events_written + sum(len(b) for b in batches)
    for events in batches:
        await console.bus.publish(t.camera_events, t.counts_key(CAMERA), facts(CAMERA, events))
    await until(lambda: worker.ingestor.events_written >= expected, timeout=15,
                what=f"{expected} count events stored")


def line(when: str, direction: str, track: int, cls: str = "person") -> CountEvent:
    return event(when, direction, track=track, shape="door", cls=cls)


def zone(when: str, direction: str, track: int) -> CountEvent:
    return event(when, direction, track=track, shape="queue", kind="zone")
