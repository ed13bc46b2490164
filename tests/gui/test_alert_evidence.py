"""Alarms with evidence, in the console's window with a real analytics worker on its bus: an
alert opens beside the wall with the snapshot of what happened and its camera live; it is
acknowledged with a note everyone sees; the list puts critical alerts first; a critical alert
sounds when the operator wants it to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.analytics import FAST, event, facts
from tests.helpers.gui import frame, solid_jpeg
from tests.helpers.waiting import until, until_fetched
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.contracts import CameraConfig, Snapshot, SystemEvent, utcnow
from workers.contracts.queries import AlertInfo


@pytest.fixture
async def worker(console: Console, tmp_path: Path) -> AsyncIterator[AnalyticsWorker]:
    w = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}",
                        reports_dir=tmp_path / "reports", settings=FAST)
    await w.start(console.bus)
    try:
        yield w
    finally:
        await w.stop()


async def window_of(qtbot, console: Console, settings: Settings) -> MainWindow:
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()  # not qtbot.waitExposed: see click_row
    await until(window.isVisible, what="the window shown")
    return window


def click_row(view, row: int) -> None:
    """As a click on the row does. Not with QTest's mouse events: they process Qt's events
    inside the running test task, where qasync cannot wake the bus's tasks (one left holding
    a database transaction open)."""
    view.tree.setCurrentItem(view.tree.topLevelItem(row))


async def raise_alert(console: Console, **fields) -> SystemEvent:
    alert = SystemEvent(event_type="alert", source="rules", **fields)
    await console.bus.publish(console.bus.topology.system_events, "", alert)
    return alert


async def test_clicking_an_alert_opens_its_snapshot_beside_the_wall_with_the_camera_live(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    t = console.bus.topology
    console.cameras.add_configured(CameraConfig(camera_id="door", name="Front door", source="x"))
    for index, camera in enumerate(console.wall.assignments):  # the wall shows other cameras
        if camera == "door":
            console.wall.assign(index, None)
    assert "door" not in console.wall.cameras_on_screen()
    # a crossing counted a while ago, with its snapshot (blue), then the alert it led to
    crossing = facts("door", [event(utcnow() - timedelta(seconds=20), track=7)])
    await console.bus.publish(t.camera_events, t.counts_key("door"), crossing)
    await console.bus.publish(t.camera_events, t.snapshot_key("door"), Snapshot(
        camera_id="door", event_message_id=crossing.message_id, frame_id=crossing.frame_id,
        taken_at=crossing.frame_timestamp, width=640, height=360, shape_ids=["door"],
        jpeg=solid_jpeg((200, 60, 20), 640, 360)))
    # generous waits: a real worker on a machine other test runs share
    await until(lambda: worker.snapshots.stored == 1, 30, "the snapshot stored")
    window = await window_of(qtbot, console, settings)
    assert not window.alert_dock.isVisible(), "nothing opened yet"
    await raise_alert(console, severity="critical", camera_id="door",
                      data={"rule_name": "Busy door", "rule_id": "busy",
                            "message": "3 crossings in 60 s at Door"})
    view = window.alerts_view
    await until(lambda: view.tree.topLevelItemCount() == 1, what="the alert listed")

    click_row(view, 0)
    detail = window.alert_detail
    await until(lambda: window.alert_dock.isVisible(), what="the alert opened")
    assert window.dockWidgetArea(window.alert_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert window.alert_dock.x() > window.wall_view.mapTo(window, window.wall_view.rect().topRight()).x() - 5
    try:
        await until(lambda: detail.snapshot.image is not None, 30, "the snapshot on screen")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the pane says: {detail.snapshot.text}") from None
    image = detail.snapshot.image
    assert (image.width(), image.height()) == (640, 360)
    assert image.pixelColor(320, 180).blue() > 150  # the stored picture (BGR 200, 60, 20)
    assert detail.snapshot_caption.text().startswith("Snapshot at ")
    assert "s before the alert" in detail.snapshot_caption.text()
    assert detail.title.text().startswith("CRITICAL · Front door · ")
    assert detail.text.text() == "Busy door — 3 crossings in 60 s at Door"
    # its camera live beside the snapshot: followed although it is not on the wall
    assert detail.live.state is not None and detail.live.state.camera_id == "door"
    await until(lambda: "door" in console.adapter.followed, what="the camera followed")
    await console.bus.publish(t.camera_events, t.frame_key("door"), frame("door", 1))
    await until(lambda: detail.live.state.last_frame_at is not None, what="a live frame")
    # closing the pane stops following a camera that is not on the wall
    window.alert_dock.close()
    assert console.pinned is None
    await until(lambda: "door" not in console.adapter.followed, what="the camera let go")
    window.close_now()


async def test_an_alert_acknowledged_with_a_note_shows_the_note_from_the_store(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    window = await window_of(qtbot, console, settings)
    alert = await raise_alert(console, severity="warning", camera_id="yard",
                              data={"message": "queue longer than 5"})
    view = window.alerts_view
    await until(lambda: view.tree.topLevelItemCount() == 1, what="the alert listed")
    click_row(view, 0)
    detail = window.alert_detail
    await until(lambda: detail.alert_id == alert.message_id)
    detail.note.setText("cleaner in the zone, no action")
    detail.ack_button.click()
    client = AnalyticsClient(console.bus)
    stored: list[AlertInfo] = (await until_fetched(
        lambda: client.alerts(), lambda r: r.alerts and r.alerts[0].acknowledged_at)).alerts
    assert stored[0].acknowledge_note == "cleaner in the zone, no action"
    await until(lambda: "cleaner in the zone" in view.tree.topLevelItem(0).text(4),
                what="the note in the list")
    assert view.tree.topLevelItem(0).text(4).endswith(": cleaner in the zone, no action")
    assert "note: “cleaner in the zone, no action”" in detail.state.text()
    assert not detail.ack_button.isEnabled() and not detail.note.isEnabled()

    # another console, starting later, shows the note from the store
    other = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    other.alerts.restore(stored)
    assert other.alerts.alerts[alert.message_id].ack_note == "cleaner in the zone, no action"
    window.close_now()


def test_critical_alerts_come_first_then_the_newest(qtbot, settings: Settings) -> None:
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    now = utcnow()
    for minutes, severity, text in ((50, "critical", "old critical"), (40, "info", "old info"),
                                    (30, "warning", "warning"), (20, "critical", "new critical"),
                                    (10, "info", "new info")):
        console.alerts.on_alert(SystemEvent(event_type="alert", source="rules", severity=severity,
                                            timestamp=now - timedelta(minutes=minutes),
                                            data={"message": text}))
    tree = window.alerts_view.tree
    assert [tree.topLevelItem(i).text(3) for i in range(tree.topLevelItemCount())] == [
        "new critical", "old critical", "warning", "new info", "old info"]


def test_a_critical_alert_sounds_when_the_operator_turned_the_sound_on(
        qtbot, settings: Settings) -> None:
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    sounded: list[str] = []
    console.sound.sounded.connect(sounded.append)

    def alert(severity: str) -> SystemEvent:
        return SystemEvent(event_type="alert", source="rules", severity=severity,
                           data={"message": severity})

    console.alerts.on_alert(alert("critical"))
    assert sounded == [], "off until an operator turns it on"
    window.sound_action.trigger()  # View → Sound for critical alerts
    assert Settings(settings.store).critical_sound(), "the choice is kept"
    console.alerts.on_alert(alert("warning"))
    assert sounded == []
    console.alerts.on_alert(alert("critical"))
    assert len(sounded) == 1 and sounded[0] in ("effect", "beep") and console.sound.played == 1
    # critical alerts loaded from the store when a console starts are old news: no sound
    old = alert("critical")
    console.alerts.restore([AlertInfo(alert_id=old.message_id, source="rules",
                                      severity="critical", camera_id=None, zone_id=None,
                                      data=old.data, raised_at=old.timestamp,
                                      acknowledged_by=None, acknowledged_at=None)])
    assert console.sound.played == 1
    window.sound_action.trigger()
    console.alerts.on_alert(alert("critical"))
    assert console.sound.played == 1
