"""Tooltips that wrap: Qt shows plain text on one line however long it is (a sentence runs off
the screen); rich text is word-wrapped at a readable width."""

from __future__ import annotations

import html


def wrapped(text: str) -> str:
    """``text`` as a tooltip Qt word-wraps ("" stays "", so no empty tooltip shows)."""
    return f"<p>{html.escape(text)}</p>" if text else ""
