"""Choosing the broker: local mode, or a RabbitMQ URL (the password stays out of the settings)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from workers.bus.config import ENV_PASSWORD, KEYRING_SERVICE, LOCAL, resolve
from workers.bus.errors import BrokerConfigError


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))


class SettingsDialog(QDialog):
    def __init__(self, current: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Broker")
        self.local = QRadioButton("Local mode: workers inside the console, sample video")
        self.remote = QRadioButton("RabbitMQ broker")
        self.url = QLineEdit("" if current == LOCAL else current)
        self.url.setPlaceholderText("amqp://user@host:5672/vhost  or  amqps://…")
        (self.local if current == LOCAL else self.remote).setChecked(True)
        self.error = QLabel()
        self.error.setStyleSheet("color:#d04040;")
        hint = QLabel(f"The password comes from the URL, ${ENV_PASSWORD} or the OS keyring "
                      f"(service “{KEYRING_SERVICE}”); it is never saved in the settings.")
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow("URL", self.url)
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
        col.addWidget(buttons)

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
