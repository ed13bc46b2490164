"""Screenshot of the zone editor for docs/admin.md, in local mode on the sample camera.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_zone_editor.py [LANG]

LANG (vi, ru, ko): the editor in that language, into ``zone-editor-LANG.png``. ``mask``: for
docs/privacy.md, a privacy mask drawn with the Privacy mask tool instead of the faulty zone, the
whole 1600x1000 screen saved into ``zone_editor_mask.png``.

The editor freezes a frame of the sample video with its line and zone; the script then draws,
with mouse events as a user would, a second line and a zone that crosses itself, so the picture
shows the "in" arrows and a refusal at the shape, and adds a route from the sample's line to the
new one, so the routes list has one.
"""

from __future__ import annotations

import asyncio
import sys

from PySide6.QtWidgets import QApplication
from shots import HERE, local_window, run, sample_editor

#: the line the script draws, and the route from the sample's line to it, as a site in each
#: language names them
EXIT_LANE = {"en": "Exit lane", "vi": "Lối ra", "ru": "Выход", "ko": "출구 통로"}
ROUTE = {"en": "Entrance to exit lane", "vi": "Lối vào đến lối ra", "ru": "От входа к выходу",
         "ko": "출입구에서 출구 통로로"}


async def capture(lang: str, mask: bool = False) -> None:
    out = HERE / ("zone_editor_mask.png" if mask else
                  "zone_editor.png" if lang == "en" else f"zone-editor-{lang}.png")
    async with local_window(1400, 900) as (console, window):
        editor, click = await sample_editor(console, window, full_screen=mask)
        canvas = editor.canvas
        editor.tool_actions["line"].trigger()
        click(700, 520)
        click(860, 120)
        if mask:
            editor.tool_actions["mask"].trigger()
            for x, y in ((20, 20), (420, 20), (420, 250), (20, 250)):
                click(x, y)
            click(20, 20)
        else:
            editor.tool_actions["zone"].trigger()
            for x, y in ((560, 330), (900, 500), (900, 330), (560, 500)):
                click(x, y)
            click(560, 330)
        line, last = editor.draft.shapes[-2:]
        editor.draft.change(line.id, name=EXIT_LANE[lang])
        if mask:
            editor.draft.change(last.id, name="Street window")
        entrance = next(s for s in editor.draft.shapes if s.kind == "line")
        editor.draft.add_route(ROUTE[lang], [(entrance.id, "in"), (line.id, "in")], 60)
        canvas.changed.emit()
        canvas.select(last.id)
        await asyncio.sleep(0.5)
        if mask:  # the real screen, window frame and all
            QApplication.primaryScreen().grabWindow(0).save(str(out))
        else:
            editor.grab().save(str(out))
        print(f"saved {out}")
        editor.close()


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) > 1 else "en"
    language = "en" if arg == "mask" else arg
    run(lambda: capture(language, mask=arg == "mask"), language)
