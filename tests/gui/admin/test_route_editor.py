"""Routes in the zone editor: picked from the drawn shapes in order, edited, undone and redone
like shapes, saved with them, and never left naming a deleted shape."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from camcount_desktop.admin.route_panel import RouteDialog
from camcount_desktop.console import Console
from tests.helpers.waiting import until
from tests.helpers.zone_editor import click, open_editor
from workers.analytics import AnalyticsClient


async def test_a_route_is_picked_in_order_saved_and_refused_without_its_shapes(
        qtbot, console: Console, analytics) -> None:
    editor = await open_editor(qtbot, console)
    canvas = editor.canvas
    for x in (100, 540):  # two doors, drawn upwards: walking right is "in"
        editor.tool_actions["line"].trigger()
        click(canvas, x, 330)
        click(canvas, x, 30)
    door_a, door_b = editor.draft.shapes
    editor.draft.change(door_a.id, name="Door A")
    editor.draft.change(door_b.id, name="Door B")
    editor._refresh()

    assert editor.routes.add.isEnabled()
    dialog = editor.routes.open_dialog()
    dialog.name.setText("A to B")
    dialog.shape.setCurrentIndex(0)
    dialog.direction.setCurrentIndex(dialog.direction.findData("in"))
    QTest.mouseClick(dialog.add_step, Qt.MouseButton.LeftButton)
    QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "at least two steps" in dialog.error.text()
    dialog.shape.setCurrentIndex(1)
    dialog.direction.setCurrentIndex(dialog.direction.findData("in"))
    QTest.mouseClick(dialog.add_step, Qt.MouseButton.LeftButton)
    assert [dialog.steps_list.item(i).text() for i in range(2)] == [
        "1. ⟷  Door A — in / entry", "2. ⟷  Door B — in / entry"]
    QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert [editor.routes.list.item(i).text() for i in range(editor.routes.list.count())] == [
        "A to B\n    Door A (in) → Door B (in)"]

    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.status.text().startswith("Saved version 1"), 5)
    stored = await AnalyticsClient(console.bus).latest_zone_set("door")
    [route] = stored.routes
    assert (route.name, [(s.shape_id, s.direction) for s in route.steps], route.within_seconds) == (
        "A to B", [(door_a.id, "in"), (door_b.id, "in")], 60)

    # a route can only name the lines and zones drawn here: what Save would be refused for
    with pytest.raises(ValueError, match="'line-gone' is not a line or zone drawn here"):
        editor.draft.edit_route(route.id, "A to B", [(door_a.id, "in"), ("line-gone", "in")], 60)
    editor.routes.list.setCurrentRow(0)
    QTest.mouseClick(editor.routes.delete, Qt.MouseButton.LeftButton)
    assert editor.routes.list.count() == 0 and editor.save_button.isEnabled()


async def test_a_zones_occupancy_settings_are_set_in_the_editor_and_saved(
        qtbot, console: Console, analytics) -> None:
    editor = await open_editor(qtbot, console)
    editor.tool_actions["zone"].trigger()
    for x, y in ((300, 100), (500, 100), (500, 300), (300, 300)):
        click(editor.canvas, x, y)
    click(editor.canvas, 302, 101)
    [zone] = editor.draft.shapes
    editor.canvas.select(zone.id)
    editor._refresh()
    form = editor.occupancy
    assert form.isEnabled() and not form.reset.isChecked() and form.floor.isChecked()
    form.reset.setChecked(True)
    form.reset_at.setTime(QTime(21, 30))
    form.visit.setValue(25)
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.status.text().startswith("Saved version 1"), 5)
    stored = await AnalyticsClient(console.bus).latest_zone_set("door")
    assert stored.zones[0].occupancy.model_dump() == {
        "reset_at": "21:30", "never_below_zero": True, "mean_visit_seconds": 1500.0,
        "margin": 0.25}
    # a line has no occupancy
    editor.tool_actions["line"].trigger()
    click(editor.canvas, 100, 300)
    click(editor.canvas, 100, 50)
    editor.canvas.select(editor.draft.shapes[-1].id)
    editor._refresh()
    assert not form.isEnabled()


def routes_shown(editor) -> list[str]:
    return [editor.routes.list.item(i).text() for i in range(editor.routes.list.count())]


def ok(dialog) -> None:
    QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


async def test_a_route_is_edited_undone_redone_and_deleted_with_its_line(
        qtbot, console: Console, analytics) -> None:
    editor = await open_editor(qtbot, console)
    canvas = editor.canvas
    for x in (100, 320, 540):  # three doors, drawn upwards: walking right is "in"
        editor.tool_actions["line"].trigger()
        click(canvas, x, 330)
        click(canvas, x, 30)
    a, b, c = editor.draft.shapes
    for shape, name in ((a, "Door A"), (b, "Door B"), (c, "Door C")):
        editor.draft.change(shape.id, name=name)
    editor.draft.add_route("A to B", [(a.id, "in"), (b.id, "in")], 60)
    editor._refresh()
    assert routes_shown(editor) == ["A to B\n    Door A (in) → Door B (in)"]

    # double-click opens the same picker, prefilled
    where = editor.routes.list.visualItemRect(editor.routes.list.item(0)).center()
    # a view takes a double-click after the press that selects (as a real mouse sends it)
    QTest.mouseClick(editor.routes.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    QTest.mouseDClick(editor.routes.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    [dialog] = [d for d in editor.routes.findChildren(RouteDialog) if d.isVisible()]
    assert dialog.windowTitle() == "Edit route" and dialog.name.text() == "A to B"
    assert [dialog.steps_list.item(i).text() for i in range(dialog.steps_list.count())] == [
        "1. ⟷  Door A — in / entry", "2. ⟷  Door B — in / entry"]
    # rename, put Door C between A and B, allow 90 s, count people only
    dialog.name.setText("A via C to B")
    dialog.shape.setCurrentIndex(2)
    dialog.direction.setCurrentIndex(dialog.direction.findData("any"))
    QTest.mouseClick(dialog.add_step, Qt.MouseButton.LeftButton)
    QTest.mouseClick(dialog.step_up, Qt.MouseButton.LeftButton)
    dialog.within.setValue(90)
    dialog.classes.setText("person")
    ok(dialog)
    assert not dialog.isVisible()
    edited = ["A via C to B\n    Door A (in) → Door C → Door B (in)"]
    assert routes_shown(editor) == edited
    assert editor.routes.list.item(0).toolTip() == "within 90 s; counts person"

    # Undo brings the route as it was, Redo the edit: the editor's own Undo, like a shape's
    assert editor.undo_action.isEnabled()
    editor.undo_action.trigger()
    assert routes_shown(editor) == ["A to B\n    Door A (in) → Door B (in)"]
    editor.redo_action.trigger()
    assert routes_shown(editor) == edited

    # deleting Door C, which the route passes, asks first; Cancel keeps both
    canvas.select(c.id)
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    box = editor.confirm_delete
    assert box.isVisible() and "Door C" in box.text() and "A via C to B" in box.text()
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert editor.draft.get(c.id) is not None and routes_shown(editor) == edited
    # agreeing deletes the door and the route, and one Undo brings both back
    canvas.select(c.id)
    QTest.mouseClick(editor.delete, Qt.MouseButton.LeftButton)
    assert box.isVisible()
    QTest.mouseClick(editor.delete_with_routes, Qt.MouseButton.LeftButton)
    assert editor.draft.get(c.id) is None and routes_shown(editor) == []
    assert "Undo brings them back" in editor.status.text()
    assert editor.save_button.isEnabled()  # nothing left naming a deleted shape
    editor.undo_action.trigger()
    assert editor.draft.get(c.id) is not None and routes_shown(editor) == edited
    editor.undo_action.trigger()  # and the step before that is the route edit
    assert routes_shown(editor) == ["A to B\n    Door A (in) → Door B (in)"]

    # a line no route passes is deleted without asking
    canvas.select(c.id)
    QTest.mouseClick(editor.delete, Qt.MouseButton.LeftButton)
    assert not box.isVisible() and editor.draft.get(c.id) is None

    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.status.text().startswith("Saved version 1"), 5)
    [stored] = (await AnalyticsClient(console.bus).latest_zone_set("door")).routes
    assert (stored.name, [st.shape_id for st in stored.steps]) == ("A to B", [a.id, b.id])


async def test_a_route_reads_in_the_consoles_language(qtbot, console: Console, analytics) -> None:
    from camcount_desktop import i18n

    i18n.install("vi")
    try:
        editor = await open_editor(qtbot, console)
        for x in (100, 540):
            editor.tool_actions["line"].trigger()
            click(editor.canvas, x, 330)
            click(editor.canvas, x, 30)
        a, b = editor.draft.shapes
        editor.draft.change(a.id, name="Cửa A")
        editor.draft.change(b.id, name="Cửa B")
        editor.draft.add_route("A sang B", [(a.id, "in"), (b.id, "out")], 60)
        editor._refresh()
        assert routes_shown(editor) == ["A sang B\n    Cửa A (vào) → Cửa B (ra)"]
    finally:
        i18n.uninstall()
