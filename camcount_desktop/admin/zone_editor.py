"""The zone editor window: the drawing canvas, the list of shapes (lines, zones and privacy
masks) with their name, colour and classes, what is wrong with them, and Save / Export / Import."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.admin.counting_settings import CountingSettings
from camcount_desktop.admin.occupancy_form import OccupancyForm
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.admin.route_panel import RoutePanel
from camcount_desktop.admin.zone_canvas import ZoneCanvas
from camcount_desktop.admin.zone_draft import ZoneDraft
from camcount_desktop.admin.zone_editor_controller import ZoneEditorController
from camcount_desktop.console import Console

STATUS_COLORS = {"info": "palette(text)", "ok": "#6ad46a", "error": "#ff6b6b"}
ICONS = {"line": "⟷", "zone": "⬠", "mask": "▨"}


class SideColumn(QScrollArea):
    """The editor's side column, scrolling up and down only: as wide as its widest row (which
    grows when the forms fill in), as short as the screen needs."""

    def __init__(self, widget: QWidget):
        super().__init__()
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        widget = self.widget()
        width = max(widget.minimumWidth(), widget.minimumSizeHint().width())
        return QSize(width + self.verticalScrollBar().sizeHint().width(), 200)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.minimumSizeHint().width(), self.widget().sizeHint().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # a row grew: the column widens instead of clipping it
        return super().eventFilter(watched, event)


class ZoneEditor(QDialog):
    def __init__(self, console: Console, access: AdminAccess, camera_id: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Zones of {camera} — CamCount").format(camera=camera_id))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.controller = ZoneEditorController(console, access, camera_id, self)
        self.access = access
        self.canvas: ZoneCanvas | None = None
        self._busy: set[asyncio.Task[None]] = set()

        self.toolbar = QToolBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.shapes = QListWidget()
        self.shapes.currentItemChanged.connect(self._on_list_selection)
        self.name = QLineEdit()
        self.name.editingFinished.connect(lambda: self._change(name=self.name.text().strip()))
        self.classes = QLineEdit()
        self.classes.setPlaceholderText(self.tr("every class the detector reports"))
        self.classes.setToolTip(self.tr("COCO class names, comma-separated (person, car, …)"))
        self.classes.editingFinished.connect(self._change_classes)
        self.color = QPushButton(self.tr("Colour…"))
        self.color.clicked.connect(self._pick_color)
        self.flip = QPushButton(self.tr("Flip in/out"))
        self.flip.clicked.connect(self._flip)
        self.delete = QPushButton(self.tr("Delete shape"))
        self.delete.clicked.connect(self._delete)
        self.shape_error = QLabel()
        self.shape_error.setWordWrap(True)
        self.shape_error.setStyleSheet(f"color:{STATUS_COLORS['error']};")
        self.occupancy = OccupancyForm(lambda settings: self._change(occupancy=settings))
        self.routes = RoutePanel(self._refresh)
        #: asks before a shape is deleted with the routes through it
        self.confirm_delete = QMessageBox(QMessageBox.Icon.Warning, self.tr("Delete the routes too?"),
                                          "", QMessageBox.StandardButton.Cancel, self)
        self.delete_with_routes = self.confirm_delete.addButton(
            self.tr("Delete with its routes"), QMessageBox.ButtonRole.DestructiveRole)
        self.confirm_delete.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm_delete.buttonClicked.connect(self._delete_consented)
        self._deleting: str | None = None
        self.counting = CountingSettings(lambda: self.canvas and self.canvas.update())
        self.counting.show_draft(None)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(lambda: self._run(self.controller.save()))
        self.load_stored_button = QPushButton(self.tr("Load stored zones"))
        self.load_stored_button.setToolTip(self.tr("Ask the analytics worker for the stored "
                                                   "version and draw on it"))
        self.load_stored_button.setAutoDefault(False)
        self.load_stored_button.clicked.connect(
            lambda: self._run(self._after(self.controller.load_stored())))

        side = QWidget()
        side.setMinimumWidth(300)  # wider where the language's words need it
        col = QVBoxLayout(side)
        col.addWidget(QLabel(self.tr("Lines and zones")))
        col.addWidget(self.shapes, 1)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Classes"), self.classes)
        col.addLayout(form)
        col.addWidget(self.occupancy)
        buttons = QHBoxLayout()
        for b in (self.color, self.flip, self.delete):
            buttons.addWidget(b)
        col.addLayout(buttons)
        col.addWidget(self.shape_error)
        col.addWidget(self.routes)
        col.addWidget(self.counting)

        self.body = QHBoxLayout()
        self.placeholder = QLabel(self.tr("Freezing the camera's picture…"))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setMinimumSize(640, 360)
        self.body.addWidget(self.placeholder, 1)
        # the side column scrolls rather than make the window taller than a 1280x800 screen
        self.body.addWidget(SideColumn(side))
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.load_stored_button)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addLayout(self.body, 1)
        layout.addLayout(bottom)

        self._build_actions()
        self.controller.status.connect(self._show_status)
        self.controller.saved.connect(lambda _: self._refresh())
        self.controller.base_known_changed.connect(lambda _: self._refresh())
        access.changed.connect(self._refresh)
        self.loaded = asyncio.get_running_loop().create_task(self._load())
        self._refresh()

    def _build_actions(self) -> None:
        tb = self.toolbar
        tools = QActionGroup(self)
        self.tool_actions: dict[str, QAction] = {}
        for tool, text, key in (("select", self.tr("Select"), "S"), ("line", self.tr("Line"), "L"),
                                ("zone", self.tr("Zone"), "Z"),
                                ("mask", self.tr("Privacy mask"), "M")):
            action = QAction(text, self, checkable=True, checked=tool == "select")
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{text} ({key})" if tool != "mask" else self.tr(
                "Privacy mask (M): a region always hidden in every picture; it counts nothing"))
            action.triggered.connect(lambda _=False, t=tool: self.canvas and self.canvas.set_tool(t))
            tools.addAction(action)
            tb.addAction(action)
            self.tool_actions[tool] = action
        tb.addSeparator()
        self.undo_action = tb.addAction(self.tr("Undo"), lambda: self._history("undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = tb.addAction(self.tr("Redo"), lambda: self._history("redo"))
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        tb.addSeparator()
        tb.addAction(self.tr("Zoom in"), lambda: self.canvas and self.canvas.zoom_by(1.25)).setShortcut(
            QKeySequence.StandardKey.ZoomIn)
        tb.addAction(self.tr("Zoom out"), lambda: self.canvas and self.canvas.zoom_by(0.8)).setShortcut(
            QKeySequence.StandardKey.ZoomOut)
        tb.addAction(self.tr("Fit"), lambda: self.canvas and self.canvas.fit())
        tb.addSeparator()
        tb.addAction(self.tr("New frame"), lambda: self._run(self._refreeze()))
        tb.addAction(self.tr("Import…"), self._import)
        tb.addAction(self.tr("Export…"), self._export)
        save = QAction(self.tr("Save"), self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.triggered.connect(lambda: self.save_button.isEnabled() and self.save_button.click())
        self.addAction(save)

    # -- loading ------------------------------------------------------------------------------
    async def _load(self) -> None:
        await self.controller.load()
        assert self.controller.draft is not None
        self.canvas = ZoneCanvas(self.controller.draft)
        self.canvas.set_image(self.controller.image)
        self.canvas.changed.connect(self._refresh)
        self.canvas.selection_changed.connect(self._refresh)
        self.canvas.tool_changed.connect(lambda t: self.tool_actions[t].setChecked(True))
        self.canvas.refused.connect(lambda why: self._show_status(why, "error"))
        self.canvas.delete_needs_consent.connect(self._ask_delete)
        self.body.replaceWidget(self.placeholder, self.canvas)
        self.placeholder.deleteLater()
        self.counting.show_draft(self.controller.draft)
        self.routes.show_draft(self.controller.draft)
        self.canvas.setFocus()
        self._refresh()

    async def _refreeze(self) -> None:
        if self.canvas is None:
            return
        size = await self.controller.refreeze()
        if size is None:
            self._show_status(self.tr("No new frame from the camera; keeping the old one"), "error")
        elif size != (self.canvas.draft.width, self.canvas.draft.height):
            self._show_status(self.tr("The camera now sends {width}×{height} frames; reopen the "
                                      "editor to draw on them").format(width=size[0], height=size[1]),
                              "error")
        else:
            self.canvas.set_image(self.controller.image)

    async def _after(self, coro) -> None:
        """Run ``coro``, then show the draft it may have replaced."""
        await coro
        if self.canvas is not None:
            self.canvas.select(None)
            self.canvas.update()
        self._refresh()

    def _run(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._busy.add(task)
        task.add_done_callback(self._busy.discard)

    # -- state to widgets ---------------------------------------------------------------------
    @property
    def draft(self) -> ZoneDraft | None:
        return self.controller.draft

    def _show_status(self, text: str, kind: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color:{STATUS_COLORS[kind]};")

    def _refresh(self) -> None:
        draft, canvas = self.draft, self.canvas
        ready = draft is not None and canvas is not None
        errors = draft.errors() if draft is not None else {}
        if draft is not None:
            self.routes.refresh()
        self.undo_action.setEnabled(ready and draft.can_undo)
        self.redo_action.setEnabled(ready and draft.can_redo)
        allowed = self.access.allowed is not False
        known = self.controller.base_known
        self.save_button.setEnabled(ready and allowed and known and not errors
                                    and not draft.unchanged)
        self.load_stored_button.setVisible(ready and not known)
        if not ready:
            self.save_button.setText(self.tr("Save"))
            return
        self.save_button.setText(
            self.tr("Save version {version}").format(version=self.controller.next_version) if known
            else self.tr("Save (stored version unknown)"))
        if not allowed:
            self.save_button.setToolTip(self.access.reason)
            self._show_status(self.access.reason, "error")
        elif not known:
            self.save_button.setToolTip(self.tr("The analytics worker did not say which version is "
                                                "stored: “Load stored zones” asks again"))
        elif errors:
            self.save_button.setToolTip(self.tr("Fix the shapes marked in red first"))
        elif draft.unchanged:
            self.save_button.setToolTip(self.tr("Nothing changed since version {version}").format(
                version=draft.base_version))
        else:
            self.save_button.setToolTip(self.tr("Store these lines and zones as the next version; "
                                                "the detectors count with it once stored"))
        self.shapes.blockSignals(True)
        self.shapes.clear()
        for shape in draft.shapes:
            item = QListWidgetItem(f"{ICONS[shape.kind]}  {shape.label}"
                                   f"{'   ⚠' if shape.id in errors else ''}")
            item.setData(Qt.ItemDataRole.UserRole, shape.id)
            shown = "#9a9a9a" if shape.kind == "mask" else shape.color  # a mask's grey is too dark
            item.setForeground(QColor(STATUS_COLORS["error"] if shape.id in errors else shown))
            item.setToolTip(errors.get(shape.id, shape.id))
            self.shapes.addItem(item)
            if shape.id == canvas.selected:
                self.shapes.setCurrentItem(item)
        self.shapes.blockSignals(False)
        shape = draft.get(canvas.selected) if canvas.selected else None
        for w in (self.name, self.color, self.delete):
            w.setEnabled(shape is not None)
        self.classes.setEnabled(shape is not None and shape.kind != "mask")  # a mask counts nothing
        self.flip.setEnabled(shape is not None and shape.kind == "line")
        self.name.setText(shape.name if shape else "")
        self.classes.setText(", ".join(shape.classes) if shape else "")
        self.occupancy.show_shape(shape)
        self.shape_error.setText(errors.get(shape.id, "") if shape else "")

    # -- edits from the side panel ------------------------------------------------------------
    def _on_list_selection(self, item: QListWidgetItem | None) -> None:
        if self.canvas is not None and item is not None:
            self.canvas.select(item.data(Qt.ItemDataRole.UserRole))

    def _change(self, **fields: object) -> None:
        if self.canvas is not None and self.draft is not None and self.canvas.selected:
            self.draft.change(self.canvas.selected, **fields)
            self.canvas.changed.emit()
            self.canvas.update()

    def _change_classes(self) -> None:
        self._change(classes=tuple(c.strip() for c in self.classes.text().split(",") if c.strip()))

    def _pick_color(self) -> None:
        if self.draft is None or self.canvas is None or not self.canvas.selected:
            return
        shape = self.draft.get(self.canvas.selected)
        assert shape is not None
        color = QColorDialog.getColor(QColor(shape.color), self,
                                      self.tr("Colour of {shape}").format(shape=shape.label))
        if color.isValid():
            self._change(color=color.name())

    def _flip(self) -> None:
        if self.canvas is not None and self.canvas.selected:
            self.canvas.draft.flip(self.canvas.selected)
            self.canvas.changed.emit()
            self.canvas.update()

    def _delete(self) -> None:
        if self.canvas is not None and self.canvas.selected:
            self.canvas.delete_shape(self.canvas.selected)

    def _ask_delete(self, shape_id: str) -> None:
        assert self.draft is not None
        shape = self.draft.get(shape_id)
        if shape is None:
            return
        self._deleting = shape_id
        routes = "\n".join(f"• {r.label}" for r in self.draft.routes_through(shape_id))
        self.confirm_delete.setText(self.tr("{shape} is a step of these routes:\n{routes}\n\n"
                                            "Deleting it deletes them too (one Undo brings all "
                                            "back).").format(shape=shape.label, routes=routes))
        self.confirm_delete.open()  # not exec(): the asyncio loop keeps running

    def _delete_consented(self, button: object) -> None:
        shape_id, self._deleting = self._deleting, None
        if button is not self.delete_with_routes or shape_id is None or self.canvas is None:
            return
        shape = self.canvas.draft.get(shape_id)
        gone = [r.label for r in self.canvas.draft.routes_through(shape_id)]
        self.canvas.delete_shape(shape_id, with_routes=True)
        if shape is not None:
            self._show_status(self.tr("Deleted {shape} and the routes {routes}; Undo brings them "
                                      "back").format(shape=shape.label, routes=", ".join(gone)),
                              "info")

    def _history(self, which: str) -> None:
        if self.canvas is not None:
            getattr(self.canvas.draft, which)()
            self.canvas.select(None)
            self.canvas.changed.emit()
            self.canvas.update()

    # -- files --------------------------------------------------------------------------------
    def export_to(self, path: Path) -> None:
        assert self.draft is not None
        try:
            text = self.draft.export_json()
        except ValueError as exc:
            self._show_status(self.tr("Not exported: {reason}").format(reason=exc), "error")
            return
        path.write_text(text + "\n", encoding="utf-8")
        self._show_status(self.tr("Exported to {path} (count-video --zones reads it)").format(
            path=path), "ok")

    def import_from(self, path: Path) -> None:
        assert self.draft is not None and self.canvas is not None
        try:
            self.draft.import_json(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self._show_status(self.tr("Not imported from {file}: {reason}").format(
                file=path.name, reason=exc), "error")
            return
        self.canvas.select(None)
        self.counting.show_draft(self.draft)
        self.routes.show_draft(self.draft)
        self.canvas.changed.emit()
        self.canvas.update()
        self._show_status(self.tr("Imported {n} shapes from {file}; Save publishes them").format(
            n=len(self.draft.shapes), file=path.name), "info")

    def _export(self) -> None:
        if self.draft is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export zones"),
                                              f"{self.draft.camera_id}-zones.json",
                                              self.tr("Zone sets (*.json)"))
        if name:
            self.export_to(Path(name))

    def _import(self) -> None:
        if self.draft is None:
            return
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Import zones"), "",
                                              self.tr("Zone sets (*.json)"))
        if name:
            self.import_from(Path(name))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.loaded.cancel()
        for task in self._busy:
            task.cancel()
        super().closeEvent(event)

