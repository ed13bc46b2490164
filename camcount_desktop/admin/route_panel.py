"""Routes in the zone editor: the list of a camera's origin → destination chains, and a dialog
that builds one by picking its lines and zones in order."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
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
from workers.contracts.zones import RouteDef

ERROR_COLOR = "#ff6b6b"
#: how a step's shape reads by its kind (as in the editor's list of shapes)
ICONS = {"line": "⟷", "zone": "⬠"}


class RouteDialog(QDialog):
    """Name, steps (a line or zone and a direction each, in order), the time allowed and the
    classes counted; for a new route, or ``route`` prefilled to edit it. Either is one undo
    step of the draft."""

    def __init__(self, draft: ZoneDraft, parent: QWidget | None = None,
                 route: RouteDef | None = None):
        super().__init__(parent)
        self.draft = draft
        self.editing = route
        self.setWindowTitle(self.tr("Edit route") if route else self.tr("Add route"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("e.g. Platform to exit"))
        self.shape = QComboBox()
        for s in draft.shapes:
            if s.kind == "mask":  # a mask counts nothing: no route passes through it
                continue
            self.shape.addItem(f"{ICONS[s.kind]}  {s.label}", s.id)
        self.direction = QComboBox()
        self.directions = {"any": self.tr("either way"), "in": self.tr("in / entry"),
                           "out": self.tr("out / exit")}
        for value, text in self.directions.items():
            self.direction.addItem(text, value)
        self.add_step = QPushButton(self.tr("Add step"))
        self.add_step.clicked.connect(self._add_step)
        self.remove_step = QPushButton(self.tr("Remove step"))
        self.remove_step.setToolTip(self.tr("Removes the selected step, or the last one"))
        self.remove_step.clicked.connect(self._remove_step)
        self.step_up = QPushButton(self.tr("Move up"))
        self.step_up.clicked.connect(lambda: self._move_step(-1))
        self.step_down = QPushButton(self.tr("Move down"))
        self.step_down.clicked.connect(lambda: self._move_step(1))
        self.steps_list = QListWidget()
        self.steps: list[tuple[str, str]] = []
        self.within = QDoubleSpinBox()
        self.within.setRange(1, 3600)
        self.within.setValue(60)
        self.within.setSuffix(" s")
        self.classes = QLineEdit()
        self.classes.setPlaceholderText(self.tr("every class the detector reports"))
        self.classes.setToolTip(self.tr("COCO class names, comma-separated (person, car, …)"))
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
        order = QHBoxLayout()
        for b in (self.step_up, self.step_down, self.remove_step):
            order.addWidget(b)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Next step"), pick)
        form.addRow(self.tr("Steps, in order"), self.steps_list)
        form.addRow("", order)
        form.addRow(self.tr("Last step within"), self.within)
        form.addRow(self.tr("Classes"), self.classes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.route = None
        if route is not None:
            self.name.setText(route.name)
            self.steps = [(st.shape_id, st.direction) for st in route.steps]
            self.within.setValue(route.within_seconds)
            self.classes.setText(", ".join(route.classes))
            self._show_steps(len(self.steps) - 1)

    def _show_steps(self, current: int) -> None:
        labels = {s.id: f"{ICONS[s.kind]}  {s.label}" for s in self.draft.shapes}
        self.steps_list.clear()
        for n, (sid, direction) in enumerate(self.steps, 1):
            # a step on a shape that is gone (as an imported file may have) reads by its id
            self.steps_list.addItem(f"{n}. {labels.get(sid, sid)} — {self.directions[direction]}")
        self.steps_list.setCurrentRow(current)

    def _add_step(self) -> None:
        sid, direction = self.shape.currentData(), self.direction.currentData()
        if sid is None:
            return
        self.steps.append((sid, direction))
        self._show_steps(len(self.steps) - 1)

    def _remove_step(self) -> None:
        if self.steps:
            row = self.steps_list.currentRow()
            row = row if 0 <= row < len(self.steps) else len(self.steps) - 1
            self.steps.pop(row)
            self._show_steps(min(row, len(self.steps) - 1))

    def _move_step(self, by: int) -> None:
        row = self.steps_list.currentRow()
        if 0 <= row < len(self.steps) and 0 <= row + by < len(self.steps):
            self.steps[row], self.steps[row + by] = self.steps[row + by], self.steps[row]
            self._show_steps(row + by)

    def _accept(self) -> None:
        if len(self.steps) < 2:
            self.error.setText(self.tr("A route needs at least two steps: where people come "
                                       "from and where they go"))
            return
        fields = (self.name.text().strip(), self.steps, self.within.value(),
                  tuple(c.strip() for c in self.classes.text().split(",") if c.strip()))
        try:
            self.route = (self.draft.edit_route(self.editing.id, *fields) if self.editing
                          else self.draft.add_route(*fields))
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
        self.add.clicked.connect(lambda: self.open_dialog())
        self.edit = QPushButton(self.tr("Edit…"))
        self.edit.setToolTip(self.tr("Change the selected route (or double-click it)"))
        self.edit.clicked.connect(self._edit_current)
        self.list.itemDoubleClicked.connect(
            lambda item: self.open_dialog(item.data(Qt.ItemDataRole.UserRole)))
        self.delete = QPushButton(self.tr("Delete route"))
        self.delete.clicked.connect(self._delete)
        buttons = QHBoxLayout()
        for b in (self.add, self.edit, self.delete):
            buttons.addWidget(b)
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
        for b in (self.edit, self.delete):
            b.setEnabled(draft is not None and bool(draft.routes))
        current = self.list.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.list.clear()
        if draft is None:
            return
        for r in draft.routes:
            words = {"in": self.tr("in"), "out": self.tr("out")}
            item = QListWidgetItem(f"{r.label}\n    {draft.route_text(r, words)}")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setToolTip(self._summary(r))
            self.list.addItem(item)
            if r.id == keep:
                self.list.setCurrentItem(item)

    def _summary(self, route: RouteDef) -> str:
        within = self.tr("within {s:g} s").format(s=route.within_seconds)
        if not route.classes:
            return within
        return self.tr("{within}; counts {classes}").format(within=within,
                                                            classes=", ".join(route.classes))

    def open_dialog(self, route_id: str | None = None) -> RouteDialog | None:
        """The route picker: a new route, or the route ``route_id`` prefilled to edit."""
        if self.draft is None:
            return None
        route = self.draft.get_route(route_id) if route_id else None
        dialog = RouteDialog(self.draft, self, route)
        dialog.accepted.connect(self._edited)
        dialog.open()
        return dialog

    def _current(self) -> QListWidgetItem | None:
        return self.list.currentItem() or self.list.item(self.list.count() - 1)

    def _edit_current(self) -> None:
        if (item := self._current()) is not None:
            self.open_dialog(item.data(Qt.ItemDataRole.UserRole))

    def _delete(self) -> None:
        item = self._current()
        if self.draft is not None and item is not None:
            self.draft.delete_route(item.data(Qt.ItemDataRole.UserRole))
            self._edited()

    def _edited(self) -> None:
        self.refresh()
        self._changed()
