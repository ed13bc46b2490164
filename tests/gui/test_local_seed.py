"""Local mode tells its analytics worker what no admin ever configured: the sample camera's name
(the analytics window, its reports and the alerts said "entrance", the wall "Entrance (sample
video)") and the sample's lines."""

from __future__ import annotations

from pathlib import Path

from camcount_desktop.local_mode import sample_camera, sample_zones
from tests.helpers.buses import start_bus
from workers.analytics import AnalyticsClient, AnalyticsSettings, AnalyticsWorker


async def test_the_sample_camera_is_known_to_analytics_by_its_name(
        tmp_path: Path, namespace: str) -> None:
    bus = await start_bus("inprocess", namespace, "local-test")
    worker = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'local.db'}",
                             reports_dir=tmp_path, settings=AnalyticsSettings(schedule=False))
    await worker.start(bus)
    try:
        await worker.adopt([sample_camera()], [sample_zones()])
        await worker.adopt([sample_camera()], [sample_zones()])  # every start: the same record,
        # the zones stored once
        reply = await AnalyticsClient(bus).cameras()
        assert [(c.camera_id, c.name, c.zones_version) for c in reply.cameras] == [
            ("entrance", "Entrance (sample video)", 1)]
        assert reply.cameras[0].config is not None and reply.cameras[0].config.group == "Sample"
    finally:
        await worker.stop()
        await bus.close()


async def test_the_alerts_name_the_sample_camera_and_its_zone_from_the_first_start(
        tmp_path: Path, namespace: str) -> None:
    from workers.contracts.alerting import AlertingConfig

    bus = await start_bus("inprocess", namespace, "local-test")
    for _ in range(2):  # a first start, then the same data folder again
        worker = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'local.db'}",
                                 reports_dir=tmp_path, settings=AnalyticsSettings(schedule=False),
                                 alerting=AlertingConfig())
        await worker.start(bus)
        try:
            await worker.adopt([sample_camera()], [sample_zones()])
            directory = worker.alerts.engine.directory
            assert directory.camera("entrance") == "Entrance (sample video)"
            assert directory.shape("entrance", "left") == "Left half"
        finally:
            await worker.stop()
    await bus.close()
