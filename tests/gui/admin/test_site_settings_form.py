"""Admin → Alert rules and targets → Site settings: the SMTP server, time zone, limits and breaker
edited from the console and used by the running notifier for its next send, without a restart.
Real notifier on the console's in-process bus, a real SMTP server (aiosmtpd), SQLite."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from camcount_desktop.admin.alerting_view import AlertingDialog
from camcount_desktop.admin.settings_form import SettingsForm
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.notifier import SmtpServer, StartNotifier
from tests.helpers.waiting import until
from workers.contracts.alerting import AlertingConfig, EmailTarget, SmtpSettings

SETTINGS_TAB = 2


@pytest.fixture
def window(qtbot, console: Console, settings: Settings) -> MainWindow:
    w = MainWindow(console, settings)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port nothing listens on (bound, so nothing else takes it meanwhile): refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def mail_config(smtp: SmtpSettings) -> AlertingConfig:
    return AlertingConfig(smtp=smtp, targets=[EmailTarget(id="ops-mail",
                                                          recipients=["ops@example.org"])])


async def open_settings(window: MainWindow) -> tuple[AlertingDialog, SettingsForm]:
    dialog = window.admin.open_alerting()
    await asyncio.wait_for(dialog.loaded, 10)
    dialog.tabs.setCurrentIndex(SETTINGS_TAB)
    QTest.mouseClick(dialog.edit_settings_button, Qt.MouseButton.LeftButton)
    form = dialog.forms[-1]
    assert isinstance(form, SettingsForm) and form.isVisible()
    return dialog, form


async def saved(form: SettingsForm, dialog: AlertingDialog) -> None:
    await until(lambda: not form.isVisible(), what="the settings saved and the form closed")
    # the save's config event may start a reload racing the reply: let it end with the test
    reload = dialog.controller._reload
    if reload is not None:
        await reload


def shown(dialog: AlertingDialog) -> dict[str, str]:
    return {dialog.settings.item(r, 0).text(): dialog.settings.item(r, 1).text()
            for r in range(dialog.settings.rowCount())}


async def test_a_fixed_smtp_port_is_used_by_the_running_notifier_for_the_next_test(
        window: MainWindow, console: Console, start_notifier: StartNotifier,
        smtp_starttls: SmtpServer, closed_port: int) -> None:
    right = smtp_starttls.settings
    notifier = await start_notifier(console.bus,
                                    mail_config(right.model_copy(update={"port": closed_port})))
    dialog = window.admin.open_alerting()
    await asyncio.wait_for(dialog.loaded, 10)

    async def test_mail() -> str:
        dialog.last_tests.clear()
        dialog.refresh()
        QTest.mouseClick(dialog.test_buttons["ops-mail"], Qt.MouseButton.LeftButton)
        await until(lambda: dialog.targets.item(0, 6).text(), 20, "the test of ops-mail")
        return dialog.status.text()

    said = await test_mail()
    assert said.startswith(f"Test to ops-mail failed: SMTP server 127.0.0.1:{closed_port} "
                           "unreachable: "), said
    assert smtp_starttls.mailbox.messages == []

    dialog.tabs.setCurrentIndex(SETTINGS_TAB)
    assert shown(dialog)["SMTP server"] == f"127.0.0.1:{closed_port} (starttls)"
    assert shown(dialog)["SMTP password"] == "env:CAMCOUNT_TEST_SMTP_PASSWORD"
    QTest.mouseClick(dialog.edit_settings_button, Qt.MouseButton.LeftButton)
    form = dialog.forms[-1]
    assert isinstance(form, SettingsForm)
    assert (form.smtp["host"].text(), form.smtp["port"].text(), form.security.currentText(),
            form.smtp["password"].text()) == (
        "127.0.0.1", str(closed_port), "starttls", "env:CAMCOUNT_TEST_SMTP_PASSWORD")
    form.smtp["port"].setText(str(right.port))
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    await saved(form, dialog)
    assert "version 2" in dialog.version_label.text()
    assert dialog.status.text() == "Settings saved: version 2 is in force"
    assert shown(dialog)["SMTP server"] == f"127.0.0.1:{right.port} (starttls)"
    assert notifier.version == 2 and notifier.config.smtp == right

    said = await test_mail()
    assert said.startswith("Test to ops-mail delivered (SMTP 250) in "), said
    [mail] = smtp_starttls.mailbox.messages
    assert mail.rcpt_tos == ["ops@example.org"]
    assert smtp_starttls.mailbox.logins == ["camcount"]


async def test_invalid_settings_are_refused_at_their_fields_and_nothing_is_saved(
        window: MainWindow, console: Console, start_notifier: StartNotifier,
        smtp_starttls: SmtpServer) -> None:
    notifier = await start_notifier(console.bus, mail_config(smtp_starttls.settings))
    dialog, form = await open_settings(window)
    form.smtp["port"].setText("70000")
    form.timezone.setText("Mars/Olympus")
    form.smtp["password"].setText("mail-pass")  # the password itself, not where to find it
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    errors = {k: v.text() for k, v in form.form.errors.items() if not v.isHidden()}
    assert errors == {"timezone": "unknown time zone 'Mars/Olympus'",
                      "smtp.port": "65535 at most",
                      "smtp.password": "write env:VARIABLE or keyring:service/username"}
    assert form.error.text() == "Correct the fields marked in red"
    assert form.isVisible() and dialog.controller.version == 1

    # valid on its own, refused by the notifier: the email target needs the SMTP server
    form.smtp["port"].setText(str(smtp_starttls.settings.port))
    form.timezone.setText("Europe/Berlin")
    form.smtp["password"].setText("env:CAMCOUNT_TEST_SMTP_PASSWORD")
    form.use_smtp.setChecked(False)
    assert not form.form.visible("smtp.host")
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: form.save_button.isEnabled() and form.form.errors["smtp"].text())
    assert form.form.errors["smtp"].text() == "email targets need an 'smtp' section"
    assert form.isVisible() and dialog.controller.version == 1 and notifier.version == 1
    assert notifier.config.timezone == "UTC"

    # an operator account: the action is off, with the reason, like every admin action
    reason = dialog.controller.access.refused()
    assert not dialog.edit_settings_button.isEnabled()
    assert dialog.edit_settings_button.toolTip() == reason
    assert dialog.status.text() == reason


async def test_a_password_reference_the_notifier_cannot_resolve_is_shown(
        window: MainWindow, console: Console, start_notifier: StartNotifier,
        smtp_starttls: SmtpServer) -> None:
    await start_notifier(console.bus, mail_config(smtp_starttls.settings))
    dialog, form = await open_settings(window)
    form.smtp["password"].setText("env:CAMCOUNT_TEST_UNSET_PASSWORD")
    form.limits["email"][0].setText("30")
    QTest.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    await saved(form, dialog)
    assert shown(dialog)["SMTP password"] == (
        "env:CAMCOUNT_TEST_UNSET_PASSWORD ⚠ secret env:CAMCOUNT_TEST_UNSET_PASSWORD is not set")
    assert shown(dialog)["All email sends"] == "at most 30 per 60 s"

    again = dialog.open_settings()
    assert again.form.errors["smtp.password"].text() == (
        "The notifier says: secret env:CAMCOUNT_TEST_UNSET_PASSWORD is not set")
