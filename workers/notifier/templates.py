"""Email bodies from templates: ``templates/{name}.txt`` and ``{name}.html`` (autoescaped), in the
site's language (their words are marked ``{{ _("…") }}``; catalogs in ``workers/i18n``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from workers.i18n import translations

TEMPLATES = Path(__file__).with_name("templates")


class UnknownTemplate(LookupError):
    pass


@cache
def _env(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html"]),
                             undefined=jinja2.ChainableUndefined, keep_trailing_newline=True,
                             extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(name: str, data: dict[str, Any], lang: str = "en") -> tuple[str, str]:
    """The text and HTML bodies of template ``name`` in language ``lang``."""
    try:
        text = _env(lang).get_template(f"{name}.txt")
        html = _env(lang).get_template(f"{name}.html")
    except jinja2.TemplateNotFound as exc:
        known = sorted(p.stem for p in TEMPLATES.glob("*.txt"))
        raise UnknownTemplate(f"no email template {name!r} (known: {', '.join(known)})") from exc
    return text.render(data), html.render(data)
