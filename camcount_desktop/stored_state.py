"""What a console takes from storage, so nothing saved is forgotten on a restart (of the console
or of a detector): at start, the stored zones of its cameras (what the wall draws) and recent
alerts with their acknowledgements; whenever a detector starts counting a camera (its results
count from zero), today's counts stored before that. Questions go over the read-only query
exchange, which an operator account may use too (docs/admin.md). While no analytics worker
answers, the console asks again, less and less often."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from camcount_desktop.alerts.controller import KEEP
from camcount_desktop.wall.counted_before import CountedBefore
from workers.analytics.client import AnalyticsClient, RequestFailed

log = logging.getLogger(__name__)

RETRY_S = 2.0
RETRY_MAX_S = 30.0
T = TypeVar("T")


async def _asking(what: str, ask: Callable[[], Awaitable[T]]) -> T | None:
    """``ask`` until an analytics worker answers; None when it refused (said once, in the log)."""
    wait = RETRY_S
    while True:
        try:
            return await ask()
        except RequestFailed as exc:
            if exc.why != "no_answer":
                log.info("%s not loaded: %s", what, exc)
                return None
            log.debug("no analytics worker answered yet (%s); asking again", exc)
        await asyncio.sleep(wait)
        wait = min(wait * 2, RETRY_MAX_S)


async def load_stored(console) -> None:
    client = AnalyticsClient(console.bus)
    cameras = await _asking("stored zones", client.cameras)
    alerts = await _asking("stored alerts", lambda: client.alerts(limit=KEEP))
    if alerts is not None:
        console.alerts.restore(alerts.alerts)
    for info in cameras.cameras if cameras is not None else []:
        if info.zones_version is None:
            continue
        try:
            zones = await client.latest_zone_set(info.camera_id)
        except RequestFailed as exc:
            log.info("zones of %s not loaded: %s", info.camera_id, exc)
            continue
        if zones is not None:
            console.wall.on_zones(zones)


async def load_counted_before(console, camera_id: str, since: datetime) -> None:
    """Today's line counts of a camera stored before ``since``, when its detector started."""
    client = AnalyticsClient(console.bus)
    reply = await _asking(f"counts of {camera_id} before {since:%H:%M:%S}",
                          lambda: client.totals(camera_id, until=since))
    if reply is not None:
        console.wall.set_counted_before(
            camera_id, since, CountedBefore.by_camera(reply.rows).get(camera_id, CountedBefore()))
