"""Screenshot of the zone editor for docs/admin.md, in local mode on the sample camera.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_zone_editor.py [LANG]

LANG (vi, ru, ko): the editor in that language, into ``zone-editor-LANG.png``. ``mask``: for
docs/privacy.md, a privacy mask drawn with the Privacy mask tool instead of the faulty zone, the
whole 1600x1000 screen saved into ``zone_editor_mask.png``.

The editor freezes a frame of the sample video with its line and zone; the script then draws,
with mouse events as a user would, a second line and a zone that crosses itself, so the picture
shows the "in" arrows and a refusal at the shape.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from camcount_desktop import i18n
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings

HERE = Path(__file__).resolve().parent
#: the line the script draws, as a site in each language names it
EXIT_LANE = {"en": "Exit lane", "vi": "Lối ra", "ru": "Выход", "ko": "출구 통로"}


async def capture(lang: str, mask: bool = False) -> None:
    out = HERE / ("zone_editor_mask.png" if mask else
                  "zone_editor.png" if lang == "en" else f"zone-editor-{lang}.png")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        console = Console("local", settings)
        window = MainWindow(console, settings)
        window.resize(1400, 900)
        window.show()
        await console.start()
        for _ in range(1200):  # until the sample camera's frames reach the console (slow when loaded)
            state = console.wall.states.get("entrance")
            if state is not None and state.shown is not None:
                break
            await asyncio.sleep(0.1)
        editor = window.admin.open_zones("entrance")
        if mask:
            editor.setGeometry(QApplication.primaryScreen().availableGeometry())
        else:
            editor.resize(1500, 900)
        await editor.loaded
        canvas = editor.canvas
        await asyncio.sleep(0.3)

        def click(x: float, y: float) -> None:
            QTest.mouseClick(canvas, Qt.MouseButton.LeftButton,
                             pos=canvas.to_widget((x, y)).toPoint())

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
        canvas.changed.emit()
        canvas.select(last.id)
        await asyncio.sleep(0.5)
        if mask:  # the real screen, window frame and all
            QApplication.primaryScreen().grabWindow(0).save(str(out))
        else:
            editor.grab().save(str(out))
        print(f"saved {out}")
        editor.close()
        await console.stop()
        window.close_now()


if __name__ == "__main__":
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    arg = sys.argv[1] if len(sys.argv) > 1 else "en"
    language = "en" if arg == "mask" else arg
    i18n.install(language)
    with loop:
        loop.run_until_complete(capture(language, mask=arg == "mask"))
