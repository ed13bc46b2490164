"""The zone editor with real widgets and mouse events: what is drawn is what gets saved."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from camcount_desktop import i18n
from camcount_desktop.admin.zone_canvas import ERROR_COLOR
from camcount_desktop.console import Console
from tests.helpers.waiting import until
from tests.helpers.zone_editor import click, drag, open_editor
from workers.analytics import AnalyticsClient
from workers.bus import Delivery
from workers.contracts import CameraControl, LineDef, ZoneSet
from workers.count_video import build_zones


def saved_shapes(editor) -> dict:
    zs = editor.draft.zone_set(editor.controller.next_version)
    return json.loads(zs.model_dump_json())


async def test_drawing_a_line_and_a_polygon_gives_the_zone_json(qtbot, console: Console,
                                                                analytics) -> None:
    editor = await open_editor(qtbot, console)
    canvas = editor.canvas
    editor.tool_actions["line"].trigger()
    click(canvas, 100, 300)
    click(canvas, 100, 50)
    editor.tool_actions["zone"].trigger()
    for x, y in ((300, 100), (500, 100), (500, 300), (300, 300)):
        click(canvas, x, y)
    click(canvas, 302, 101)  # on the first corner again: closes the shape
    assert editor.tool_actions["select"].isChecked()

    data = saved_shapes(editor)
    assert data["camera_id"] == "door" and (data["frame_width"], data["frame_height"]) == (640, 360)
    line_id, zone_id = data["lines"][0]["id"], data["zones"][0]["id"]
    assert data["lines"] == [{"id": line_id, "name": "Line 1", "color": "#00e0ff", "classes": [],
                              "kind": "line", "points": [[100, 300], [100, 50]]}]
    assert data["zones"] == [{"id": zone_id, "name": "Zone 1", "color": "#ff7ad9", "classes": [],
                              "kind": "zone",
                              "points": [[300, 100], [500, 100], [500, 300], [300, 300]]}]
    # ids are new ones, never "line-1" again: counts are kept per id, and a new line must not
    # carry on the totals of one an earlier version had
    assert line_id.startswith("line-") and line_id != "line-1" and zone_id.startswith("zone-")
    line = editor.draft.get(line_id)
    # drawn upwards, "in" is a crossing to the right of P1→P2 as seen on screen: the arrow says so
    assert canvas.arrow(line)[1].x() > 100

    click(canvas, 125, 175)  # one click on the arrow flips it
    line = editor.draft.get(line_id)
    assert line.points == ((100, 50), (100, 300))
    assert canvas.arrow(line)[1].x() < 100
    assert saved_shapes(editor)["lines"][0]["points"] == [[100, 50], [100, 300]]
    # nothing stored yet for this camera (analytics said so): the first version is 1
    assert editor.save_button.isEnabled() and editor.save_button.text() == "Save version 1"


async def test_corners_and_shapes_are_edited_with_the_mouse_with_undo(qtbot, console: Console) -> None:
    editor = await open_editor(qtbot, console)
    canvas = editor.canvas
    editor.tool_actions["zone"].trigger()
    for x, y in ((300, 100), (500, 100), (500, 300), (300, 300)):
        click(canvas, x, y)
    QTest.keyClick(canvas, Qt.Key.Key_Return)

    def points() -> list[list[float]]:
        return saved_shapes(editor)["zones"][0]["points"]

    drag(canvas, (500, 300), (560, 330))  # a corner
    assert points() == [[300, 100], [500, 100], [560, 330], [300, 300]]
    editor.undo_action.trigger()
    assert points() == [[300, 100], [500, 100], [500, 300], [300, 300]]
    editor.redo_action.trigger()
    assert points()[2] == [560, 330]

    QTest.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(400, 100))  # on an edge
    assert points() == [[300, 100], [400, 100], [500, 100], [560, 330], [300, 300]]
    assert canvas.selected_corner == 1
    QTest.keyClick(canvas, Qt.Key.Key_Delete)  # the new corner, selected
    assert points() == [[300, 100], [500, 100], [560, 330], [300, 300]]

    drag(canvas, (400, 200), (420, 220))  # the whole zone, by its inside
    assert points() == [[320, 120], [520, 120], [580, 350], [320, 320]]
    drag(canvas, (420, 220), (520, 320))  # held inside the frame (640×360)
    assert max(p[1] for p in points()) == 360

    canvas.zoom_by(2.0, QPoint(320, 180).toPointF())  # zoom keeps the point under the cursor
    assert canvas.to_frame(QPoint(320, 180).toPointF()) == (320, 180)
    assert canvas.to_frame(QPoint(420, 180).toPointF()) == (370, 180)

    QTest.keyClick(canvas, Qt.Key.Key_Delete)  # the selected zone
    assert editor.draft.shapes == ()
    editor.undo_action.trigger()
    assert len(editor.draft.shapes) == 1


async def test_a_self_intersecting_polygon_is_refused_with_its_message(qtbot, console: Console,
                                                                       analytics) -> None:
    sent: list[CameraControl] = []

    async def on_control(c: CameraControl, _: Delivery) -> None:
        sent.append(c)

    t = console.bus.topology
    await console.bus.subscribe(t.camera_events, [t.control_key("*")], on_control, model=CameraControl)
    editor = await open_editor(qtbot, console)
    canvas = editor.canvas
    editor.tool_actions["zone"].trigger()
    for x, y in ((300, 100), (500, 300), (500, 100), (300, 300)):  # a bow tie
        click(canvas, x, y)
    click(canvas, 300, 100)

    message = "'Zone 1': edges 1 and 3 cross; the outline must not cross itself"
    assert editor.shape_error.text() == message
    assert "⚠" in editor.shapes.item(0).text()
    assert not editor.save_button.isEnabled()
    image = canvas.grab().toImage()
    on_edge = [QColor(image.pixel(x, x - 200)) for x in range(320, 480)]
    assert any(abs(c.red() - ERROR_COLOR.red()) < 30 and abs(c.green() - ERROR_COLOR.green()) < 30
               for c in on_edge), "the faulty zone is drawn in the error colour"

    assert not await editor.controller.save()  # Ctrl+S or a script gets the same refusal
    assert editor.status.text() == f"Not saved: {message}"
    await asyncio.sleep(0.3)
    assert sent == []

    drag(canvas, (500, 300), (400, 100))  # untangled: the message goes, Save comes back
    assert editor.shape_error.text() == "" and editor.save_button.isEnabled()


async def test_a_refused_zone_is_explained_in_the_consoles_language(qtbot, console: Console,
                                                                   analytics) -> None:
    """The contract refuses with a code and its values; the editor says it in Vietnamese when
    the console runs in Vietnamese, the shape's name and edge numbers in place."""
    i18n.install("vi")
    try:
        editor = await open_editor(qtbot, console)
        canvas = editor.canvas
        editor.tool_actions["zone"].trigger()
        for x, y in ((300, 100), (500, 300), (500, 100), (300, 300)):  # a bow tie
            click(canvas, x, y)
        click(canvas, 300, 100)
        expected = "'Vùng 1': cạnh 1 và cạnh 3 cắt nhau; đường viền không được tự cắt"
        assert editor.shape_error.text() == expected
        assert not await editor.controller.save()
        assert editor.status.text().endswith(expected)
        assert not editor.status.text().startswith("Not saved")
    finally:
        i18n.uninstall()


async def test_a_version_saved_meanwhile_is_explained_in_the_consoles_language(
        qtbot, console: Console, analytics) -> None:
    """The analytics worker refuses the lost race with a code and its values: a Korean console
    says it in Korean, the camera and versions in place."""
    i18n.install("ko")
    try:
        editor = await open_editor(qtbot, console)
        other = ZoneSet(camera_id="door", version=1, frame_width=640, frame_height=360,
                        lines=[LineDef(id="line-theirs", name="Theirs",
                                       points=((10, 10), (10, 300)))])
        assert (await AnalyticsClient(console.bus).save_zone_set(other, base_version=0)).saved
        editor.tool_actions["line"].trigger()
        click(editor.canvas, 100, 300)
        click(editor.canvas, 100, 50)
        assert not await editor.controller.save()
        assert ("버전 1은(는) 이미 다른 도형으로 저장되어 있으며, 카메라 door의 최신 저장 구역은 "
                "버전 1입니다. 그것을 불러와 그 위에 그리십시오") in editor.status.text()
        assert editor.status.text().startswith("저장 안 됨: ")
    finally:
        i18n.uninstall()


async def test_exported_zones_are_what_count_video_reads_and_import_back(
        qtbot, console: Console, tmp_path: Path) -> None:
    editor = await open_editor(qtbot, console)
    canvas = editor.canvas
    editor.tool_actions["line"].trigger()
    click(canvas, 320, 350)
    click(canvas, 320, 10)
    path = tmp_path / "door-zones.json"
    editor.export_to(path)
    exported = build_zones(path, None, 1280, 720, "door")  # count-video on a 1280x720 video
    assert [ln.points for ln in exported.lines] == [((640, 700), (640, 20))]

    editor.draft.delete(editor.draft.shapes[0].id)
    editor.import_from(path)
    assert [s.points for s in editor.draft.shapes] == [((320, 350), (320, 10))]
    path.write_text('{"frame_width": 640, "frame_height": 360, "lines": '
                    '[{"id": "x", "points": [[10, 10], [10, 10]]}]}')
    editor.import_from(path)
    assert editor.status.text() == ("Not imported from door-zones.json: 'x': the line's two "
                                    "points are the same; a line needs two distinct points")


async def test_counting_settings_are_shown_saved_and_imported(
        qtbot, console: Console, tmp_path: Path) -> None:
    editor = await open_editor(qtbot, console)
    c = editor.counting
    # the contract's defaults, shown in the units an admin reads
    assert c.isEnabled() and c.dead_band.value() == 3.0 and c.confirm.value() == 3
    assert c.anchor.currentData() == "bottom_center" and c.rejoin_seconds.value() == 1.5
    c.dead_band.setValue(5.0)
    c.confirm.setValue(4)
    c.rejoin_seconds.setValue(2.0)
    c.rejoin_distance.setValue(0.8)
    c.appear_distance.setValue(0.4)
    c.hysteresis.setValue(3)
    c.anchor.setCurrentIndex(c.anchor.findData("center"))
    data = saved_shapes(editor)
    assert (data["line_dead_band"], data["min_track_frames"], data["rejoin_seconds"],
            data["rejoin_distance"], data["appear_distance"], data["hysteresis_frames"],
            data["anchor"]) == (0.05, 4, 2.0, 0.8, 0.4, 3, "center")

    # the band is drawn around the line: a pixel beside it is tinted, one far away is not
    editor.tool_actions["line"].trigger()
    click(editor.canvas, 200, 300)
    click(editor.canvas, 200, 50)
    picture = editor.canvas.grab().toImage()
    assert picture.pixelColor(215, 200) != picture.pixelColor(300, 200)

    zones = tmp_path / "zones.json"
    zones.write_text(json.dumps({"line_dead_band": 0.01, "min_track_frames": 2,
                                 "lines": [{"id": "a", "points": [[10, 10], [10, 300]]}]}))
    editor.import_from(zones)
    assert c.dead_band.value() == 1.0 and c.confirm.value() == 2 and c.hysteresis.value() == 2
    assert saved_shapes(editor)["line_dead_band"] == 0.01


async def test_a_version_saved_meanwhile_by_another_admin_is_not_overwritten(
        qtbot, console: Console, analytics) -> None:
    editor = await open_editor(qtbot, console)
    assert editor.save_button.text() == "Save version 1"
    other = ZoneSet(camera_id="door", version=1, frame_width=640, frame_height=360,
                    lines=[LineDef(id="line-theirs", name="Theirs", points=((10, 10), (10, 300)))])
    assert (await AnalyticsClient(console.bus).save_zone_set(other, base_version=0)).saved
    editor.tool_actions["line"].trigger()
    click(editor.canvas, 100, 300)
    click(editor.canvas, 100, 50)
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.status.text().startswith("Not saved"), 5)
    assert editor.status.text() == (
        "Not saved: version 1 is stored already with other shapes, and the newest stored zones "
        "of camera door are version 1: load them and draw on them. “Load stored zones” replaces "
        "the drawing with them (Undo brings it back).")
    assert not editor.save_button.isEnabled() and editor.load_stored_button.isVisible()

    QTest.mouseClick(editor.load_stored_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.controller.base_known, 5)
    assert [s.name for s in editor.draft.shapes] == ["Theirs"]
    # what is stored, unchanged: nothing to save
    assert not editor.save_button.isEnabled() and editor.save_button.text() == "Save version 2"
    assert editor.save_button.toolTip() == "Nothing changed since version 1"
    editor.undo_action.trigger()  # the admin's own drawing back, now saved over version 1
    assert [s.name for s in editor.draft.shapes] == ["Line 1"]
    assert editor.save_button.isEnabled()
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.status.text().startswith("Saved version 2"), 5)
    assert not editor.save_button.isEnabled()  # just saved: no "Save version 3" for nothing
    stored = await AnalyticsClient(console.bus).latest_zone_set("door")
    assert stored is not None and [ln.name for ln in stored.lines] == ["Line 1"]
