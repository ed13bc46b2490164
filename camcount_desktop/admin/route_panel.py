"""Routes in the zone editor: the list of a camera's origin → destination chains, and a dialog
that builds one by picking its lines and zones in order."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.admin.zone_draft import ZoneDraft

ERROR_COLOR = "#ff6b6b"


class RouteDialog(QDialog):
    """Name, steps (a line or zone and a direction each, in order) and the time allowed."""

    def __init__(self, draft: ZoneDraft, parent: QWidget | None = None):
        super().__init__(parent)
        self.draft = draft
        self.setWindowTitle(self.tr("Add route"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("e.g. Platform to exit"))
        self.shape = QComboBox()
        for s in draft.shapes:
            if s.kind == "mask":  # a mask counts nothing: no route passes through it
                continue
            self.shape.addItem(f"{'⟷' if s.kind == 'line' else '⬠'}  {s.label}", s.id)
        self.direction = QComboBox()
        for value, text in (("any", self.tr("either way")), ("in", self.tr("in / entry")),
                            ("out", self.tr("out / exit"))):
            self.direction.addItem(text, value)
        self.add_step = QPushButton(self.tr("Add step"))
        self.add_step.clicked.connect(self._add_step)
        self.remove_step = QPushButton(self.tr("Remove last"))
        self.remove_step.clicked.connect(self._remove_step)
        self.steps_list = QListWidget()
        self.steps: list[tuple[str, str]] = []
        self.within = QDoubleSpinBox()
        self.within.setRange(1, 3600)
        self.within.setValue(60)
        self.within.setSuffix(" s")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color:{ERROR_COLOR};")
        self.buttons = buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                                  | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)

        pick = QHBoxLayout()
        pick.addWidget(self.shape, 1)
        pick.addWidget(self.direction)
        pick.addWidget(self.add_step)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Next step"), pick)
        form.addRow(self.tr("Steps, in order"), self.steps_list)
        form.addRow("", self.remove_step)
        form.addRow(self.tr("Last step within"), self.within)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.route = None

    def _add_step(self) -> None:
        sid, direction = self.shape.currentData(), self.direction.currentData()
        if sid is None:
            return
        self.steps.append((sid, direction))
        self.steps_list.addItem(f"{len(self.steps)}. {self.shape.currentText().strip()}"
                                f" — {self.direction.currentText()}")

    def _remove_step(self) -> None:
        if self.steps:
            self.steps.pop()
            self.steps_list.takeItem(self.steps_list.count() - 1)

    def _accept(self) -> None:
        if len(self.steps) < 2:
            self.error.setText(self.tr("A route needs at least two steps: where people come "
                                       "from and where they go"))
            return
        try:
            self.route = self.draft.add_route(self.name.text().strip(), self.steps,
                                              self.within.value())
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class RoutePanel(QWidget):
    """The draft's routes; ``changed`` is called after an edit."""

    def __init__(self, changed: Callable[[], None], parent: QWidget | None = None):
        super().__init__(parent)
        self._changed = changed
        self.draft: ZoneDraft | None = None
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        self.list.setWordWrap(True)  # the panel is narrow; a route's steps read whole
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.add = QPushButton(self.tr("Add route…"))
        self.add.setToolTip(self.tr("People who pass these lines or zones in this order, "
                                    "e.g. in by door A and out by door B"))
        self.add.clicked.connect(self.open_dialog)
        self.delete = QPushButton(self.tr("Delete route"))
        self.delete.clicked.connect(self._delete)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.delete)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(QLabel(self.tr("Routes (origin → destination)")))
        col.addWidget(self.list)
        col.addLayout(buttons)
        self.show_draft(None)

    def show_draft(self, draft: ZoneDraft | None) -> None:
        self.draft = draft
        self.refresh()

    def refresh(self) -> None:
        draft = self.draft
        self.add.setEnabled(draft is not None and any(s.kind != "mask" for s in draft.shapes))
        self.delete.setEnabled(draft is not None and bool(draft.routes))
        self.list.clear()
        if draft is None:
            return
        errors = draft.route_errors()
        for r in draft.routes:
            item = QListWidgetItem(f"{r.label}{'   ⚠' if r.id in errors else ''}\n"
                                   f"    {draft.route_text(r)}")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setToolTip(errors.get(r.id, self.tr("within {s:g} s").format(s=r.within_seconds)))
            if r.id in errors:
                item.setForeground(QColor(ERROR_COLOR))
            self.list.addItem(item)

    def open_dialog(self) -> RouteDialog | None:
        if self.draft is None:
            return None
        dialog = RouteDialog(self.draft, self)
        dialog.accepted.connect(self._edited)
        dialog.open()
        return dialog

    def _delete(self) -> None:
        item = self.list.currentItem() or self.list.item(self.list.count() - 1)
        if self.draft is not None and item is not None:
            self.draft.delete_route(item.data(Qt.ItemDataRole.UserRole))
            self._edited()

    def _edited(self) -> None:
        self.refresh()
        self._changed()
