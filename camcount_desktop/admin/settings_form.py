"""The site-wide settings of the alerting document: the time zone, the SMTP server email goes
through, rate limits per channel and the circuit breaker. The SMTP password is never typed here,
sent or shown: only where the notifier finds it."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from pydantic import ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QCheckBox, QComboBox, QCompleter, QLineEdit, QWidget

from camcount_desktop.admin.alerting_controller import AlertingController, Refusal
from camcount_desktop.admin.edit_form import ConfigEditForm
from camcount_desktop.admin.form_fields import FieldForm, field_errors, number
from camcount_desktop.i18n import CHOICES as LANGUAGE_NAMES
from workers.contracts.alerting import AlertingConfig, SmtpSettings

CHANNELS = ("email", "webhook")
SMTP_TEXT = ("host", "username", "password", "sender", "ca_file")
#: left empty: none (no login, the system's CA bundle)
SMTP_OPTIONAL = ("username", "password", "ca_file")
SMTP_NUMBERS = ("port", "timeout_seconds")
#: what an SMTP server the form adds starts with: the model's defaults
SMTP_DEFAULTS = {k: f.default for k, f in SmtpSettings.model_fields.items() if not f.is_required()}
PASSWORD_HINT = QT_TRANSLATE_NOOP("SettingsForm", "where the notifier finds it: env:VARIABLE or "
                                  "keyring:service/username on its machine, never the password "
                                  "itself; empty: no login")


def settings_rows(config: AlertingConfig, problems: dict[str, str]) -> list[tuple[str, str]]:
    """The settings in force as (setting, value) lines, with a password reference the notifier
    cannot resolve marked."""
    rows = [(QCoreApplication.translate("SettingsForm", "Time zone"), config.timezone),
            (QCoreApplication.translate("SettingsForm", "Language of reports and notifications"),
             LANGUAGE_NAMES.get(config.language, config.language))]
    smtp = config.smtp
    none = QCoreApplication.translate("SettingsForm", "none")
    if smtp is None:
        rows.append((QCoreApplication.translate("SettingsForm", "SMTP server"),
                     QCoreApplication.translate("SettingsForm", "none: email cannot be sent")))
    else:
        password = smtp.password or none
        if password in problems:
            password += f" ⚠ {problems[password]}"
        rows += [(QCoreApplication.translate("SettingsForm", "SMTP server"),
                  f"{smtp.host}:{smtp.port} ({smtp.security})"),
                 (QCoreApplication.translate("SettingsForm", "SMTP login"), smtp.username or none),
                 (QCoreApplication.translate("SettingsForm", "SMTP password"), password),
                 (QCoreApplication.translate("SettingsForm", "Sender"), smtp.sender),
                 (QCoreApplication.translate("SettingsForm", "SMTP timeout"),
                  QCoreApplication.translate("SettingsForm", "{n} s").format(
                      n=f"{smtp.timeout_seconds:g}")),
                 (QCoreApplication.translate("SettingsForm", "CA file"),
                  smtp.ca_file or QCoreApplication.translate("SettingsForm", "the system's"))]
    for channel in CHANNELS:
        limit = config.channel_limits.get(channel)
        rows.append((QCoreApplication.translate("SettingsForm", "All {channel} sends").format(
                         channel=channel),
                     QCoreApplication.translate("SettingsForm", "at most {limit}").format(limit=limit)
                     if limit else QCoreApplication.translate("SettingsForm", "no limit")))
    b = config.breaker
    rows.append((QCoreApplication.translate("SettingsForm", "Circuit breaker"),
                 QCoreApplication.translate("SettingsForm", "pause a target after {n} failed sends "
                                            "in a row, for {seconds} s").format(
                     n=b.failures, seconds=f"{b.open_seconds:g}")))
    return rows


class SettingsForm(ConfigEditForm):
    def __init__(self, controller: AlertingController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        config = controller.config or AlertingConfig()
        self.setWindowTitle(self.tr("Site settings"))
        smtp: dict[str, Any] = SMTP_DEFAULTS | (config.smtp.model_dump() if config.smtp else {})
        self.timezone = QLineEdit(config.timezone)
        self.timezone.setCompleter(QCompleter(sorted(available_timezones()), self.timezone))
        self.language = QComboBox()
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(config.language)))
        self.use_smtp = QCheckBox(self.tr("Send email through an SMTP server"),
                                  checked=config.smtp is not None)
        self.smtp = {k: QLineEdit("" if smtp.get(k) is None else str(smtp[k])) for k in SMTP_TEXT}
        self.smtp |= {k: QLineEdit(f"{smtp[k]:g}") for k in SMTP_NUMBERS}
        self.smtp["host"].setPlaceholderText("mail.example.org")
        self.smtp["password"].setPlaceholderText("env:CAMCOUNT_SMTP_PASSWORD")
        self.smtp["sender"].setPlaceholderText("CamCount <camcount@example.org>")
        self.smtp["ca_file"].setPlaceholderText(self.tr("the system's"))
        self.security = QComboBox()
        self.security.addItems(["starttls", "tls", "none"])
        self.security.setCurrentText(smtp["security"])
        self.limits: dict[str, tuple[QLineEdit, QLineEdit]] = {}
        for channel in CHANNELS:
            limit = config.channel_limits.get(channel)
            count = QLineEdit(str(limit.count) if limit else "")
            count.setPlaceholderText(self.tr("no limit"))
            self.limits[channel] = count, QLineEdit(f"{limit.per_seconds if limit else 60:g}")
        self.breaker = {"failures": QLineEdit(str(config.breaker.failures)),
                        "open_seconds": QLineEdit(f"{config.breaker.open_seconds:g}")}

        self.form = f = FieldForm()
        f.add("timezone", self.tr("Time zone"), self.timezone,
              self.tr("times in emails, and the hour of scheduled reports"))
        f.add("language", self.tr("Language"), self.language,
              self.tr("of emails, webhook texts and reports"))
        f.add("smtp", "", self.use_smtp)
        f.add("smtp.host", self.tr("SMTP server"), self.smtp["host"])
        f.add("smtp.port", self.tr("Port"), self.smtp["port"], self.tr("587 with STARTTLS, 465 with TLS"))
        f.add("smtp.security", self.tr("Security"), self.security,
              self.tr("starttls: upgraded plain connection; tls: TLS from the start; none: loopback only"))
        f.add("smtp.username", self.tr("Login"), self.smtp["username"], self.tr("empty: no login"))
        f.add("smtp.password", self.tr("Password"), self.smtp["password"], self.tr(PASSWORD_HINT))
        f.add("smtp.sender", self.tr("Sender"), self.smtp["sender"])
        f.add("smtp.timeout_seconds", self.tr("Timeout (s)"), self.smtp["timeout_seconds"])
        f.add("smtp.ca_file", self.tr("CA file"), self.smtp["ca_file"],
              self.tr("a site's own CA bundle on the notifier's machine; empty: the system's"))
        for channel, (count, per) in self.limits.items():
            f.add(f"channel_limits.{channel}.count",
                  self.tr("All {channel}: at most").format(channel=channel), count,
                  self.tr("sends over all targets (empty: no limit)"))
            f.add(f"channel_limits.{channel}.per_seconds", self.tr("per (s)"), per)
        f.add("breaker.failures", self.tr("Pause a target after"), self.breaker["failures"],
              self.tr("failed sends in a row"))
        f.add("breaker.open_seconds", self.tr("for (s)"), self.breaker["open_seconds"],
              self.tr("then one probe is let through; its success resumes the target"))
        password = config.smtp.password if config.smtp else None
        if password in controller.secret_problems:
            # not a refusal: the secret may be set on the notifier's machine later
            f.show_errors({"smtp.password": self.tr("The notifier says: {problem}").format(
                problem=controller.secret_problems[password])})
        self._finish(f)
        self.use_smtp.toggled.connect(self._show_smtp_fields)
        self._show_smtp_fields()

    def _show_smtp_fields(self) -> None:
        for key in (*SMTP_TEXT, *SMTP_NUMBERS, "security"):
            self.form.set_visible(f"smtp.{key}", self.use_smtp.isChecked())

    def settings(self) -> AlertingConfig | None:
        """The settings as typed (in a document without rules or targets), or None with every
        refused value explained at its field."""
        limits = {}
        for channel, (count, per) in self.limits.items():
            if number(count) is not None:
                limits[channel] = {"count": number(count), "per_seconds": number(per) or 60}
        data: dict[str, Any] = {"timezone": self.timezone.text().strip(),
                                "language": self.language.currentData(), "channel_limits": limits,
                                "breaker": _numbers(self.breaker)}
        if self.use_smtp.isChecked():
            smtp = {k: self.smtp[k].text().strip() for k in SMTP_TEXT}
            data["smtp"] = {**smtp, **{k: smtp[k] or None for k in SMTP_OPTIONAL},
                            **_numbers({k: self.smtp[k] for k in SMTP_NUMBERS}),
                            "security": self.security.currentText()}
        try:
            settings = AlertingConfig.model_validate(data)
        except ValidationError as exc:
            self.form.show_errors(field_errors(exc, depth=0))
            return None
        self.form.show_errors({})
        return settings

    def value(self) -> AlertingConfig | None:
        return self.settings()

    async def send(self, settings: AlertingConfig) -> Refusal | None:
        return await self.controller.save_settings(settings, self.base_version)


def _numbers(edits: dict[str, QLineEdit]) -> dict[str, str]:
    """The numeric fields not left empty (an empty one takes the model's default)."""
    return {k: v for k, e in edits.items() if (v := number(e)) is not None}
