"""The console's languages: Qt's translation system, one ``resources/i18n/camcount_<lang>.ts`` per
language (sources, committed) compiled to ``.qm`` (built, never committed).

Where the ``.qm`` files come from, per install path:
- ``scripts/bootstrap.sh`` and ``python -m camcount_desktop.i18n build`` write them beside the
  ``.ts`` files;
- the PyInstaller spec builds them into the bundle;
- anything else (a plain ``pip install -e``, a ``.ts`` edited since): built at start into the user
  data folder with ``lrelease``, which ships with PySide6.

``python -m camcount_desktop.i18n update`` re-extracts the marked strings into the ``.ts`` files
(``pyside6-lupdate``), keeping the translations already written.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QLibraryInfo,
    QLocale,
    QTime,
    QTranslator,
)
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from camcount_desktop.local_mode import resources_dir
from workers import i18n as worker_i18n
from workers.contracts.phrases import Phrase
from workers.i18n import FONT
from workers.paths import data_dir

log = logging.getLogger(__name__)

#: the languages shipped besides English, the language the strings are written in
TRANSLATED = ("vi", "ru", "ko")
#: the settings' choice: code → name in that language ("" follows the OS)
CHOICES = {"en": "English", "vi": "Tiếng Việt", "ru": "Русский", "ko": "한국어"}

#: the language the console shows (``install``): the workers' phrases are said in it too
current = "en"
_installed: list[QTranslator] = []  # a translator works only while Python keeps it alive


def ts_dir() -> Path:
    return resources_dir() / "i18n"


def ts_file(lang: str) -> Path:
    return ts_dir() / f"camcount_{lang}.ts"


def resolve(choice: str | None) -> str:
    """The language to show: the settings' choice, else the OS locale's when shipped, else English."""
    if choice in CHOICES:
        return choice
    for name in QLocale.system().uiLanguages():
        lang = name.replace("_", "-").split("-")[0].lower()
        if lang in CHOICES:
            return lang
    return "en"


def say(phrase: Phrase | None, english: str = "") -> str:
    """A worker's or a contract's sentence (a camera's detail, why a value is refused) in the
    console's language: the workers' catalog (``workers/i18n``) holds these, in the words the
    workers and the HTTP API use for the same code. ``english``: what a worker too old to send
    the phrase sent instead."""
    return english if phrase is None else worker_i18n.say(phrase, current)


def worker_text(text: str) -> str:
    """A text the workers define for people (a model's description), in the console's language."""
    return worker_i18n.gettext_for(current)(text)


def explain(exc: ValidationError) -> str:
    """Why pydantic refused, in the console's language, each field named."""
    return worker_i18n.explain(exc, current)


def refusal(exc: Exception) -> str:
    """A request's failure for people in the console's language: a question refused before
    asking (a ``RequestFailed`` of kind "invalid", caused by the contract's ValidationError), or
    the client's phrase (no answer, not allowed, refused); any other failure as it was written."""
    cause = exc.__cause__
    if getattr(exc, "why", None) == "invalid" and isinstance(cause, ValidationError):
        return QCoreApplication.translate("RequestFailed", "Cannot ask for that: {reasons}").format(
            reasons=explain(cause))
    return say(getattr(exc, "phrase", None), str(exc))


def _lrelease() -> str | None:
    """``lrelease`` of the installed PySide6 (a binary in its package folder), else one on PATH."""
    import PySide6

    exe = Path(PySide6.__file__).parent / ("lrelease.exe" if sys.platform == "win32" else "lrelease")
    return str(exe) if exe.exists() else shutil.which("pyside6-lrelease") or shutil.which("lrelease")


def build(out_dir: Path, langs: tuple[str, ...] = TRANSLATED) -> list[Path]:
    """Compile the ``.ts`` of ``langs`` into ``out_dir``; the ``.qm`` files written."""
    tool = _lrelease()
    if tool is None:
        raise RuntimeError("lrelease not found: it ships with PySide6 (pip install PySide6-Essentials)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in langs:
        qm = out_dir / f"camcount_{lang}.qm"
        subprocess.run([tool, "-silent", str(ts_file(lang)), "-qm", str(qm)], check=True,
                       capture_output=True)
        written.append(qm)
    return written


def _fresh(qm: Path, ts: Path) -> bool:
    return qm.exists() and (not ts.exists() or qm.stat().st_mtime >= ts.stat().st_mtime)


def qm_file(lang: str) -> Path | None:
    """An up-to-date ``.qm`` for ``lang``: the installed one, else one built now into the user
    data folder (None, and a log line, when neither can be had)."""
    ts = ts_file(lang)
    installed = ts_dir() / f"camcount_{lang}.qm"
    if _fresh(installed, ts):
        return installed
    built = data_dir() / "i18n" / installed.name
    if _fresh(built, ts):
        return built
    try:
        return build(built.parent, (lang,))[0]
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        log.warning("no %s translation: %s", lang, exc)
        return None


def install(choice: str | None) -> str:
    """Translate the application into the chosen (or the OS's) language and make dates, times and
    numbers follow its locale. Call once, after the QApplication and before any window."""
    global current
    app = QCoreApplication.instance()
    lang = current = resolve(choice)
    add_font()
    # the OS's own locale when it speaks that language (en_GB keeps its 24-hour clock, ru_UA its
    # dates), else the language's usual one
    system = QLocale.system()
    same = QLocale.languageToCode(system.language()) == lang
    QLocale.setDefault(system if same else QLocale(lang))
    from camcount_desktop.analytics import model

    model.DATE_LOCALE = None if lang == "en" else lang
    if lang == "en":
        return lang
    # Qt's own words (standard buttons, file dialogs) where Qt has the language, then ours
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        _use(app, qt_own)
    ours = QTranslator(app)
    if (qm := qm_file(lang)) is not None and ours.load(str(qm)):
        _use(app, ours)
    return lang


def _use(app: QCoreApplication, translator: QTranslator) -> None:
    app.installTranslator(translator)
    _installed.append(translator)


def uninstall() -> None:
    """Back to the source language and the OS's locale (tests switch languages in one process)."""
    global current
    current = "en"
    app = QCoreApplication.instance()
    while _installed:
        app.removeTranslator(_installed.pop())
    QLocale.setDefault(QLocale.system())
    from camcount_desktop.analytics import model

    model.DATE_LOCALE = None


def add_font() -> None:
    """Register the bundled font (Latin with Vietnamese, Cyrillic, Hangul) and make it stand in for
    the glyphs the application's font lacks, so that Korean shows even on a system with no Hangul
    font installed."""
    if "CamCount Sans" in QFontDatabase.families():
        return
    font_id = QFontDatabase.addApplicationFont(str(FONT))
    if font_id < 0:
        log.warning("the bundled font %s could not be loaded", FONT)
        return
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    QFont.insertSubstitution(QGuiApplication.font().family(), family)


def update(targets: list[Path] | None = None) -> None:
    """Re-extract every marked string of the console into the ``.ts`` files (``targets``: other
    copies of them), keeping the translations already written."""
    import PySide6

    tool = Path(PySide6.__file__).parent / ("lupdate.exe" if sys.platform == "win32" else "lupdate")
    sources = sorted(str(p) for p in Path(__file__).parent.rglob("*.py"))
    paths = targets or [ts_file(lang) for lang in TRANSLATED]
    subprocess.run([str(tool), "-silent", "-locations", "none", "-no-obsolete", *sources, "-ts",
                    *map(str, paths)], check=True)
    # lupdate takes the code's "#:" documentation comments for notes to translators: drop them
    for path in paths:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\n *<extracomment>.*?</extracomment>", "", text, flags=re.S),
                        encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["build"]:
        out = Path(args[1]) if len(args) > 1 else ts_dir()
        for qm in build(out):
            print(qm)
        return 0
    if args[:1] == ["update"]:
        update()
        return 0
    print("usage: python -m camcount_desktop.i18n build [OUT_DIR] | update", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())


# -- the chosen locale's way with times and numbers (QLocale.setDefault in ``install``) ----------
def clock(moment: datetime) -> str:
    """A local time of day with seconds, written as the chosen locale writes it."""
    local = moment.astimezone()
    fmt = re.sub(r"\s*t+", "", QLocale().timeFormat(QLocale.FormatType.LongFormat))  # no zone name
    return QLocale().toString(QTime(local.hour, local.minute, local.second), fmt.strip())


def date_time(moment: datetime) -> str:
    """A local date and time, short, as the chosen locale writes them."""
    local = moment.astimezone()
    return QLocale().toString(QDateTime(QDate(local.year, local.month, local.day),
                                        QTime(local.hour, local.minute, local.second)),
                              QLocale.FormatType.ShortFormat)


def number(value: float, decimals: int = 0) -> str:
    """A number with the chosen locale's decimal mark and digit grouping (the C locale, where
    none was chosen, groups as English does)."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return f"{value:,.{decimals}f}"
    return locale.toString(float(value), "f", decimals) if decimals else locale.toString(int(value))
