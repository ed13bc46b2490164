"""Screenshot of routes and occupancy settings in the zone editor for docs/admin.md, in local
mode on the sample camera.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_route_editor.py

The editor freezes a frame of the sample video with its line and zone; the script draws a second
line "Exit lane" with mouse events, builds the route "Entrance to exit lane" in the route dialog
(its shapes picked in order, as a user would), gives the zone a closing-time reset and an average
visit, and grabs the editor with the dialog of a second route open over it.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint, Qt, QTime
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from shots import HERE, local_window, run, sample_editor

OUT = HERE / "route_editor.png"


async def capture() -> None:
    async with local_window(1400, 900) as (console, window):
        editor, click = await sample_editor(console, window)
        canvas = editor.canvas
        editor.tool_actions["line"].trigger()
        click(700, 520)
        click(860, 120)
        lane = editor.draft.shapes[-1]
        editor.draft.change(lane.id, name="Exit lane")
        canvas.changed.emit()

        def pick(dialog, label: str, direction: str) -> None:
            dialog.shape.setCurrentIndex(next(i for i in range(dialog.shape.count())
                                              if dialog.shape.itemText(i).endswith(label)))
            dialog.direction.setCurrentIndex(dialog.direction.findData(direction))
            QTest.mouseClick(dialog.add_step, Qt.MouseButton.LeftButton)

        dialog = editor.routes.open_dialog()
        dialog.name.setText("Entrance to exit lane")
        pick(dialog, "Entrance", "in")
        pick(dialog, "Exit lane", "in")
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

        zone = next(s for s in editor.draft.shapes if s.kind == "zone")
        canvas.select(zone.id)
        editor.occupancy.reset.setChecked(True)
        editor.occupancy.reset_at.setTime(QTime(22, 0))
        editor.occupancy.visit.setValue(20)

        second = editor.routes.open_dialog()
        second.name.setText("Left half to exit lane")
        pick(second, "Left half", "out")
        pick(second, "Exit lane", "in")
        await asyncio.sleep(0.6)
        shot = QPixmap(editor.size())
        editor.render(shot)
        painter = QPainter(shot)  # the dialog where it opened, over the editor
        at = editor.mapFromGlobal(second.mapToGlobal(QPoint(0, 0)))
        painter.drawPixmap(at, second.grab())
        painter.end()
        shot.save(str(OUT))
        print(f"saved {OUT}")
        second.reject()
        editor.close()


if __name__ == "__main__":
    run(capture)
