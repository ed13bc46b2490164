"""The workers' words for people in the site's language (``AlertingConfig.language``): the
notifier's emails and webhook texts, the report files' headings.

gettext catalogs, one ``locale/<lang>.po`` per language, shipped as package data; Babel compiles
a catalog in memory the first time its language is asked for (a few milliseconds), so there is no
compiled ``.mo`` to build or commit and every install path (checkout, pip, PyInstaller) has them.
Dates, times and numbers are written by Babel with the language's CLDR conventions.

``python -m workers.i18n extract`` re-reads the marked strings (``_("…")`` in the modules of
``SOURCES``, ``{{ _("…") }}`` in the notifier's templates) and updates every ``.po``, keeping the
translations already written; a new string arrives untranslated and the tests say so.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal
from pydantic import ValidationError

from workers.contracts.alerting import Language
from workers.contracts.phrases import Phrase, phrases_of, render

LANGUAGES: tuple[Language, ...] = ("en", "vi", "ru", "ko")
TRANSLATED = LANGUAGES[1:]
LOCALE_DIR = Path(__file__).with_name("locale")
#: Latin with Vietnamese, Cyrillic and Hangul in one OFL font, for PDFs and the console
#: (scripts/subset_font.py made it; its licence is beside it)
FONT = Path(__file__).with_name("fonts") / "CamCountSans-Regular.ttf"
DOMAIN = "camcount"
#: where the workers' marked strings are, relative to the ``workers`` package
SOURCES = ("contracts/phrases.py", "models/catalogue.py", "notifier/compose.py",
           "notifier/templates/*", "analytics/report_files.py", "analytics/route_report.py",
           "analytics/site_report.py", "analytics/queries.py",
           "heatmap/report_page.py",
           "alerts/engine.py", "alerts/rules/*.py")


def N_(text: str) -> str:
    """Marks a string for ``extract`` where it is defined; it is translated where it is used."""
    return text


def po_file(lang: str) -> Path:
    return LOCALE_DIR / f"{lang}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang`` (English, and any language without a catalog: the source text)."""
    if lang == "en" or not po_file(lang).exists():
        return gettext.NullTranslations()
    mo = BytesIO()
    write_mo(mo, read_catalog(lang))  # fuzzy entries are left out: they fall back to English
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext


def say(phrase: Phrase, lang: str) -> str:
    """A worker's or a contract's sentence (``workers.contracts.phrases``) in ``lang``."""
    return render(phrase, gettext_for(lang))


def explain(exc: ValidationError, lang: str) -> str:
    """Why pydantic refused, one sentence per error in ``lang``: for people (the HTTP API, the
    command line, the console); dead letters and logs keep pydantic's English (``describe``)."""
    return "; ".join(f"{field}: {say(p, lang)}" if field else say(p, lang)
                     for field, p in phrases_of(exc))


def cli_language() -> str:
    """The language of a command's messages: ``$CAMCOUNT_LANGUAGE``, else the locale's
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) when shipped, else English. A command run on a
    terminal has no site settings to ask; the person at it has a locale."""
    for var in ("CAMCOUNT_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(var, ""):
            lang = value.replace("-", "_").split("_")[0].split(".")[0].lower()
            return lang if lang in LANGUAGES else "en"
    return "en"


def local_time(at: datetime, timezone: str, lang: str = "en") -> str:
    """``2026-12-01 07:00:03 CET`` in English; the language's own medium date and time otherwise,
    with the zone's abbreviation, as an operator in the site's zone reads it."""
    local = at.astimezone(ZoneInfo(timezone))
    if lang == "en":
        return local.strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"{format_datetime(local, 'medium', locale=lang)} {local.strftime('%Z')}"


def number(value: float, lang: str = "en", decimals: int = 0) -> str:
    """A count or a measure with the language's decimal mark and digit grouping."""
    if lang == "en":
        return f"{value:.{decimals}f}"
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=fmt, locale=lang)


def template() -> Catalog:
    """Every string marked in ``SOURCES``, as the catalog the ``.po`` files follow."""
    root = Path(__file__).resolve().parents[1]
    method_map = [(pattern, "jinja2" if pattern.startswith("notifier/templates") else "python")
                  for pattern in SOURCES]
    options = {"notifier/templates/*": {"extensions": "jinja2.ext.i18n"}}
    catalog = Catalog(domain=DOMAIN, project="CamCount")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options, keywords={"_": None, "N_": None},
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(lang: str) -> Catalog:
    with po_file(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def extract() -> None:
    """Update every ``.po`` with the strings marked in ``SOURCES`` (see the module docstring)."""
    marked = template()
    for lang in TRANSLATED:
        path = po_file(lang)
        catalog = read_catalog(lang) if path.exists() else Catalog(
            locale=lang, domain=DOMAIN, project="CamCount")
        catalog.update(marked, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as f:
            write_po(f, catalog, no_location=True, width=100)
