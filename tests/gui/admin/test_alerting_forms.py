"""Admin → Alert rules and targets: a rule edited in the form changes what the running rule engine
raises, without a restart; "Send test notification" shows success, or the receiver's exact
refusal. Real notifier and rule engine on the console's in-process bus, a real SMTP server
(aiosmtpd) and HTTP receiver (aiohttp), SQLite."""

from __future__ import annotations

import asyncio
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from camcount_desktop import i18n
from camcount_desktop.admin.alerting_view import DELIVERY_COLUMN, LAST_TEST_COLUMN
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.alerts.test_engine import result
from tests.helpers.notifier import Receiver, SmtpServer, StartNotifier, hook_config
from tests.helpers.waiting import until
from workers.alerts.worker import AlertsSettings, AlertsWorker
from workers.contracts import CameraConfig, ZoneDef, ZoneSet
from workers.contracts.alerting import (
    AlertingConfig,
    BreakerSettings,
    EmailTarget,
    ZoneOccupancyRule,
)
from workers.contracts.alerting_admin import AlertingConfigReply, PutRule
from workers.contracts.notifications import NotifierRequest


@pytest.fixture
def window(qtbot, console: Console, settings: Settings) -> MainWindow:
    w = MainWindow(console, settings)
    qtbot.addWidget(w)  # closed and deleted by qtbot after the test
    w.show()
    return w


async def test_a_rule_edited_in_the_form_changes_what_the_running_engine_raises(
        window: MainWindow, console: Console, start_notifier: StartNotifier,
        db_url: str) -> None:
    bus = console.bus
    rule = ZoneOccupancyRule(id="crowd", zones=["queue"], above=10, for_seconds=0.3,
                             cooldown_seconds=0)
    config = AlertingConfig(rules=[rule])
    await start_notifier(bus, config)
    engine = AlertsWorker(config, db_url=db_url, settings=AlertsSettings(tick_s=0.1))
    await engine.start(bus)

    async def crowd(n: int, seconds: float) -> None:
        for _ in range(int(seconds / 0.1)):
            await bus.publish(bus.topology.camera_events, bus.topology.detection_key("entrance"),
                              result("entrance", {"queue": n}), mandatory=False)
            await asyncio.sleep(0.1)

    try:
        dialog = window.admin.open_alerting()
        await asyncio.wait_for(dialog.loaded, 10)
        assert dialog.rules.item(0, 0).text() == "crowd"
        assert dialog.rules.item(0, 3).text() == "> 10, for 0.3 s, cooldown 0 s"
        header, metrics = dialog.rules.horizontalHeader(), dialog.rules.fontMetrics()
        for c in range(dialog.rules.columnCount()):  # every cell reads whole
            text = dialog.rules.item(0, c).text()
            assert metrics.horizontalAdvance(text) < header.sectionSize(c), f"{text!r} is cut"
        await crowd(6, 0.8)
        assert console.alerts.alerts == {}, "6 is not more than 10"

        dialog.rules.selectRow(0)
        QTest.mouseClick(dialog.edit_rule_button, Qt.MouseButton.LeftButton)
        form = dialog.forms[-1]
        assert form.form.visible("zones") and not form.form.visible("roles")
        form.numbers["above"].setText("five")
        form.numbers["cooldown_seconds"].setText("-1")
        QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        # in the form's words, not pydantic's ("String should have at least 1 character")
        assert form.form.errors["above"].text() == "a whole number, e.g. 10"
        assert form.form.errors["cooldown_seconds"].text() == "0 or more"
        assert form.isVisible() and dialog.controller.version == 1, "nothing was saved"

        form.numbers["cooldown_seconds"].setText("0")
        form.numbers["above"].setText("5")
        QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: not form.isVisible(), what="the form saved and closed")
        assert form.form.errors["above"].isHidden()
        assert dialog.rules.item(0, 3).text() == "> 5, for 0.3 s, cooldown 0 s"
        await until(lambda: engine.version == 2, what="the engine applied version 2")

        await crowd(6, 0.8)
        await until(lambda: console.alerts.alerts, what="the alert in the panel")
        [alert] = console.alerts.newest_first()
        assert alert.text == "Zone queue on camera entrance: 6 present, more than 5 for 0.3 s"
    finally:
        await engine.stop()


async def test_a_rule_picks_cameras_and_their_zones_by_name(
        window: MainWindow, console: Console, start_notifier: StartNotifier) -> None:
    for cid, name in (("entrance", "Entrance"), ("yard", "Yard gate")):
        console.cameras.add_configured(CameraConfig(camera_id=cid, name=name, source="0"))
    square = [(0, 0), (100, 0), (100, 100), (0, 100)]
    console.wall.on_zones(ZoneSet(camera_id="entrance", frame_width=960, frame_height=540,
                                  zones=[ZoneDef(id="queue", name="Queue", points=square),
                                         ZoneDef(id="left", name="Left half", points=square)]))
    console.wall.on_zones(ZoneSet(camera_id="yard", frame_width=960, frame_height=540,
                                  zones=[ZoneDef(id="gate", name="Gate", points=square)]))
    await start_notifier(console.bus, AlertingConfig())
    dialog = window.admin.open_alerting()
    await asyncio.wait_for(dialog.loaded, 10)
    QTest.mouseClick(dialog.add_rule_button, Qt.MouseButton.LeftButton)
    form = dialog.forms[-1]
    cameras, zones = form.picks["cameras"], form.picks["zones"]

    def texts(picks) -> list[str]:
        return [picks.item(i).text() for i in range(picks.count())]

    assert texts(cameras) == ["Entrance", "Yard gate"]  # by name, not id
    assert texts(zones) == ["Gate (Yard gate)", "Left half (Entrance)", "Queue (Entrance)"]
    cameras.pick(["entrance"])  # the zones of the picked camera only
    assert texts(zones) == ["Left half", "Queue"]
    zones.pick(["queue"])
    form.id.setText("queue-crowded")
    form.numbers["above"].setText("3")
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: not form.isVisible(), what="the form saved and closed")
    [rule] = dialog.controller.config.rules
    assert (rule.cameras, rule.zones) == (["entrance"], ["queue"])  # stored by id

    # editing it shows what it watches ticked, by name
    dialog.rules.selectRow(0)
    QTest.mouseClick(dialog.edit_rule_button, Qt.MouseButton.LeftButton)
    edit = dialog.forms[-1]
    assert edit.picks["cameras"].picked() == ["entrance"]
    assert edit.picks["zones"].picked() == ["queue"] and texts(edit.picks["zones"]) == [
        "Left half", "Queue"]
    edit.close()


async def test_send_test_shows_success_or_the_receivers_exact_refusal(
        window: MainWindow, console: Console, start_notifier: StartNotifier,
        receiver: Receiver, smtp_starttls: SmtpServer) -> None:
    config = hook_config(receiver.url).model_copy(update={
        "smtp": smtp_starttls.settings,
        "targets": [*hook_config(receiver.url).targets,
                    EmailTarget(id="ops-mail", recipients=["ops@example.org"]),
                    EmailTarget(id="gone-mail", recipients=["gone@example.org"])]})
    smtp_starttls.mailbox.refuse["gone@example.org"] = "550 5.1.1 No such user here"
    receiver.then = 503
    await start_notifier(console.bus, config)
    dialog = window.admin.open_alerting()
    await asyncio.wait_for(dialog.loaded, 10)

    async def test(target_id: str, row: int) -> str:
        QTest.mouseClick(dialog.test_buttons[target_id], Qt.MouseButton.LeftButton)
        await until(lambda: dialog.targets.item(row, 6).text(), 20, f"the test of {target_id}")
        return dialog.status.text()

    said = await test("ops-mail", 1)
    assert said.startswith("Test to ops-mail delivered (SMTP 250) in ")
    [mail] = smtp_starttls.mailbox.messages
    assert mail.rcpt_tos == ["ops@example.org"]

    said = await test("gone-mail", 2)
    assert said.startswith("Test to gone-mail failed: recipients refused: ")
    assert "gone@example.org: 550 5.1.1 No such user here" in said

    said = await test("hook", 0)
    assert said == f"Test to hook failed: HTTP 503 from {receiver.url}: nope"
    assert len(receiver.hits) == 1
    assert dialog.targets.item(0, 6).text() == f"failed: HTTP 503 from {receiver.url}: nope"


async def test_a_target_form_explains_refused_values_at_their_fields_and_never_shows_a_secret(
        window: MainWindow, console: Console, start_notifier: StartNotifier,
        receiver: Receiver) -> None:
    await start_notifier(console.bus, hook_config(receiver.url))
    dialog = window.admin.open_alerting()
    await asyncio.wait_for(dialog.loaded, 10)
    assert dialog.targets.item(0, 4).text() == "env:CAMCOUNT_TEST_HOOK_SECRET"
    form = dialog.open_target(None)
    form.channel.setCurrentText("webhook")
    await until(lambda: form.url.isVisible(), what="the webhook fields")
    for field in (form.url, form.secret):  # the examples in empty fields read whole
        assert field.fontMetrics().horizontalAdvance(field.placeholderText()) < field.width()
    form.id.setText("new hook")
    form.url.setText("ftp://example.org/x")
    form.secret.setText("s3cret-for-tests")  # a value, not a reference
    form.rate_count.setText("0")
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    errors = {k: v.text() for k, v in form.form.errors.items() if not v.isHidden()}
    assert errors == {"id": "use letters, digits, '.', '-' and '_' only (at most 64)",
                      "url": "not a web address (http:// or https://)",
                      "secret": "write env:VARIABLE or keyring:service/username",
                      "rate_limit.count": "1 or more"}
    assert dialog.controller.version == 1

    form.channel.setCurrentText("email")  # the notifier refuses: no SMTP server is configured
    form.id.setText("ops-mail")
    form.recipients.setText("ops@example.org")
    form.rate_count.clear()
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: form.save_button.isEnabled() and form.form.errors["channel"].text())
    assert form.form.errors["channel"].text() == "email targets need an 'smtp' section"
    assert dialog.controller.version == 1


async def test_a_target_that_keeps_failing_shows_as_paused(
        window: MainWindow, console: Console, start_notifier: StartNotifier,
        receiver: Receiver) -> None:
    """The notifier's circuit breaker, as the admin sees it: after the configured failures in a
    row the target is paused (its sends wait), with when it is tried again and why."""
    config = hook_config(receiver.url).model_copy(
        update={"breaker": BreakerSettings(failures=2, open_seconds=60)})
    receiver.then = 503
    await start_notifier(console.bus, config)
    dialog = window.admin.open_alerting()
    await asyncio.wait_for(dialog.loaded, 10)
    assert dialog.targets.item(0, DELIVERY_COLUMN).text() == "sending"
    for n in (1, 2):
        QTest.mouseClick(dialog.test_buttons["hook"], Qt.MouseButton.LeftButton)
        await until(lambda n=n: len(receiver.hits) == n and "failed" in (
            dialog.targets.item(0, LAST_TEST_COLUMN).text()), 20, f"test send {n}")
    await until(lambda: dialog.targets.item(0, DELIVERY_COLUMN).text().startswith("paused"), 10,
                "the breaker shown open")
    words = dialog.targets.item(0, DELIVERY_COLUMN).text()
    assert re.fullmatch(rf"paused until \d\d:\d\d:\d\d after 2 failures: HTTP 503 from "
                        rf"{re.escape(receiver.url)}: nope", words), words


async def test_an_open_window_follows_saves_in_another_console_and_a_stale_form_is_refused(
        window: MainWindow, console: Console, start_notifier: StartNotifier) -> None:
    bus = console.bus
    await start_notifier(bus, AlertingConfig(rules=[ZoneOccupancyRule(id="crowd", zones=["queue"],
                                                                      above=10)]))
    dialog = window.admin.open_alerting()
    await asyncio.wait_for(dialog.loaded, 10)
    assert dialog.rules.rowCount() == 1 and dialog.controller.version == 1
    dialog.rules.selectRow(0)
    QTest.mouseClick(dialog.edit_rule_button, Qt.MouseButton.LeftButton)
    form = dialog.forms[-1]  # this admin starts editing "crowd" at version 1

    async def other_admin_saves(rule: ZoneOccupancyRule, replaces: str | None,
                                base_version: int) -> int:
        """Another console's form saving (the same request it sends), as another user: who
        saves is the account the bus names."""
        edit = PutRule(rule=rule, replaces=replaces, base_version=base_version)
        ours, bus.user = bus.user, "night-admin"
        try:
            reply = await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=edit),
                                      reply_model=AlertingConfigReply, timeout=10)
        finally:
            bus.user = ours
        assert reply.error is None
        return reply.version

    assert await other_admin_saves(ZoneOccupancyRule(id="platform", zones=["edge"], above=3),
                                   None, 1) == 2
    await until(lambda: dialog.rules.rowCount() == 2, what="the new rule in the open window")
    assert {dialog.rules.item(r, 0).text() for r in range(2)} == {"crowd", "platform"}
    assert "version 2, saved by night-admin" in dialog.version_label.text()

    # "crowd" itself changed meanwhile: the form opened at version 1 must not overwrite it
    assert await other_admin_saves(ZoneOccupancyRule(id="crowd", zones=["queue"], above=20),
                                   "crowd", 2) == 3
    await until(lambda: dialog.controller.version == 3, what="version 3 in the open window")
    form.numbers["above"].setText("7")
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: form.error.text(), what="the refusal in the form")
    assert form.error.text() == ("rule 'crowd' was changed by night-admin (version 3) since you "
                                 "opened it: reload and edit it again")
    assert form.isVisible() and dialog.controller.version == 3
    assert dialog.rules.item(0, 3).text().startswith("> 20")


async def test_a_rule_changed_by_another_admin_is_refused_in_the_consoles_language(
        window: MainWindow, console: Console, start_notifier: StartNotifier) -> None:
    """The notifier refuses the lost race with a code and its values: a Korean console's form
    says it in Korean, the rule, who saved and the version in place."""
    bus = console.bus
    crowd = ZoneOccupancyRule(id="crowd", zones=["queue"], above=10)
    await start_notifier(bus, AlertingConfig(rules=[crowd]))
    i18n.install("ko")
    try:
        dialog = window.admin.open_alerting()
        await asyncio.wait_for(dialog.loaded, 10)
        dialog.rules.selectRow(0)
        QTest.mouseClick(dialog.edit_rule_button, Qt.MouseButton.LeftButton)
        form = dialog.forms[-1]  # opened at version 1
        ours, bus.user = bus.user, "night-admin"
        try:
            reply = await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=PutRule(
                rule=crowd.model_copy(update={"above": 20}), replaces="crowd", base_version=1)),
                reply_model=AlertingConfigReply, timeout=10)
        finally:
            bus.user = ours
        assert reply.error is None
        form.numbers["above"].setText("7")
        QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: form.error.text(), what="the refusal in the form")
        assert form.error.text() == ("규칙 'crowd'을(를) 연 뒤에 night-admin 님이 변경했습니다"
                                     "(버전 2). 다시 불러와서 다시 편집하십시오")
    finally:
        i18n.uninstall()
