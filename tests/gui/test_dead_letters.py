"""Dead-letter panel: what failed and why; requeue to the original route or discard, one or many;
nothing undecided is lost."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from camcount_desktop.console import Console
from camcount_desktop.dead_letters.view import DeadLetterView
from camcount_desktop.settings import Settings
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.rabbit_util import purge_namespace
from workers.bus import Delivery
from workers.contracts import CameraStatus
from workers.topology import ATTEMPT_HEADER, ERROR_HEADER


def button(view: DeadLetterView, text: str) -> QPushButton:
    return next(b for b in view.findChildren(QPushButton) if b.text() == text)


def select(view: DeadLetterView, *rows: int) -> None:
    view.tree.clearSelection()
    for r in rows:
        view.tree.topLevelItem(r).setSelected(True)


async def review_requeue_and_discard(qtbot, console: Console) -> None:
    t = console.bus.topology
    received: list[Delivery] = []

    async def on_status(d: Delivery, _: Delivery) -> None:
        received.append(d)

    await console.bus.subscribe(t.camera_events, [t.status_key("door")], on_status)
    for i in range(4):  # what a worker's failed handler leaves behind
        body, headers = CameraStatus(camera_id="door", state="online", detail=f"#{i}").to_wire()
        failed = Delivery(body, headers, t.camera_events, t.status_key("door"), "some.queue")
        await console.bus.dead_letter(failed, f"ValueError: broken #{i}", attempts=3)

    view = DeadLetterView(console.dead_letters)
    qtbot.addWidget(view)
    QTest.mouseClick(button(view, "Refresh"), Qt.MouseButton.LeftButton)
    await until(lambda: view.tree.topLevelItemCount() == 4, what="four dead letters listed")
    row = view.tree.topLevelItem(0)
    assert row.text(3) == "3" and row.text(4).startswith("ValueError: broken")
    assert row.text(2) == f"{t.camera_events} → {t.status_key('door')}"

    # nothing selected, nothing to act on
    acting = [button(view, "Requeue selected"), button(view, "Discard selected")]
    assert not any(b.isEnabled() for b in acting)
    select(view, 0, 1)
    assert all(b.isEnabled() for b in acting)
    QTest.mouseClick(button(view, "Requeue selected"), Qt.MouseButton.LeftButton)
    await until(lambda: len(received) == 2, what="two messages back on their original route")
    assert all(d.headers[ATTEMPT_HEADER] == 0 and ERROR_HEADER not in d.headers for d in received)
    assert {CameraStatus.from_wire(d.body).detail for d in received} == {"#0", "#1"}
    await until(lambda: view.tree.topLevelItemCount() == 2)
    assert not any(b.isEnabled() for b in acting), "the acted-on rows are gone, so is the selection"

    select(view, 0)
    QTest.mouseClick(button(view, "Discard selected"), Qt.MouseButton.LeftButton)
    await until(lambda: view.tree.topLevelItemCount() == 1)

    # the undecided one is still there after the panel lets go and reads the queue again
    await console.dead_letters.source.close()
    QTest.mouseClick(button(view, "Refresh"), Qt.MouseButton.LeftButton)
    await until(lambda: "1 message(s)" in view.status.text())
    assert view.tree.topLevelItemCount() == 1
    assert view.tree.topLevelItem(0).text(4) == "ValueError: broken #3"


async def test_dead_letters_on_the_in_process_bus(qtbot, console: Console) -> None:
    await review_requeue_and_discard(qtbot, console)


@pytest.mark.rabbit
async def test_dead_letters_on_rabbitmq(qtbot, settings: Settings, namespace: str) -> None:
    console = Console(BROKER_URL, settings, namespace=namespace, host_workers=False)
    await console.start()
    try:
        await until(lambda: console.started, timeout=20, what="the broker connection")
        await review_requeue_and_discard(qtbot, console)
    finally:
        await console.stop()
        await purge_namespace(BROKER_URL, console.bus.topology)
