"""The console's settings: the broker (local mode, or a RabbitMQ URL; the password stays out of
the settings) and the language (applied at the next start)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.i18n import CHOICES
from workers.bus.config import ENV_PASSWORD, KEYRING_SERVICE, LOCAL, resolve
from workers.bus.errors import BrokerConfigError


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))


class SettingsDialog(QDialog):
    def __init__(self, current: str, parent: QWidget | None = None, language: str = ""):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.local = QRadioButton(self.tr("Local mode: workers inside the console, sample video"))
        self.remote = QRadioButton(self.tr("RabbitMQ broker"))
        self.url = QLineEdit("" if current == LOCAL else current)
        self.url.setPlaceholderText(self.tr("amqp://user@host:5672/vhost  or  amqps://…"))
        (self.local if current == LOCAL else self.remote).setChecked(True)
        self.error = QLabel()
        self.error.setStyleSheet("color:#d04040;")
        hint = QLabel(self.tr("The password comes from the URL, ${variable} or the OS keyring "
                              "(service “{service}”); it is never saved in the settings.").format(
                                  variable=ENV_PASSWORD, service=KEYRING_SERVICE))
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("URL"), self.url)
        self.language = QComboBox()
        self.language.addItem(self.tr("System default"), "")
        for code, name in CHOICES.items():  # each in its own language: found by those who read it
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        self.language.setToolTip(self.tr("Applies the next time the console starts"))
        lang_form = QFormLayout()
        lang_form.addRow(self.tr("Language"), self.language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        for w in (self.local, self.remote):
            col.addWidget(w)
        col.addLayout(form)
        col.addWidget(hint)
        col.addWidget(self.error)
        col.addLayout(lang_form)
        col.addWidget(buttons)

    def chosen_language(self) -> str:
        """A language code, or "" for the OS's."""
        return str(self.language.currentData())

    def broker_url(self) -> str:
        """As typed, password included: saving it is the caller's business (``without_password``)."""
        return LOCAL if self.local.isChecked() else self.url.text().strip()

    def _accept(self) -> None:
        if self.remote.isChecked():
            try:
                resolve(self.url.text().strip())
            except BrokerConfigError as exc:
                self.error.setText(str(exc))
                return
        self.accept()
