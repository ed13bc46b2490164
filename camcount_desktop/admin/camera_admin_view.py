"""The Cameras window: every camera with its configuration and state; add, edit, enable or
disable, remove, test the connection, and open the zone editor."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from pydantic import ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop import i18n
from camcount_desktop.admin.camera_admin_controller import CameraAdminController
from camcount_desktop.admin.form_fields import HINT_STYLE, plain
from camcount_desktop.cameras.view import no_worker_text
from camcount_desktop.tooltips import wrapped
from workers.bus.config import redact
from workers.camera.sources import SourceError, address_problem
from workers.contracts import CameraConfig

COLUMNS = (QT_TRANSLATE_NOOP("CameraAdminDialog", "Camera"),
           QT_TRANSLATE_NOOP("CameraAdminDialog", "Name"),
           QT_TRANSLATE_NOOP("CameraAdminDialog", "Group"),
           QT_TRANSLATE_NOOP("CameraAdminDialog", "Source"),
           QT_TRANSLATE_NOOP("CameraAdminDialog", "fps"),
           QT_TRANSLATE_NOOP("CameraAdminDialog", "Enabled"),
           QT_TRANSLATE_NOOP("CameraAdminDialog", "State"))
ERROR_STYLE = "color:#ff6b6b;"
#: the CameraConfig field each form field edits, for messages pydantic attaches to the field
FIELDS = {"camera_id": "camera_id", "name": "name", "source": "source", "group": "group",
          "analysis_fps": "fps", "classes": "classes", "model": "model", "imgsz": "imgsz"}
MAX_FPS = 60.0
CAMERA_ID = r"[A-Za-z0-9_\-]{1,64}"  # as CameraConfig.camera_id


class CameraForm(QDialog):
    """One camera's settings, with a connection test that shows a picture or the error."""

    def __init__(self, config: CameraConfig | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit camera") if config else self.tr("Add camera"))
        self.result_config: CameraConfig | None = None
        c = config or CameraConfig(camera_id="new-camera", source="0")
        self.camera_id = QLineEdit(c.camera_id if config else "")
        self.camera_id.setReadOnly(config is not None)
        self.camera_id.setPlaceholderText(self.tr("letters, digits, - and _"))
        self.name = QLineEdit(c.name)
        self.source = QLineEdit(c.source if config else "")
        self.source.setPlaceholderText(self.tr("rtsp://user:pass@host/stream, http://…/video.mjpg, "
                                               "a file, or 0"))
        self.group = QLineEdit(c.group)
        self.group.setToolTip(self.tr("The camera worker started with --group <this> adopts a new camera"))
        # wider than allowed, so a wrong rate gets a message rather than a silent clamp
        self.fps = QDoubleSpinBox(decimals=1, minimum=0.0, maximum=999.0, value=c.analysis_fps)
        self.classes = QLineEdit(", ".join(c.classes))
        self.model = QLineEdit(c.model or "")
        self.model.setPlaceholderText(self.tr("the detector's default"))
        self.imgsz = QLineEdit(str(c.imgsz) if c.imgsz else "")
        self.imgsz.setPlaceholderText(self.tr("the detector's default (640)"))
        imgsz_hint = QLabel(self.tr("Smaller is faster but misses small, distant people; "
                                    "HOG ignores it"))
        imgsz_hint.setStyleSheet(HINT_STYLE)
        self.loop = QCheckBox(self.tr("Replay a video file endlessly"), checked=c.loop)
        self.enabled = QCheckBox(self.tr("Enabled"), checked=c.enabled)
        self.preview = QLabel(self.tr("Test the connection to see a picture"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(320, 180)
        self.preview.setWordWrap(True)
        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.clicked.connect(self._start_test)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self._test: asyncio.Task[None] | None = None
        #: the source whose connection test failed last, and why: saving it asks first
        self._failed_test: tuple[str, str] | None = None
        self.confirm = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Save a camera that did not connect?"), "",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel, self)
        self.confirm.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm.accepted.connect(self._save)
        # the placeholders read whole: the dialog is as wide as its longest one
        self.source.setMinimumWidth(
            self.source.fontMetrics().horizontalAdvance(self.source.placeholderText()) + 24)

        form = QFormLayout()
        #: a message under each field that refused its value
        self.field_errors: dict[str, QLabel] = {}
        for label, key, w in ((self.tr("Camera id"), "camera_id", self.camera_id),
                              (self.tr("Name"), "name", self.name),
                              (self.tr("Source"), "source", self.source),
                              (self.tr("Group"), "group", self.group),
                              (self.tr("Analysis fps"), "fps", self.fps),
                              (self.tr("Classes"), "classes", self.classes),
                              (self.tr("Model"), "model", self.model),
                              (self.tr("Input size"), "imgsz", self.imgsz),
                              ("", "", imgsz_hint), ("", "", self.loop),
                              ("", "", self.enabled)):
            form.addRow(label, w)
            if key:
                self.field_errors[key] = error = QLabel()
                error.setWordWrap(True)
                error.setStyleSheet(ERROR_STYLE)
                error.hide()
                form.addRow("", error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.test_button)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def config(self) -> CameraConfig | dict[str, str]:
        """The form as a configuration, or what is wrong with it: a message per field."""
        problems = self._source_problems()
        camera_id = self.camera_id.text().strip()
        if not re.fullmatch(CAMERA_ID, camera_id):
            problems["camera_id"] = self.tr("a camera id is letters, digits, - and _ (at most 64): "
                                            "it names the camera's queues")
        if not self.name.text().strip():
            problems["name"] = self.tr("a name is needed: it is what operators see on the wall")
        if not 0 < self.fps.value() <= MAX_FPS:
            problems["fps"] = self.tr("{fps} frames per second cannot be analysed: more than 0 and "
                                      "at most {max}").format(fps=f"{self.fps.value():g}",
                                                              max=f"{MAX_FPS:g}")
        imgsz = self.imgsz.text().strip()
        if imgsz and not imgsz.isdigit():
            problems["imgsz"] = self.tr("an input size is a number of pixels, such as 416; "
                                        "empty: the detector's default")
        if problems:
            return problems
        try:
            return CameraConfig(
                camera_id=camera_id, name=self.name.text().strip(),
                source=self.source.text().strip(), group=self.group.text().strip(),
                analysis_fps=self.fps.value(),
                classes=[c.strip() for c in self.classes.text().split(",") if c.strip()],
                model=self.model.text().strip() or None, imgsz=int(imgsz) if imgsz else None,
                loop=self.loop.isChecked(),
                enabled=self.enabled.isChecked())
        except ValidationError as exc:
            return {FIELDS.get(str(e["loc"][0]) if e["loc"] else "", ""): plain(e)
                    for e in exc.errors()}

    def _source_problems(self) -> dict[str, str]:
        source = self.source.text().strip()
        if ":***@" in source:
            return {"source": self.tr("the source shows *** where its password was (CamCount "
                                      "never stores camera passwords outside the camera workers): "
                                      "type it again")}
        problem = address_problem(source)
        return {"source": i18n.say(problem)} if problem else {}

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each message under its field (the first such field gets the focus); the rest below."""
        self.error.setText(problems.get("", ""))
        for key in self.field_errors:
            self._say_at(key, problems.get(key, ""))
        for key, widget in (("camera_id", self.camera_id), ("name", self.name),
                            ("source", self.source), ("fps", self.fps)):
            if key in problems:
                widget.setFocus()
                break

    def _say_at(self, key: str, message: str) -> None:
        self.field_errors[key].setText(message)
        self.field_errors[key].setVisible(bool(message))

    def _accept(self) -> None:
        config = self.config()
        self.show_problems({} if isinstance(config, CameraConfig) else config)
        if not isinstance(config, CameraConfig):
            return
        self.result_config = config
        if self._failed_test is not None and config.source == self._failed_test[0]:
            question = self.tr("Save {camera} anyway? Its tile will show NO SIGNAL until the "
                               "source answers.").format(camera=config.name)
            self.confirm.setText(f"{self._failed_test[1]}\n\n{question}")
            self.confirm.open()  # not exec(): the asyncio loop keeps running
            return
        self.accept()

    def _save(self) -> None:
        self.accept()

    def _start_test(self) -> None:
        self._test = asyncio.get_running_loop().create_task(self.test_connection())

    def done(self, result: int) -> None:
        # a test still connecting must not touch the widgets of a closed form
        if self._test is not None:
            self._test.cancel()
        super().done(result)

    async def test_connection(self) -> None:
        source = self.source.text().strip()
        problem = self._source_problems().get("source", "")
        self._say_at("source", problem)
        self.error.clear()
        if problem:
            return
        self.preview.setPixmap(QPixmap())
        self.preview.setText(self.tr("Connecting to {source}…").format(source=redact(source)))
        self.test_button.setEnabled(False)
        try:
            image = await CameraAdminController.test_connection(source)
        except SourceError as exc:
            self.preview.setText("")
            self.error.setText(self.tr("Connection test failed: {reason}").format(
                reason=i18n.say(exc.phrase, str(exc))))
            self._failed_test = (source, self.error.text())
            return
        finally:
            self.test_button.setEnabled(True)
        self._failed_test = None
        self.preview.setText("")
        self.preview.setPixmap(QPixmap.fromImage(image).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        self.preview.setToolTip(self.tr("{width}×{height} from this computer").format(
            width=image.width(), height=image.height()))


class CameraAdminDialog(QDialog):
    def __init__(self, controller: CameraAdminController, open_zones: Callable[[str], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Cameras — CamCount"))
        self.controller, self.open_zones = controller, open_zones
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        self.table.doubleClicked.connect(lambda _: self.edit())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        # keyed by the English text: the translation is only what the button shows
        for key, text, slot in (("Add…", self.tr("Add…"), self.add), ("Edit…", self.tr("Edit…"), self.edit),
                                ("Enable", self.tr("Enable"), self.toggle),
                                ("Remove", self.tr("Remove"), self.remove),
                                ("Zones…", self.tr("Zones…"), self.zones),
                                ("Refresh", self.tr("Refresh"), self.refresh)):
            self.buttons[key] = b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.resize(980, 420)
        self._tasks: set[asyncio.Task[None]] = set()
        #: the Add / Edit form last opened
        self.form: CameraForm | None = None
        controller.changed.connect(self._fill)
        controller.access.changed.connect(self._sync_buttons)
        self._fill()
        self.refresh()

    # -- table --------------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def _fill(self) -> None:
        keep = self.selected_id()
        self.table.setRowCount(0)
        for r in self.controller.rows():
            c = r.config
            cells = (r.camera_id, c.name if c else "", c.group if c else "",
                     redact(c.source) if c else self.tr("(configuration not known here)"),
                     f"{c.analysis_fps:g}" if c else "",
                     (self.tr("yes") if c.enabled else self.tr("no")) if c else "",
                     f"{r.state}{': ' + r.detail if r.detail else ''}")
            i = self.table.rowCount()
            self.table.insertRow(i)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if r.announced:
                    item.setToolTip(wrapped(self.tr(
                        "As its camera worker runs it (started there with --camera): not saved "
                        "from a console. Edit… saves it, then every console and worker knows it.")))
                self.table.setItem(i, j, item)
            if r.camera_id == keep:
                self.table.selectRow(i)
        self.table.resizeColumnsToContents()
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        access = self.controller.access
        allowed = access.allowed is not False
        cid = self.selected_id()
        config = self.controller.configs.get(cid) if cid else None
        self.buttons["Add…"].setEnabled(allowed)
        for text in ("Edit…", "Remove", "Zones…"):
            self.buttons[text].setEnabled(allowed and cid is not None)
        self.buttons["Enable"].setEnabled(allowed and config is not None)
        self.buttons["Enable"].setText(self.tr("Disable") if config is None or config.enabled
                                       else self.tr("Enable"))
        if not allowed:
            self._say(access.reason, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    # -- actions ------------------------------------------------------------------------------
    def _run(self, action: Awaitable[str | None], done: str, warning: str = "") -> None:
        async def go() -> None:
            error = await action
            if error:
                self._say(self.tr("Not done. {why}").format(why=error), error=True)
            else:
                self._say(f"{done}. {warning}" if warning else done, error=bool(warning))

        task = asyncio.get_running_loop().create_task(go())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _open_form(self, config: CameraConfig | None, done: Callable[[CameraConfig], str]) -> None:
        """The form, window-modal but not blocking (a nested event loop would stall asyncio);
        on OK its configuration is sent."""
        self.form = form = CameraForm(config, self)

        def send() -> None:
            if (sent := form.result_config) is not None:
                self._run(self.controller.configure(sent), done(sent), self._unserved(sent))

        form.accepted.connect(send)
        form.open()

    def _unserved(self, config: CameraConfig) -> str:
        """Said when saving a camera no camera worker will adopt: it would stay unknown."""
        if self.controller.console.health.serves_group(config.group) is not False:
            return ""
        return self.tr("{no_worker}: until then it stays unknown").format(
            no_worker=no_worker_text(config.group).capitalize())

    def add(self) -> None:
        self._open_form(None, lambda c: self.tr("Camera {camera} sent to the camera workers of "
                                                "group {group}").format(
            camera=c.camera_id, group=c.group or self.tr("(default)")))

    def edit(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        current = self.controller.configs.get(cid)
        self._open_form(current or CameraConfig(camera_id=cid, source="0"),
                        lambda c: self.tr("Camera {camera} reconfigured").format(camera=c.camera_id))

    def toggle(self) -> None:
        cid = self.selected_id()
        config = self.controller.configs.get(cid) if cid else None
        if cid is not None and config is not None:
            self._run(self.controller.set_enabled(cid, not config.enabled),
                      (self.tr("Camera {camera} disabled") if config.enabled
                       else self.tr("Camera {camera} enabled")).format(camera=cid))

    def remove(self) -> None:
        if (cid := self.selected_id()) is not None:
            self._run(self.controller.remove(cid),
                      self.tr("Camera {camera} removed").format(camera=cid))

    def zones(self) -> None:
        if (cid := self.selected_id()) is not None:
            self.open_zones(cid)

    def refresh(self) -> None:
        async def go() -> None:
            self._say(await self.controller.refresh())

        task = asyncio.get_running_loop().create_task(go())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
