"""Routes in the zone editor: picked from the drawn shapes in order, saved with them, refused when
a shape they pass is deleted, and kept across Load stored zones."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

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

    # deleting a door the route passes: the route turns red and Save waits for it
    canvas.select(door_b.id)
    editor._delete()
    assert "no longer exists" in editor.routes.list.item(0).toolTip()
    assert editor.routes.list.item(0).text().startswith("A to B   ⚠")
    assert not editor.save_button.isEnabled()
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
