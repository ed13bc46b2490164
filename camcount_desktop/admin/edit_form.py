"""What the rule, target and settings forms share: validate here, save through the notifier
against the version the form was filled from, and show a refusal at the field it names (or under
the form when it names none)."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from camcount_desktop.admin.alerting_controller import AlertingController, Refusal
from camcount_desktop.admin.form_fields import ERROR_STYLE, FieldForm


class ConfigEditForm(QDialog):
    form: FieldForm
    controller: AlertingController

    def _finish(self, form: FieldForm) -> None:
        """Below the fields: the form's own message line, then Save and Cancel."""
        self.form = form
        #: the version the fields were filled from: the window follows newer versions by itself,
        #: and an item someone changed since must be refused, not overwritten by this form
        self.base_version = self.controller.version
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self._start_save)
        self.buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addLayout(form.layout)
        col.addWidget(self.error)
        col.addWidget(self.buttons)
        self._save: asyncio.Task[None] | None = None

    def value(self) -> Any | None:
        """The edited item, or None with the fields at fault marked."""
        raise NotImplementedError

    async def send(self, value: Any) -> Refusal | None:
        raise NotImplementedError

    def _start_save(self) -> None:
        value = self.value()
        if value is None:
            self.error.setText(self.tr("Correct the fields marked in red"))
            return
        self.error.clear()
        self.save_button.setEnabled(False)
        self._save = asyncio.get_running_loop().create_task(self.save(value))

    async def save(self, value: Any) -> None:
        refusal = await self.send(value)
        self.save_button.setEnabled(True)
        if refusal is None:
            self.accept()
        elif refusal.field in self.form.errors:
            self.form.show_errors({refusal.field: refusal.message})
        else:
            self.error.setText(refusal.message)
