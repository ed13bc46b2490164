"""Privacy masks drawn in the zone editor with real mouse events: saved as masks, never as zones."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from camcount_desktop.console import Console
from tests.helpers.waiting import until
from tests.helpers.zone_editor import click, open_editor
from workers.analytics import AnalyticsClient


async def test_a_drawn_mask_is_saved_in_privacy_masks_and_deleted_with_undo(
        qtbot, console: Console, analytics) -> None:
    editor = await open_editor(qtbot, console)
    canvas = editor.canvas
    editor.tool_actions["zone"].trigger()
    for x, y in ((300, 100), (500, 100), (500, 300), (300, 300)):
        click(canvas, x, y)
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    before = canvas.grab().toImage().pixelColor(100, 100)
    editor.tool_actions["mask"].trigger()
    for x, y in ((40, 40), (200, 40), (200, 160)):
        click(canvas, x, y)
    click(canvas, 41, 41)  # the first corner again closes it, as for a zone
    assert editor.tool_actions["select"].isChecked()

    assert [editor.shapes.item(i).text() for i in range(editor.shapes.count())] == [
        "⬠  Zone 1", "▨  Mask 1"]
    assert not editor.classes.isEnabled()  # a mask counts nothing: no classes to pick
    inside = canvas.grab().toImage().pixelColor(150, 60)
    assert inside.value() < QColor(before).value() - 20 and inside.saturation() < 40, \
        "the mask is drawn filled grey over the picture"

    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.status.text().startswith("Saved version 1"), 5)
    stored = await AnalyticsClient(console.bus).latest_zone_set("door")
    assert stored is not None
    assert [z.name for z in stored.zones] == ["Zone 1"]
    assert [(m.kind, m.name, m.color, m.points) for m in stored.privacy_masks] == [
        ("mask", "Mask 1", "#404040", [(40, 40), (200, 40), (200, 160)])]

    editor.shapes.setCurrentRow(1)  # the mask, from the side panel
    assert canvas.selected == stored.privacy_masks[0].id
    QTest.mouseClick(editor.delete, Qt.MouseButton.LeftButton)
    assert [s.kind for s in editor.draft.shapes] == ["zone"]
    editor.undo_action.trigger()
    assert [s.name for s in editor.draft.shapes] == ["Zone 1", "Mask 1"]
    editor.redo_action.trigger()
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: editor.status.text().startswith("Saved version 2"), 5)
    stored = await AnalyticsClient(console.bus).latest_zone_set("door")
    assert stored is not None and stored.version == 2
    assert stored.privacy_masks == [] and [z.name for z in stored.zones] == ["Zone 1"]
