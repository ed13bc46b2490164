"""Waiting in tests for what a user would notice: poll, letting asyncio (and Qt, under qasync)
run, until it is there; fail saying what did not come."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def until(condition: Callable[[], T], timeout: float = 10.0, what: str = "",
                interval: float = 0.02) -> T:
    """Until ``condition()`` is true; its value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        await asyncio.sleep(interval)
    return value


async def until_fetched(fetch: Callable[[], Awaitable[T]], ok: Callable[[T], object] = bool,
                        timeout: float = 15.0, interval: float = 0.05, what: str = "") -> T:
    """Until ``ok(await fetch())``; the value fetched. Fails showing the last one."""
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or fetch} "
                                 f"(last: {value!r})")
        await asyncio.sleep(interval)
