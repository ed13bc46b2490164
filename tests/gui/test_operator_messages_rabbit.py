"""An operator account on real RabbitMQ (docs/admin.md's permissions, made with rabbitmqctl and
deleted afterwards): the console says in plain words what it may not do and what it may, the Admin
menu's reason wraps instead of running off the screen, the dead-letter buttons stay off, the
analytics window charts (operators may ask analytics questions), a report request is refused in
words, and each expected refusal is one line in the log, never a traceback."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QToolTip

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.analytics import FAST
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until, until_fetched
from tests.rabbit_util import operator_account, purge_namespace
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.bus.declare import declare
from workers.bus.rabbit import RabbitBus
from workers.contracts import CameraConfig, CameraControl
from workers.topology import Topology

pytestmark = pytest.mark.rabbit


def _tip_label():
    return next((w for w in QApplication.topLevelWidgets()
                 if w.metaObject().className() == "QTipLabel" and w.isVisible()), None)


async def shown_tooltip(text: str, window) -> tuple[int, int]:
    """Show ``text`` as Qt shows a tooltip; the size it takes on screen."""
    QToolTip.showText(window.mapToGlobal(QPoint(10, 10)), text, window)
    tip = await until(_tip_label, 5, "the tooltip on screen")
    size = (tip.width(), tip.height())
    QToolTip.hideText()
    return size


async def test_an_operator_is_told_in_plain_words_what_it_may_do(
        qtbot, settings: Settings, namespace: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    topology = Topology(namespace)
    await declare(BROKER_URL, topology)
    admin = RabbitBus(BROKER_URL, topology, source="admin-side")
    await admin.start()
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", settings=FAST,
                                reports_dir=tmp_path)
    await analytics.start(admin)
    await admin.publish(topology.camera_events, topology.control_key("door"), CameraControl(
        camera_id="door", action="configure",
        config=CameraConfig(camera_id="door", name="Front door", source="0")))
    await until_fetched(lambda: AnalyticsClient(admin).cameras(), lambda r: r.cameras,
                        what="the camera recorded")
    with operator_account(BROKER_URL, namespace) as (url, _):
        console = Console(url, settings, namespace=namespace, host_workers=False)
        window = MainWindow(console, settings)
        qtbot.addWidget(window)
        window.resize(1280, 720)
        window.show()
        try:
            await console.start()
            await until(lambda: console.started, 20, "the operator's console connected")
            menu = window.admin
            await until(lambda: menu.access.allowed is False, 10, "the permission probe answered")
            # the reason wraps: a few lines of a readable width, not one line off the screen
            width, height = await shown_tooltip(menu.cameras_action.toolTip(), window)
            one_line = menu.menu.fontMetrics().height()
            assert width < window.screen().geometry().width() / 2 and height > 2 * one_line
            assert "it may not send control messages" in menu.cameras_action.toolTip()

            dead = window.deadletter_view
            await console.dead_letters.refresh()
            assert dead.status.text() == (
                "This account may not read the error queue: reviewing, requeueing and discarding "
                "dead letters is for admin accounts. Ask an admin, or connect with an admin "
                "account.")
            dead.tree.selectAll()
            assert not any(b.isEnabled() for b in dead.selection_buttons)

            window.open_analytics()
            view = window.analytics_view
            await until(lambda: view.camera_box.count() > 0, 10, "the operator's camera list")
            await view.controller.wait()
            assert view.camera_box.currentText().startswith("Front door")
            assert view.status.styleSheet().find("#d04040") < 0 and "ACCESS" not in \
                view.status.text(), view.status.text()

            now = datetime.now(UTC)
            job = await console.reports.request("daily_summary", "pdf", ["door"],
                                                now - timedelta(days=1), now, "UTC")
            assert job.state == "failed" and job.detail.startswith(
                "not sent: this account may not request reports (that is for admin accounts)")
        finally:
            await console.stop()
            await analytics.stop()
            await admin.close()
            await purge_namespace(BROKER_URL, topology)
    refusals = [r for r in caplog.records if "ACCESS_REFUSED" in r.getMessage()]
    assert len(refusals) >= 2  # the error queue, the report request
    assert not [r for r in refusals if r.exc_info], "an expected refusal logged a traceback"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info]
