"""A string marked for translation where lupdate cannot see it is never translated: lupdate reads
``self.tr("…")`` in the code, but not inside an f-string's braces, so such a string stays English
in every language (the analytics chart's "all classes" did) while the tests that compare the .ts
files with the code find nothing missing."""

from __future__ import annotations

import ast
from pathlib import Path

import camcount_desktop

CONSOLE = Path(camcount_desktop.__file__).parent
#: the marking calls, and which argument is the text (translate's first is the context)
MARKERS = {"tr": 0, "translate": 1}


def hidden_marks(source: str) -> list[int]:
    """Lines of ``tr``/``translate`` calls inside f-string replacement fields."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FormattedValue):
            for inner in ast.walk(node.value):
                if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr in MARKERS):
                    continue
                # a variable's text was marked where it is written (QT_TRANSLATE_NOOP): fine
                text = inner.args[MARKERS[inner.func.attr]:][:1]
                if text and isinstance(text[0], ast.Constant) and isinstance(text[0].value, str):
                    lines.append(inner.lineno)
    return lines


def test_no_marked_string_hides_inside_an_f_string() -> None:
    found = [f"{path.relative_to(CONSOLE)}:{line}" for path in sorted(CONSOLE.rglob("*.py"))
             for line in hidden_marks(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_scan_finds_a_mark_inside_an_f_string() -> None:
    assert hidden_marks('x = f"{a or self.tr(\'all classes\')} · {b}"\n') == [1]
    assert hidden_marks('x = self.tr("all classes")\ny = f"{x} · {b}"\n') == []
    assert hidden_marks('x = f"{QCoreApplication.translate(\'Dialog\', names[k])}"\n') == []
