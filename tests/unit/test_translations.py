"""Every text the console and the workers show people is marked for translation and translated
into every shipped language (vi, ru, ko): the tests a translator and a reviewer lean on."""

from __future__ import annotations

import ast
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator

import camcount_desktop
from camcount_desktop import i18n
from workers import i18n as worker_i18n

CONSOLE = Path(camcount_desktop.__file__).parent
#: Qt calls that put their string arguments on screen, and which arguments those are
SHOWN = {"setText": [0], "setWindowTitle": [0], "setToolTip": [0], "setStatusTip": [0],
         "setPlaceholderText": [0], "setWhatsThis": [0], "addMenu": [0], "addAction": [0],
         "addTab": [1], "insertTab": [2], "setTabText": [1], "addRow": [0], "showMessage": [0],
         "setTitle": [0], "setHeaderLabels": [0], "setHorizontalHeaderLabels": [0],
         "setHeaderLabel": [0], "addItem": [0], "addItems": [0], "setSuffix": [0],
         "setPrefix": [0], "setSpecialValueText": [0], "setLabelText": [0], "setPlainText": [0],
         "setLabel": [1], "getSaveFileName": [1, 3], "getOpenFileName": [1, 3],
         "warning": [1, 2], "information": [1, 2], "critical": [1, 2], "question": [1, 2],
         "getText": [1, 2], "getItem": [1, 2], "getInt": [1, 2], "getColor": [2],
         "QLabel": [0], "QPushButton": [0], "QCheckBox": [0], "QRadioButton": [0], "QAction": [0],
         "QGroupBox": [0], "QDockWidget": [0], "QToolBar": [0], "QMenu": [0], "QToolButton": [0],
         "QMessageBox": [1, 2], "drawText": [2], "draw_label": [2]}
#: an example of what to type (an address, a host name, a secret reference): not a sentence
EXAMPLE = re.compile(r"^[\w.:/<>@ -]*[.:/@][\w.:/<>@ -]*$")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
#: choices that are the very words of the configuration file and its docs (SMTP security, channel)
KEYWORDS = {"starttls tls none", "email webhook"}


def literal_text(node: ast.AST) -> str | None:
    """The words of a string literal, an f-string or a list of them; None for anything else
    (a call to ``tr`` included: that is marked)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant)) or "{}"
    if isinstance(node, (ast.List, ast.Tuple)):
        return " ".join(t for e in node.elts if (t := literal_text(e)))
    if isinstance(node, ast.IfExp):
        return " ".join(t for t in (literal_text(node.body), literal_text(node.orelse)) if t)
    if isinstance(node, ast.BinOp):
        return " ".join(t for t in (literal_text(node.left), literal_text(node.right)) if t)
    return None


def unmarked_strings() -> list[str]:
    found = []
    for path in sorted(CONSOLE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name == "QT_TRANSLATE_NOOP" and not isinstance(node.args[1], ast.Constant):
                found.append(f"{path.name}:{node.lineno}: QT_TRANSLATE_NOOP of a variable "
                             "(lupdate cannot read it)")
            for i in SHOWN.get(name, []):
                text = literal_text(node.args[i]) if i < len(node.args) else None
                if text and re.search(r"[A-Za-z]{2}", text) and not EXAMPLE.match(text) \
                        and text not in KEYWORDS:
                    found.append(f"{path.relative_to(CONSOLE)}:{node.lineno}: {name}({text!r})")
    return found


def test_every_string_the_console_shows_is_marked_for_translation() -> None:
    assert unmarked_strings() == []


def test_the_scan_finds_an_unmarked_string(tmp_path: Path, monkeypatch) -> None:
    """The scan itself: a label written without tr, and an f-string tooltip, are reported."""
    package = tmp_path / "console"
    package.mkdir()
    (package / "view.py").write_text(
        "class V:\n"
        "    def __init__(self):\n"
        "        self.a = QLabel('Cameras')\n"
        "        self.b.setToolTip(f'{n} tiles')\n"
        "        self.c = QLabel(self.tr('Cameras'))\n"
        "        self.d.setPlaceholderText('mail.example.org')\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["CONSOLE"]), "CONSOLE", package)
    assert [f.split(": ", 1)[1] for f in unmarked_strings()] == [
        "QLabel('Cameras')", "setToolTip(' tiles')"]


def messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [(ctx.findtext("name"), m.findtext("source"), m.find("translation"))
            for ctx in root.iter("context") for m in ctx.iter("message")]


@pytest.mark.parametrize("lang", i18n.TRANSLATED)
def test_every_marked_console_string_has_a_finished_translation(lang: str, tmp_path: Path) -> None:
    """Extract the marked strings from the code now (lupdate, into a copy of the shipped .ts):
    a string marked since the .ts was last updated arrives unfinished, and fails here too."""
    ts = tmp_path / i18n.ts_file(lang).name
    shutil.copy(i18n.ts_file(lang), ts)
    i18n.update([ts])
    problems = []
    for context, source, translation in messages(ts):
        text = translation.text or ""
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or not text.strip():
            problems.append(f"{context}: {source!r} has no finished translation")
        elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"{context}: {source!r} -> {text!r}: the placeholders differ")
        elif "&" in source.replace("&&", "") and "&" not in text:
            problems.append(f"{context}: {source!r} -> {text!r}: the shortcut letter is lost")
    assert len(messages(ts)) > 400  # the whole console, not an empty extraction
    assert problems == []


def test_the_translations_compile_and_load(tmp_path: Path) -> None:
    built = i18n.build(tmp_path)
    assert [p.name for p in built] == [f"camcount_{lang}.qm" for lang in i18n.TRANSLATED]
    translator = QTranslator()
    assert translator.load(str(tmp_path / "camcount_ko.qm"))
    assert translator.translate("MainWindow", "&File") == "파일(&F)"
    assert translator.translate("TileView", "NO SIGNAL") == "신호 없음"


@pytest.mark.parametrize("lang", worker_i18n.TRANSLATED)
def test_every_worker_text_has_a_finished_translation(lang: str) -> None:
    """The notifier's and the reports' strings, extracted from the code now, against the .po."""
    catalog = worker_i18n.read_catalog(lang)
    problems = []
    for marked in worker_i18n.template():
        if not marked.id:
            continue
        entry = catalog.get(marked.id)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"{marked.id!r} has no finished translation")
        elif sorted(re.findall(r"%\(\w+\)s", marked.id)) != sorted(
                re.findall(r"%\(\w+\)s", entry.string)):
            problems.append(f"{marked.id!r} -> {entry.string!r}: the placeholders differ")
    assert len(worker_i18n.template()) > 40
    assert problems == []
