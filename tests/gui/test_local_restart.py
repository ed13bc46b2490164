"""Issue 15, "Loses nothing": local mode, offscreen, with its hosted workers. An admin adds a
camera, saves zones, adds a rule and a target; the sample's alert is acknowledged; crossings are
counted. After a restart of the console on the same data folder, every one of them is still
there: the added camera sends frames to its tile, the wall draws zones version 2, the rule and
target are in force, the alert is listed as acknowledged, and the tile's totals go on from
where they were."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from camcount_desktop.admin.alerting_controller import AlertingController
from camcount_desktop.admin.camera_admin_controller import CameraAdminController
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.console import Console
from camcount_desktop.local_mode import SAMPLE_CAMERA_ID, LocalData, sample_zones
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.waiting import until
from workers.analytics import AnalyticsClient
from workers.contracts import CameraConfig, LineDef
from workers.contracts.alerting import CameraOfflineRule, WebhookTarget
from workers.samples import generate

pytestmark = pytest.mark.slow


def crossings(console: Console, camera_id: str = SAMPLE_CAMERA_ID) -> int:
    result = console.wall.state(camera_id).latest_result
    return 0 if result is None else result.counting_data.count_in + result.counting_data.count_out


async def run_console(settings: Settings, data: LocalData) -> tuple[Console, MainWindow]:
    console = Console("local", settings, data=data)
    window = MainWindow(console, settings)
    window.show()
    await console.start()
    return console, window


async def loaded(alerting: AlertingController) -> None:
    """The rules and targets in force, once the local notifier answers."""
    for _ in range(30):
        if await alerting.load() is None:
            return
        await asyncio.sleep(1.0)
    raise AssertionError("the notifier never answered")


async def close(console: Console, window: MainWindow) -> None:
    await console.stop()
    window.close_now()


async def test_a_restarted_local_console_has_every_edit_it_had(
        qtbot, settings: Settings, tmp_path: Path) -> None:
    data = LocalData(tmp_path / "data")
    truth = generate(tmp_path / "lobby.mp4", people=2, fps=10, seed=5)
    lobby = CameraConfig(camera_id="lobby", name="Lobby", group="Ground floor",
                         source=str(tmp_path / truth.video), loop=True, analysis_fps=5)
    console, window = await run_console(settings, data)
    try:
        await until(lambda: {"camera", "detector", "analytics", "notifier"} <= {
            w.role for w in console.health.workers.values() if w.state == "running"}, 60,
            "the hosted workers")
        access = AdminAccess(console)
        cameras = CameraAdminController(console, access)
        assert await cameras.configure(lobby) is None
        await until(lambda: console.wall.state("lobby").last_frame_at is not None, 30,
                    "the added camera's first frame")

        client = AnalyticsClient(console.bus)
        await until(lambda: console.wall.state(SAMPLE_CAMERA_ID).zones is not None, 30)
        stored = await client.latest_zone_set(SAMPLE_CAMERA_ID)
        assert stored is not None and stored.version == 1  # the sample's, seeded once
        v2 = sample_zones().model_copy(update={"version": 2, "lines": [
            *stored.lines, LineDef(id="line-exit", name="Exit", points=((700, 540), (700, 0)))]})
        assert (await client.save_zone_set(v2, base_version=1)).saved

        alerting = AlertingController(console, access)
        await loaded(alerting)
        rule = CameraOfflineRule(id="lobby-offline", name="Lobby offline", cameras=["lobby"],
                                 for_seconds=20)
        assert await alerting.save_rule(rule, None, alerting.version) is None
        target = WebhookTarget(id="ops", name="Ops room", url="http://127.0.0.1:9/hook",
                               secret="env:CAMCOUNT_TEST_NO_SUCH_SECRET")
        assert await alerting.save_target(target, None, alerting.version) is None

        await until(lambda: console.alerts.newest_first(), 60, "the sample's alert")
        alert = console.alerts.newest_first()[0]
        assert await console.alerts.acknowledge([alert.alert_id]) == 1
        await until(lambda: crossings(console) >= 1, 120, "a counted crossing")
        await asyncio.sleep(1.0)  # the last counts reach storage before the restart
        counted = crossings(console)
    finally:
        await close(console, window)

    console, window = await run_console(settings, data)
    try:
        assert "lobby" in console.cameras.cameras
        await until(lambda: console.wall.state("lobby").last_frame_at is not None, 30,
                    "the added camera sends frames again")
        await until(lambda: console.wall.state(SAMPLE_CAMERA_ID).zones is not None
                    and console.wall.state(SAMPLE_CAMERA_ID).zones.version == 2, 30,
                    "the wall draws zones version 2")
        assert [ln.name for ln in console.wall.state(SAMPLE_CAMERA_ID).zones.lines] == [
            "Entrance", "Exit"]
        await until(lambda: alert.alert_id in console.alerts.alerts, 30, "the stored alert")
        assert console.alerts.alerts[alert.alert_id].acked_by == alert.acked_by
        alerting = AlertingController(console, AdminAccess(console))
        await loaded(alerting)
        assert "lobby-offline" in {r.id for r in alerting.config.rules}
        assert "ops" in {t.id for t in alerting.config.targets}
        await until(lambda: SAMPLE_CAMERA_ID in console.wall.counted_before, 30,
                    "today's stored counts")
        shown = console.wall.state(SAMPLE_CAMERA_ID).latest_result
        await until(lambda: console.wall.state(SAMPLE_CAMERA_ID).latest_result is not shown, 60)
        assert crossings(console) >= counted, "the tile's totals went back to zero"
    finally:
        await close(console, window)
