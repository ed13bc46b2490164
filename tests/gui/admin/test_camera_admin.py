"""Admin → Cameras with real components: the console's window on the in-process bus, a running
camera worker that applies what the form sends, a generated video as the camera, and a missing
file and a closed port for the connection test's errors."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QWidget

from camcount_desktop.admin.camera_admin_view import CameraAdminDialog, CameraForm
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.waiting import until
from workers.bus import Delivery
from workers.camera import CameraWorker, Timing
from workers.contracts import CameraControl, SystemEvent
from workers.samples import generate


@pytest.fixture
def video(tmp_path: Path) -> Path:
    truth = generate(tmp_path / "door.mp4", people=1, fps=10, seed=3)
    return tmp_path / truth.video


@pytest.fixture
async def camera_worker(console: Console):
    worker = CameraWorker(timing=Timing(status_every=1.0))  # no cameras: the console adds them
    await worker.start(console.bus)
    yield worker
    await worker.stop()


@pytest.fixture
async def window(qtbot, console: Console, settings: Settings) -> MainWindow:
    w = MainWindow(console, settings)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
async def dialog(qtbot, window: MainWindow) -> CameraAdminDialog:
    return window.admin.open_cameras()


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(widget: QWidget, text: str) -> None:
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    QTest.keyClicks(line, text)


def ok_button(form: CameraForm) -> QWidget:
    return form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def open_form(dialog: CameraAdminDialog, button: str) -> CameraForm:
    click(dialog.buttons[button])
    assert dialog.form is not None and dialog.form.isVisible()
    return dialog.form


def select(dialog: CameraAdminDialog, camera_id: str) -> None:
    rows = [r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == camera_id]
    assert rows, f"{camera_id} is not in the Cameras window"
    dialog.table.selectRow(rows[0])


def listed_state(window: MainWindow, camera_id: str) -> str | None:
    row = window.cameras_view.listed(camera_id)
    return row[1] if row is not None else None


async def measured_fps(window: MainWindow, camera_id: str, low: float, high: float) -> None:
    """The camera list's fps (what the camera worker measures) settles between low and high."""
    await until(lambda: listed_state(window, camera_id) == "online"
                and low <= window.console.cameras.cameras[camera_id].fps <= high, 15,
                f"{camera_id} online at {low:g}-{high:g} fps")


@pytest.mark.slow
async def test_add_edit_disable_enable_and_remove_a_camera(
        qtbot, window: MainWindow, dialog: CameraAdminDialog, camera_worker: CameraWorker,
        video: Path) -> None:
    console = window.console
    form = open_form(dialog, "Add…")
    type_into(form.camera_id, "door")
    type_into(form.name, "Front door")
    type_into(form.source, str(video))
    type_into(form.fps, "2")
    form.loop.setChecked(True)
    click(ok_button(form))

    # the running camera worker opens it; the console lists it online and shows its pictures
    await until(lambda: listed_state(window, "door") == "online", 10, "door online in the list")
    assert window.cameras_view.listed("door")[0] == "Front door"
    assert "door" in console.wall.cameras_on_screen()
    await until(lambda: console.wall.state("door").last_frame_at is not None, 5, "door's pictures")
    assert dialog.status.text() == "Camera door sent to the camera workers of group (default)"
    await measured_fps(window, "door", 1.5, 2.5)

    select(dialog, "door")
    form = open_form(dialog, "Edit…")
    assert form.source.text() == str(video) and form.camera_id.isReadOnly()
    type_into(form.fps, "8")
    click(ok_button(form))
    await measured_fps(window, "door", 6.5, 9.0)
    assert camera_worker.stats()["cameras"]["door"]["reconnects"] == 0  # changed in place

    select(dialog, "door")
    assert dialog.buttons["Enable"].text() == "Disable"
    click(dialog.buttons["Enable"])
    await until(lambda: listed_state(window, "door") == "disabled", 5, "door disabled in the list")
    assert camera_worker.stats()["cameras"]["door"]["state"] == "offline"
    await until(lambda: any(dialog.table.item(r, 6).text() == "offline: disabled in its configuration"
                            for r in range(dialog.table.rowCount())), 5, "the reason in the window")
    frames = camera_worker.stats()["cameras"]["door"]["frames"]
    await asyncio.sleep(1.0)
    assert camera_worker.stats()["cameras"]["door"]["frames"] == frames  # no pictures any more

    select(dialog, "door")
    assert dialog.buttons["Enable"].text() == "Enable"
    click(dialog.buttons["Enable"])
    await until(lambda: listed_state(window, "door") == "online", 10, "door online again")
    await until(lambda: camera_worker.stats()["cameras"]["door"]["frames"] > frames, 5,
                "pictures again")

    select(dialog, "door")
    click(dialog.buttons["Remove"])
    await until(lambda: "door" not in camera_worker.stats()["cameras"], 5, "the worker let go")
    await until(lambda: window.cameras_view.listed("door") is None, 5, "door gone from the list")
    assert "door" not in console.wall.cameras_on_screen()
    assert [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())] == []
    await asyncio.sleep(1.5)  # the worker's last "offline: removed" status does not bring it back
    assert "door" not in console.cameras.cameras and window.cameras_view.model.rowCount() == 0


async def test_connection_test_shows_a_picture_or_the_exact_error(
        qtbot, dialog: CameraAdminDialog, video: Path, tmp_path: Path) -> None:
    form = open_form(dialog, "Add…")
    type_into(form.source, str(video))
    click(form.test_button)
    await until(lambda: not form.preview.pixmap().isNull(), 10, "a picture")
    assert form.preview.toolTip() == "960×540 from this computer"
    assert form.error.text() == ""

    missing = tmp_path / "nowhere" / "door.mp4"
    type_into(form.source, str(missing))
    click(form.test_button)
    await until(lambda: form.error.text() == (
        f"Connection test failed: cannot open {missing}: file not found"), 10, "the error")
    assert form.preview.pixmap().isNull()

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    type_into(form.source, f"rtsp://viewer:secret@127.0.0.1:{port}/live")
    click(form.test_button)
    await until(lambda: form.error.text() == (
        f"Connection test failed: cannot reach rtsp://viewer:***@127.0.0.1:{port}/live: "
        "connection refused (is the camera or stream server running?)"), 10, "the error")


async def test_saving_right_after_a_failed_connection_test_asks_first(
        qtbot, dialog: CameraAdminDialog, tmp_path: Path) -> None:
    form = open_form(dialog, "Add…")
    type_into(form.camera_id, "door")
    type_into(form.name, "Front door")
    missing = tmp_path / "door.mp4"
    type_into(form.source, str(missing))
    click(form.test_button)
    await until(lambda: form.error.text().startswith("Connection test failed"), 10, "the error")
    click(ok_button(form))
    assert form.confirm.isVisible() and "file not found" in form.confirm.text()
    click(form.confirm.button(QMessageBox.StandardButton.Cancel))
    assert form.isVisible() and form.result() != QDialog.DialogCode.Accepted, "not saved"
    click(ok_button(form))
    click(form.confirm.button(QMessageBox.StandardButton.Save))
    await until(lambda: not form.isVisible(), 5, "saved when the admin says so")
    assert form.result() == QDialog.DialogCode.Accepted and form.result_config.camera_id == "door"


async def test_a_camera_of_a_group_no_camera_worker_serves_is_flagged_on_save_and_in_the_list(
        qtbot, window: MainWindow, dialog: CameraAdminDialog, video: Path) -> None:
    health = window.console.health
    health.on_health(SystemEvent(event_type="health", source="camera-1", data={
        "role": "camera", "state": "running", "interval_s": 5.0, "group": ""}))
    form = open_form(dialog, "Add…")
    type_into(form.camera_id, "dock")
    type_into(form.name, "Loading dock")
    type_into(form.source, str(video))
    type_into(form.group, "dock")
    click(ok_button(form))
    await until(lambda: dialog.status.text().startswith("Camera dock sent"), 5, "sent")
    assert ("No camera worker serves group dock: start one with `camcount-worker camera "
            "--group dock`" in dialog.status.text())
    await until(lambda: listed_state(window, "dock") == "no worker", 5, "flagged in the list")
    # and on its tile, which otherwise would wait for a first frame for ever
    assert window.console.wall.state("dock").unserved.startswith("no camera worker serves group dock")
    # a worker for that group turns up: the flag goes
    health.on_health(SystemEvent(event_type="health", source="camera-2", data={
        "role": "camera", "state": "running", "interval_s": 5.0, "group": "dock"}))
    assert listed_state(window, "dock") == "unknown" and not window.console.wall.state("dock").unserved


async def test_invalid_input_is_refused_at_the_field_and_nothing_is_sent(
        qtbot, console: Console, dialog: CameraAdminDialog, camera_worker: CameraWorker,
        video: Path) -> None:
    sent: list[CameraControl] = []

    async def on_control(control: CameraControl, _: Delivery) -> None:
        sent.append(control)

    t = console.bus.topology
    await console.bus.subscribe(t.camera_events, ["camera.control.*"], on_control,
                                model=CameraControl)
    form = open_form(dialog, "Add…")
    type_into(form.camera_id, "door")
    type_into(form.source, "htp://10.0.0.7/stream")
    type_into(form.fps, "75")
    click(ok_button(form))
    errors = {k: label.text() for k, label in form.field_errors.items() if label.isVisible()}
    assert errors == {
        "name": "a name is needed: it is what operators see on the wall",
        "source": "htp://10.0.0.7/stream: unknown kind of address htp://; use rtsp://, rtsps://, "
                  "http://, https://, file:// or a file path",
        "fps": "75 frames per second cannot be analysed: more than 0 and at most 60",
    }
    assert form.isVisible() and form.focusWidget() is form.name  # the first field to fix

    type_into(form.source, "rtsp://:554/stream")  # no host
    click(form.test_button)  # the connection test refuses it too, without trying
    await until(lambda: form.field_errors["source"].text() == (
        "rtsp://:554/stream: no host name or address after rtsp://"), 2, "the source refused")
    assert form.preview.text() == "Test the connection to see a picture"
    type_into(form.camera_id, "front door")
    type_into(form.fps, "0")
    click(ok_button(form))
    assert form.field_errors["camera_id"].text() == (
        "a camera id is letters, digits, - and _ (at most 64): it names the camera's queues")
    assert form.field_errors["fps"].text() == (
        "0 frames per second cannot be analysed: more than 0 and at most 60")
    await asyncio.sleep(0.3)
    assert sent == [] and camera_worker.stats()["cameras"] == {}

    type_into(form.camera_id, "door")
    type_into(form.name, "Front door")
    type_into(form.source, str(video))
    type_into(form.fps, "5")
    click(ok_button(form))
    assert not form.isVisible()
    assert not any(label.isVisible() for label in form.field_errors.values())
    await until(lambda: sent, 5, "the configure message")
    assert [(c.action, c.config.name, c.config.analysis_fps) for c in sent] == [
        ("configure", "Front door", 5.0)]


async def test_a_camera_input_size_is_checked_sent_stored_and_shown_again(
        qtbot, console: Console, dialog: CameraAdminDialog, analytics: object,
        video: Path) -> None:
    sent: list[CameraControl] = []

    async def on_control(control: CameraControl, _: Delivery) -> None:
        sent.append(control)

    await console.bus.subscribe(console.bus.topology.camera_events, ["camera.control.*"],
                                on_control, model=CameraControl)
    form = open_form(dialog, "Add…")
    assert form.imgsz.text() == "" and form.imgsz.placeholderText() == (
        "the detector's default (640)")
    type_into(form.camera_id, "door")
    type_into(form.name, "Front door")
    type_into(form.source, str(video))
    type_into(form.imgsz, "400")
    click(ok_button(form))
    assert form.field_errors["imgsz"].text() == (
        "an input size is a multiple of 32 from 160 to 1920, not 400")
    await asyncio.sleep(0.3)
    assert form.isVisible() and sent == []

    type_into(form.imgsz, "416")
    click(ok_button(form))
    await until(lambda: sent, 5, "the configure message")
    assert [(c.action, c.config.imgsz) for c in sent] == [("configure", 416)]

    # the analytics worker's record has it: a console that never saw the message shows it
    async def stored() -> bool:
        reply = await dialog.controller.analytics.cameras()
        return any(c.config is not None and c.config.imgsz == 416 for c in reply.cameras)

    for _ in range(50):
        if await stored():
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the analytics worker did not record the input size")
    dialog.controller.configs.clear()
    assert await dialog.controller.refresh() == "Cameras recorded by the analytics worker: 1"
    select(dialog, "door")
    form = open_form(dialog, "Edit…")
    assert form.imgsz.text() == "416"
    form.imgsz.selectAll()
    QTest.keyClick(form.imgsz, Qt.Key.Key_Backspace)  # empty: back to the detector's default
    click(ok_button(form))
    await until(lambda: len(sent) == 2, 5, "the second configure message")
    assert sent[1].config.imgsz is None
