"""Form rows with their message under the field: pydantic's reasons shown where they belong."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from camcount_desktop import i18n
from workers.contracts.phrases import phrase_of

ERROR_STYLE = "color:#ff6b6b;"
HINT_STYLE = "color:#999;"


class FieldForm:
    """A form whose rows each hold a widget and, under it, the message of a refused value."""

    def __init__(self) -> None:
        self.layout = QFormLayout()
        self.errors: dict[str, QLabel] = {}
        self._rows: dict[str, QWidget] = {}

    def add(self, key: str, label: str, widget: QWidget, hint: str = "") -> None:
        if isinstance(widget, QLineEdit) and widget.placeholderText():
            # the example in an empty field reads whole: the dialog is as wide as it needs
            widget.setMinimumWidth(
                widget.fontMetrics().horizontalAdvance(widget.placeholderText()) + 24)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(widget)
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setStyleSheet(HINT_STYLE)
            col.addWidget(note)
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        col.addWidget(error)
        self.errors[key], self._rows[key] = error, box
        self.layout.addRow(label, box)

    def set_visible(self, key: str, visible: bool) -> None:
        self.layout.setRowVisible(self._rows[key], visible)

    def visible(self, key: str) -> bool:
        return self.layout.isRowVisible(self._rows[key])

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)


#: what a pattern means, instead of the regular expression pydantic quotes
PATTERN_MEANING = {
    "id": QT_TRANSLATE_NOOP("FieldForm", "use letters, digits, '.', '-' and '_' only (at most 64)"),
    "secret": QT_TRANSLATE_NOOP("FieldForm", "write env:VARIABLE or keyring:service/username"),
    "smtp.password": QT_TRANSLATE_NOOP("FieldForm", "write env:VARIABLE or keyring:service/username"),
}


def field_errors(exc: ValidationError, *, depth: int) -> dict[str, str]:
    """Messages by field name: the loc from ``depth`` up to a list index, dotted
    (``rate_limit.count``, ``channel_limits.email.count``); "" for the model as a whole."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = err["loc"][depth:]
        parts = [str(loc[0])] if loc else []
        for part in loc[1:]:
            if not isinstance(part, str):  # recipients.0: the list's field
                break
            parts.append(part)
        key = ".".join(parts)
        message = plain(err)
        if err["type"] == "string_pattern_mismatch" and key in PATTERN_MEANING:
            message = QCoreApplication.translate("FieldForm", PATTERN_MEANING[key])
        out[key] = f"{out[key]}; {message}" if key in out else message
    return out


#: pydantic's reasons by error type, in the words of the form (its context fills the blanks)
PLAIN = {
    "missing": QT_TRANSLATE_NOOP("FieldForm", "needed"),
    "string_too_short": QT_TRANSLATE_NOOP("FieldForm", "needed"),
    "string_too_long": QT_TRANSLATE_NOOP("FieldForm", "at most {max_length} characters"),
    "too_short": QT_TRANSLATE_NOOP("FieldForm", "give at least {min_length}"),
    "int_parsing": QT_TRANSLATE_NOOP("FieldForm", "a whole number, e.g. 10"),
    "int_from_float": QT_TRANSLATE_NOOP("FieldForm", "a whole number, e.g. 10"),
    "float_parsing": QT_TRANSLATE_NOOP("FieldForm", "a number, e.g. 2.5"),
    "greater_than": QT_TRANSLATE_NOOP("FieldForm", "more than {gt}"),
    "greater_than_equal": QT_TRANSLATE_NOOP("FieldForm", "{ge} or more"),
    "less_than": QT_TRANSLATE_NOOP("FieldForm", "less than {lt}"),
    "less_than_equal": QT_TRANSLATE_NOOP("FieldForm", "{le} at most"),
    "literal_error": QT_TRANSLATE_NOOP("FieldForm", "one of {expected}"),
}


def plain(err) -> str:
    """A refused value's reason in words a person reads, not pydantic's: the form's short words,
    else the contract's sentence for its code, in the console's language."""
    template = PLAIN.get(err["type"])
    if template is None or (err["type"] == "string_too_short"
                            and (err.get("ctx") or {}).get("min_length", 1) > 1):
        return i18n.say(phrase_of(err))
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (err.get("ctx") or {}).items()}
    return QCoreApplication.translate("FieldForm", template).format(**ctx)


def words(edit: QLineEdit) -> list[str]:
    """A comma- or space-separated list typed in a line edit."""
    return [w for w in edit.text().replace(",", " ").split() if w]


def number(edit: QLineEdit) -> str | None:
    """The text of a numeric field (pydantic parses it, and says so when it is not a number);
    None when left empty."""
    return edit.text().strip() or None
