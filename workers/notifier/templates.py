"""Email bodies from templates: ``templates/{name}.txt`` and ``{name}.html`` (autoescaped)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).with_name("templates")


class UnknownTemplate(LookupError):
    pass


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                              autoescape=jinja2.select_autoescape(["html"]),
                              undefined=jinja2.ChainableUndefined, keep_trailing_newline=True)


def render(name: str, data: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML bodies of template ``name``."""
    try:
        text = _env().get_template(f"{name}.txt")
        html = _env().get_template(f"{name}.html")
    except jinja2.TemplateNotFound as exc:
        known = sorted(p.stem for p in TEMPLATES.glob("*.txt"))
        raise UnknownTemplate(f"no email template {name!r} (known: {', '.join(known)})") from exc
    return text.render(data), html.render(data)
