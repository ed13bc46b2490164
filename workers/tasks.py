"""Stopping background tasks so that a stop always ends."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

#: how often a task that is still running is cancelled again
RECANCEL_S = 0.5


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None, timeout: float = 10.0) -> None:
    """Cancel ``tasks`` and wait until they have ended, cancelling again while one runs on.

    One ``cancel()`` is not always enough: a library can swallow it (Python 3.11's
    ``asyncio.wait_for`` returns the result when its inner call completes at the moment of the
    cancel, and aio-pika may turn a cancelled channel open into a channel error that a retry
    loop catches). A stop that waited on such a task would wait forever. After ``timeout`` the
    task is left behind with a warning rather than hanging the caller.
    """
    pending = {t for t in tasks if t is not None and not t.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending:
        for t in pending:
            t.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(RECANCEL_S, timeout))
        if pending and loop.time() >= deadline:
            log.warning("%d task(s) did not stop within %g s: %s", len(pending), timeout,
                        ", ".join(t.get_name() for t in pending))
            return
    for t in tasks:  # retrieve outcomes so asyncio does not log them as never retrieved
        if t is not None and t.done() and not t.cancelled():
            t.exception()
