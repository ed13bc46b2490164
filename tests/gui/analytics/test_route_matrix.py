"""The route matrix in the analytics window, from route events stored by a real analytics
worker: the matrix, the flow chart and the transit times say what was stored for the days shown."""

from __future__ import annotations

from datetime import date

from camcount_desktop.console import Console
from camcount_desktop.settings import Settings
from tests.gui.analytics.test_analytics_view import open_analytics, show
from tests.helpers.analytics import at
from tests.helpers.analytics_window import publish_counts
from tests.helpers.waiting import until, until_fetched
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.contracts import CameraConfig, CameraControl, CountEvent
from workers.samples.route_scenes import route_zone_set

CAMERA = "lobby"  # publish_counts publishes for the lobby


def done(when: str, origin: str, destination: str, track: int, transit: float) -> CountEvent:
    return CountEvent(kind="route", shape_id=f"{origin}-{destination}", direction="in",
                      class_name="person", track_id=track, at=at(when), dwell_seconds=transit,
                      origin=origin, destination=destination)


async def configure_hall(console: Console) -> None:
    t = console.bus.topology
    zones = route_zone_set(camera_id=CAMERA)
    for control in (CameraControl(camera_id=CAMERA, action="configure",
                                  config=CameraConfig(camera_id=CAMERA, name="Lobby", source="0")),
                    CameraControl(camera_id=CAMERA, action="set_zones", zones=zones)):
        await console.bus.publish(t.camera_events, t.control_key(CAMERA), control)
    await until_fetched(lambda: AnalyticsClient(console.bus).latest_zone_set(CAMERA),
                        what="the hall's zone set stored")


async def test_the_route_matrix_shows_the_people_of_each_origin_and_destination(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_hall(console)
    await publish_counts(console, worker, [
        [done("2026-03-02T10:00+01:00", "west", "east", 1, 4.0),
         done("2026-03-02T10:01+01:00", "west", "east", 2, 6.0)],
        [done("2026-03-02T11:00+01:00", "west", "east", 3, 5.0),
         done("2026-03-02T11:05+01:00", "east", "west", 4, 4.5)],
        [done("2026-03-03T09:00+01:00", "east", "east", 5, 12.0)],
        [done("2026-03-06T09:00+01:00", "west", "west", 6, 9.0)],  # after the days shown
    ])
    window, view = await open_analytics(qtbot, console, settings)
    await show(view, "All lines", first=date(2026, 3, 2), last=date(2026, 3, 4))
    await view.routes.controller.wait()
    panel = view.routes
    await until(lambda: panel.matrix.rowCount() == 2, what="the route matrix")
    assert panel.cell("West", "East") == "3 · 5.0 s"  # people · their mean transit
    assert panel.cell("East", "West") == "1 · 4.5 s"
    assert panel.cell("East", "East") == "1 · 12.0 s"
    assert panel.cell("West", "West") == "–"  # none in these days
    assert panel.flow.cells == {("West", "East"): 3, ("East", "West"): 1, ("East", "East"): 1}
    assert "West → East: 3 people, 5.0 s on average" in panel.tooltip("West", "East")
