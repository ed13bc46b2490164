"""``camcount-desktop``: the monitoring console."""

from __future__ import annotations

import argparse
import sys

from workers import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="camcount-desktop", description=__doc__)
    parser.add_argument("--version", action="version", version=f"camcount-desktop {__version__}")
    parser.add_argument("--broker", help="amqp(s)://user@host/vhost; default: local mode")
    return parser


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print("camcount-desktop: the console window is not built yet; this release has the message "
          "contracts, buses and topology (camcount-worker topology --help).", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
