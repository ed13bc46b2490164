"""Running a worker process's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop where it exists (Linux, macOS): it roughly halves the event loop's share of
    each message (bench/bus.py). The console keeps Qt's loop via qasync instead."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
