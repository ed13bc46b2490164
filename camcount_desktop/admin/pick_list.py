"""A checkable list to pick from (cameras, zones, lines): what is there, by name, instead of ids
typed by hand. What is picked is kept by id; a picked id no longer offered stays listed, marked,
so editing a rule never drops part of it silently."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

_ID = Qt.ItemDataRole.UserRole


class PickList(QListWidget):
    #: the picked ids changed
    picked_changed = Signal()

    def __init__(self, empty_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.empty_text = empty_text
        self.setMaximumHeight(110)
        self._filling = False
        self.itemChanged.connect(self._changed)

    def set_options(self, options: list[tuple[str, str]], picked: list[str] | None = None) -> None:
        """``options``: (id, what people read). ``picked``: ids to tick (default: as now)."""
        keep = self.picked() if picked is None else list(picked)
        self._filling = True
        self.clear()
        offered = {i for i, _ in options}
        gone = [(i, self.tr("{id} (not known now)").format(id=i)) for i in keep if i not in offered]
        for shape_id, label in [*options, *gone]:
            item = QListWidgetItem(label)
            item.setData(_ID, shape_id)
            item.setToolTip(shape_id)  # the id, for whoever reads logs and files
            item.setCheckState(Qt.CheckState.Checked if shape_id in keep
                               else Qt.CheckState.Unchecked)
            self.addItem(item)
        if not options and not gone:
            placeholder = QListWidgetItem(self.empty_text)
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(placeholder)
        self._filling = False

    def picked(self) -> list[str]:
        return [self.item(i).data(_ID) for i in range(self.count())
                if self.item(i).data(_ID) is not None
                and self.item(i).checkState() == Qt.CheckState.Checked]

    def pick(self, ids: list[str]) -> None:
        for i in range(self.count()):
            item = self.item(i)
            if item.data(_ID) is not None:
                item.setCheckState(Qt.CheckState.Checked if item.data(_ID) in ids
                                   else Qt.CheckState.Unchecked)

    def _changed(self, _: QListWidgetItem) -> None:
        if not self._filling:
            self.picked_changed.emit()
