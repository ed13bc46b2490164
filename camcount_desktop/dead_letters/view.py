"""Dead-letter panel: what failed, why and how often; requeue or discard one or many."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.dead_letters.controller import DeadLetterController

_KEY = Qt.ItemDataRole.UserRole


class DeadLetterView(QWidget):
    refresh_requested = Signal()
    requeue_requested = Signal(list)
    discard_requested = Signal(list)

    def __init__(self, controller: DeadLetterController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Failed at", "Type", "Original route", "Attempts", "Reason"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for col, width in enumerate((150, 110, 230, 60)):
            self.tree.setColumnWidth(col, width)
        self.status = QLabel("Refresh to read the error queue")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status)
        buttons.addStretch(1)
        for text, slot in (("Refresh", self.refresh_requested.emit),
                           ("Requeue selected", lambda: self.requeue_requested.emit(self.selected())),
                           ("Discard selected", lambda: self.discard_requested.emit(self.selected()))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        col = QVBoxLayout(self)
        col.addLayout(buttons)
        col.addWidget(self.tree)
        self.refresh_requested.connect(controller.refresh_slot)
        self.requeue_requested.connect(controller.requeue_slot)
        self.discard_requested.connect(controller.discard_slot)
        controller.changed.connect(self.refresh)
        controller.message.connect(self.status.setText)

    def selected(self) -> list[str]:
        return [i.data(0, _KEY) for i in self.tree.selectedItems()]

    def refresh(self) -> None:
        self.tree.clear()
        for letter in self.controller.letters:
            exchange, key = letter.route
            item = QTreeWidgetItem([letter.failed_at[:19].replace("T", " "), letter.kind,
                                    f"{exchange} → {key}", str(letter.attempts), letter.reason])
            item.setData(0, _KEY, letter.key)
            item.setToolTip(4, letter.reason)
            self.tree.addTopLevelItem(item)
