"""Alerts: shown newest first with a count badge; acknowledging sends an acknowledgement whose
sender is the bus's account, and the analytics worker's announcement is what every console
shows."""

from __future__ import annotations

import getpass

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from camcount_desktop.alerts.controller import RESOLVE
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.waiting import until
from workers.bus import Delivery
from workers.contracts import AlertAcknowledgement, CameraConfig, SystemEvent


async def test_acknowledging_an_alert_sends_it_as_this_account_and_clears_the_badge(
        qtbot, console: Console, settings: Settings) -> None:
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    t = console.bus.topology
    acks: list[tuple[AlertAcknowledgement, str | None]] = []

    async def on_ack(a: AlertAcknowledgement, d: Delivery) -> None:
        acks.append((a, d.user_id))

    await console.bus.consume(t.alert_acks_queue, on_ack, model=AlertAcknowledgement)
    for i, severity in enumerate(("info", "critical")):
        await console.bus.publish(t.system_events, "", SystemEvent(
            event_type="alert", source="rules", severity=severity, camera_id="door",
            data={"message": f"alert {i}"}))
    view = window.alerts_view
    await until(lambda: view.tree.topLevelItemCount() == 2, what="two alerts listed")
    assert view.tree.topLevelItem(0).text(3) == "alert 1", "newest first"
    assert "2 unacknowledged" in window.alert_badge.text()
    assert window.tabs.tabText(0) == "Alerts (2)"

    view.tree.topLevelItem(0).setSelected(True)
    QTest.mouseClick(view.ack_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(acks) == 1, what="the acknowledgement on the bus")
    alert_id = console.alerts.newest_first()[0].alert_id
    # who: the sender the bus vouches for (local mode: this OS user), not a field of the body
    assert acks[0] == (AlertAcknowledgement.model_validate(
        {**acks[0][0].model_dump(), "alert_id": alert_id}), getpass.getuser())
    await until(lambda: "1 unacknowledged" in window.alert_badge.text())
    assert getpass.getuser() in view.tree.topLevelItem(0).text(4)
    window.close_now()


async def test_an_acknowledgement_from_another_console_is_shown_too(console: Console) -> None:
    t = console.bus.topology
    alert = SystemEvent(event_type="alert", source="rules", severity="warning", data={"message": "x"})
    await console.bus.publish(t.system_events, "", alert)
    await until(lambda: console.alerts.unacknowledged == 1)
    await console.bus.publish(t.system_events, "", SystemEvent(
        event_type="alert", source="console-other", data={
            "action": "acknowledge", "alert_id": alert.message_id, "by": "night-shift",
            "at": "2026-01-01T03:00:00+00:00"}))
    await until(lambda: console.alerts.unacknowledged == 0)
    assert console.alerts.alerts[alert.message_id].acked_by == "night-shift"


@pytest.fixture
def console_offline(settings: Settings) -> Console:
    """A console that is not started: alert events are handed to it directly."""
    return Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)


def test_clicking_an_alerts_camera_shows_that_camera_full_screen(qtbot, settings: Settings) -> None:
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    console.alerts.on_alert(SystemEvent(event_type="alert", source="rules", camera_id="yard",
                                        data={"message": "queue too long"}))
    view = window.alerts_view
    item = view.tree.topLevelItem(0)
    view.tree.itemClicked.emit(item, 2)
    assert console.wall.fullscreen is not None
    assert console.wall.assignments[console.wall.fullscreen] == "yard"


async def test_a_resolve_updates_its_alerts_row_and_the_panel_tells_active_from_resolved(
        qtbot, console: Console, settings: Settings) -> None:
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    t = console.bus.topology
    raised = [SystemEvent(event_type="alert", source="rules", severity="warning", camera_id=cam,
                          data={"action": "raise", "message": f"Zone queue on camera {cam}"})
              for cam in ("door", "yard")]
    for event in raised:
        await console.bus.publish(t.system_events, "", event)
    view = window.alerts_view
    await until(lambda: view.tree.topLevelItemCount() == 2, what="two alerts listed")
    assert view.active_label.text() == "2 active"

    await console.bus.publish(t.system_events, "", SystemEvent(
        event_type="alert", source="rules", severity="info", camera_id="door",
        data={"action": "resolve", "alert_id": raised[0].message_id,
              "message": "Resolved after 42 s: Zone queue on camera door"}))
    await until(lambda: view.active_label.text() == "1 active", what="the resolve applied")
    rows = {view.tree.topLevelItem(i).text(2): view.tree.topLevelItem(i)
            for i in range(view.tree.topLevelItemCount())}
    assert len(rows) == 2, "a resolve is not a row of its own"
    assert rows["door"].text(5).startswith("resolved ")
    assert rows["door"].toolTip(5) == "Resolved after 42 s: Zone queue on camera door"
    assert rows["door"].text(3) == "Zone queue on camera door", "the alert keeps its text"
    assert rows["yard"].text(5) == "active"

    view.show_filter.setCurrentText("Active")
    assert [view.tree.topLevelItem(i).text(2)
            for i in range(view.tree.topLevelItemCount())] == ["yard"]
    view.show_filter.setCurrentText("Resolved")
    assert [view.tree.topLevelItem(i).text(2)
            for i in range(view.tree.topLevelItemCount())] == ["door"]
    window.close_now()


def test_a_resolve_that_overtakes_its_alert_is_applied_when_the_alert_arrives(
        console_offline: Console) -> None:
    alerts = console_offline.alerts
    raised = SystemEvent(event_type="alert", source="rules", data={"message": "camera down"})
    alerts.on_alert(SystemEvent(event_type="alert", source="rules", data={
        "action": "resolve", "alert_id": raised.message_id, "message": "Resolved after 3 s"}))
    assert alerts.alerts == {}
    alerts.on_alert(raised)
    [alert] = alerts.newest_first()
    assert not alert.active and alert.resolution == "Resolved after 3 s"


def test_the_alerts_list_reads_whole_with_names_and_resolved_rows_stay_legible(
        qtbot, settings: Settings) -> None:
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    with qtbot.waitExposed(window):
        window.show()
    console.cameras.add_configured(CameraConfig(camera_id="door", name="Front door", source="x"))
    text = "Someone in the left half for 1.5 s — Zone left on camera Front door: 1 present, " \
           "more than 0 for 1.5 s"
    raised = SystemEvent(event_type="alert", source="rules", severity="warning", camera_id="door",
                         data={"message": text})
    view = window.alerts_view
    filter_at = view.show_filter.mapTo(view, QPoint(0, 0))
    console.alerts.on_alert(raised)
    console.alerts.on_alert(SystemEvent(event_type="alert", source="rules", severity="warning",
                                        data={"action": RESOLVE, "alert_id": raised.message_id}))
    qtbot.wait(50)
    row = view.tree.topLevelItem(0)
    assert row.text(2) == "Front door", "the camera by its name, not its id"
    # the text reads whole: its column takes the room the others leave
    rect = view.tree.visualItemRect(row)
    column = view.tree.header().sectionSize(3)
    assert view.tree.fontMetrics().horizontalAdvance(row.text(3)) < column, "alert text cut"
    assert rect.width() <= view.tree.viewport().width(), "no column off screen"
    assert view.show_filter.mapTo(view, QPoint(0, 0)) == filter_at, "the filter box stays put"
    # resolved, not acknowledged: its text contrasts with its band
    shown = row.foreground(3).color().lightness() - row.background(3).color().lightness()
    assert shown > 150, "resolved rows read as well as active ones"
