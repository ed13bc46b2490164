"""What a console takes from storage when it starts, so nothing saved is forgotten on a restart:
the stored zones of its cameras (what the wall draws), recent alerts with their acknowledgements,
and, when it hosts the detector (local mode), today's counts from before this start. Local mode
asks its own analytics worker until it answers (it starts with the console); connected to a
broker, the console asks once (an operator account may not ask at all: every refused request
closes the channel other requests share)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from camcount_desktop.alerts.controller import KEEP
from camcount_desktop.wall.counted_before import CountedBefore
from workers.analytics.client import AnalyticsClient, RequestFailed

log = logging.getLogger(__name__)

RETRY_S = 2.0


async def load_stored(console, started_at: datetime) -> None:
    client = AnalyticsClient(console.bus)
    while True:
        try:
            cameras = await client.cameras()
            alerts = await client.alerts(limit=KEEP)
            totals = await client.totals(until=started_at) if console.runtime is not None else None
            break
        except RequestFailed as exc:
            # an operator account may not ask; connected to a broker, the console asks once
            if exc.why != "no_answer" or console.runtime is None:
                log.info("stored zones and alerts not loaded: %s", exc)
                return
            log.debug("no analytics worker answered yet (%s); asking again", exc)
            await asyncio.sleep(RETRY_S)
    if totals is not None:
        console.wall.counted_before.update(CountedBefore.by_camera(totals.rows))
    console.alerts.restore(alerts.alerts)
    for info in cameras.cameras:
        if info.zones_version is None:
            continue
        try:
            zones = await client.latest_zone_set(info.camera_id)
        except RequestFailed as exc:
            log.info("zones of %s not loaded: %s", info.camera_id, exc)
            continue
        if zones is not None:
            console.wall.on_zones(zones)
