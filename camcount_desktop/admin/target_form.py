"""One notification target: email recipients, or a webhook's URL and where the notifier finds its
signing secret. The secret itself is never typed here, sent or shown: only its reference."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QWidget,
)

from camcount_desktop.admin.alerting_controller import AlertingController, Refusal
from camcount_desktop.admin.edit_form import ConfigEditForm
from camcount_desktop.admin.form_fields import FieldForm, field_errors, number, words
from workers.contracts.alerting import Target, WebhookTarget

TARGET = TypeAdapter(Target)
EMAIL_FIELDS = ("recipients", "cc")
WEBHOOK_FIELDS = ("url", "secret", "timeout_seconds", "max_attempts")
SECRET_HINT = QT_TRANSLATE_NOOP("TargetForm", "Where the notifier finds the HMAC signing key: "
                                "env:VARIABLE (an environment variable of the notifier) or "
                                "keyring:service/username (its OS keyring). The key stays on the "
                                "notifier's machine; it is never sent or shown.")


class TargetForm(ConfigEditForm):
    def __init__(self, controller: AlertingController, target: Target | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller, self.original = controller, target
        self.setWindowTitle(self.tr("Edit target {target}").format(target=target.id) if target
                            else self.tr("Add notification target"))
        d: dict[str, Any] = target.model_dump(mode="json") if target else {}
        self.id = QLineEdit(d.get("id", ""))
        self.name = QLineEdit(d.get("name", ""))
        self.channel = QComboBox()
        self.channel.addItems(["email", "webhook"])
        self.channel.setCurrentText(d.get("channel", "email"))
        self.recipients = QLineEdit(", ".join(d.get("recipients", [])))
        self.cc = QLineEdit(", ".join(d.get("cc", [])))
        self.url = QLineEdit(d.get("url", ""))
        self.url.setPlaceholderText("https://receiver.example.org/camcount")
        self.secret = QLineEdit(d.get("secret", ""))
        self.secret.setPlaceholderText("env:CAMCOUNT_HOOK_SECRET")
        self.timeout = QLineEdit(f"{d.get('timeout_seconds', 10):g}")
        self.max_attempts = QLineEdit(str(d.get("max_attempts", 3)))
        limit = d.get("rate_limit") or {}
        self.rate_count = QLineEdit(str(limit.get("count", "")))
        self.rate_count.setPlaceholderText(self.tr("no limit"))
        self.rate_per = QLineEdit(f"{limit.get('per_seconds', 60):g}")

        self.form = f = FieldForm()
        f.add("id", self.tr("Target id"), self.id)
        f.add("name", self.tr("Name"), self.name)
        f.add("channel", self.tr("Channel"), self.channel)
        f.add("recipients", self.tr("Recipients"), self.recipients,
              self.tr("email addresses, comma-separated"))
        f.add("cc", self.tr("Cc"), self.cc)
        f.add("url", self.tr("Webhook URL"), self.url)
        f.add("secret", self.tr("Signing secret"), self.secret, self.tr(SECRET_HINT))
        f.add("timeout_seconds", self.tr("Timeout (s)"), self.timeout)
        f.add("max_attempts", self.tr("Attempts"), self.max_attempts)
        f.add("rate_limit.count", self.tr("Rate limit: at most"), self.rate_count,
              self.tr("sends (empty: no limit)"))
        f.add("rate_limit.per_seconds", self.tr("per (s)"), self.rate_per)
        if isinstance(target, WebhookTarget) and target.secret in controller.secret_problems:
            # not a refusal: the secret may be set on the notifier's machine later
            f.show_errors({"secret": self.tr("The notifier says: {problem}").format(
                problem=controller.secret_problems[target.secret])})
        self._finish(f)
        self.channel.currentTextChanged.connect(self._show_channel_fields)
        self._show_channel_fields()

    def _show_channel_fields(self) -> None:
        email = self.channel.currentText() == "email"
        for key in EMAIL_FIELDS:
            self.form.set_visible(key, email)
        for key in WEBHOOK_FIELDS:
            self.form.set_visible(key, not email)

    def target(self) -> Target | None:
        """The target as typed, or None with every refused value explained at its field."""
        channel = self.channel.currentText()
        data: dict[str, Any] = {"channel": channel, "id": self.id.text().strip(),
                                "name": self.name.text().strip()}
        if channel == "email":
            data.update(recipients=words(self.recipients), cc=words(self.cc))
        else:
            data.update(url=self.url.text().strip(), secret=self.secret.text().strip(),
                        timeout_seconds=number(self.timeout) or 10,
                        max_attempts=number(self.max_attempts) or 3)
        if (count := number(self.rate_count)) is not None:
            data["rate_limit"] = {"count": count, "per_seconds": number(self.rate_per) or 60}
        try:
            target = TARGET.validate_python(data)
        except ValidationError as exc:
            self.form.show_errors(field_errors(exc, depth=1))
            return None
        self.form.show_errors({})
        return target

    def value(self) -> Target | None:
        return self.target()

    async def send(self, target: Target) -> Refusal | None:
        return await self.controller.save_target(
            target, self.original.id if self.original else None, self.base_version)
