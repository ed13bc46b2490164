"""camcount-desktop's command line: --help reads as text, every option says what it does, and a
start at the default level logs nothing an operator cannot act on."""

from __future__ import annotations

import logging

from camcount_desktop.app import build_parser, configure_logging


def test_help_is_plain_text_and_every_option_has_help() -> None:
    parser = build_parser()
    text = parser.format_help()
    assert "``" not in text and ":mod:" not in text, "no reST markup in --help"
    for action in parser._actions:
        assert action.help, f"{action.option_strings} has no help"
    assert build_parser().parse_args(["--log-level", "debug"]).log_level == "DEBUG"


def test_migrations_are_not_logged_at_the_default_level() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        assert not logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("alembic").setLevel(logging.NOTSET)
