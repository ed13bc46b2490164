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
        self.tree.setHeaderLabels([self.tr("Failed at"), self.tr("Type"), self.tr("Original route"),
                                   self.tr("Attempts"), self.tr("Reason")])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for col, width in enumerate((150, 110, 230, 60)):
            self.tree.setColumnWidth(col, width)
        self.tree.setToolTip(self.tr("select messages to requeue or discard them"))
        self.status = QLabel(self.tr("Refresh to read the error queue"))
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status)
        buttons.addStretch(1)
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh_requested.emit)
        buttons.addWidget(refresh)
        #: act on the selection: enabled only while something is selected
        self.selection_buttons: list[QPushButton] = []
        for text, signal in ((self.tr("Requeue selected"), self.requeue_requested),
                             (self.tr("Discard selected"), self.discard_requested)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, s=signal: s.emit(self.selected()))
            button.setEnabled(False)
            buttons.addWidget(button)
            self.selection_buttons.append(button)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        col = QVBoxLayout(self)
        col.addLayout(buttons)
        col.addWidget(self.tree)
        self.refresh_requested.connect(controller.refresh_slot)
        self.requeue_requested.connect(controller.requeue_slot)
        self.discard_requested.connect(controller.discard_slot)
        controller.changed.connect(self.refresh)
        controller.message.connect(self.status.setText)

    def _selection_changed(self) -> None:
        for button in self.selection_buttons:
            button.setEnabled(bool(self.tree.selectedItems()) and not self.controller.refused)

    def selected(self) -> list[str]:
        return [i.data(0, _KEY) for i in self.tree.selectedItems()]

    def refresh(self) -> None:
        self.tree.clear()
        self._selection_changed()
        for letter in self.controller.letters:
            exchange, key = letter.route
            item = QTreeWidgetItem([letter.failed_at[:19].replace("T", " "), letter.kind,
                                    f"{exchange} → {key}", str(letter.attempts), letter.reason])
            item.setData(0, _KEY, letter.key)
            item.setToolTip(4, letter.reason)
            self.tree.addTopLevelItem(item)
