"""Publishing aggregation jobs when periods end, in the worker's time zone.

``grace`` after an hour (day, week, month) ends, one job per camera goes to ``analytics.jobs``
(``analytics.{period}.{camera_id}``) covering every bucket closed since the last time. The mark
of how far jobs were published lives in the database, so a worker that was down catches up (up
to ``catch_up`` back) and, of several analytics workers, exactly one publishes each period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from workers.analytics.aggregation import aggregation_job
from workers.analytics.buckets import PERIODS, bucket_of, bucket_start
from workers.contracts import AnalyticsJob, utcnow
from workers.storage import Database
from workers.storage.aggregates import claim_schedule
from workers.storage.cameras import active_camera_ids

log = logging.getLogger(__name__)

#: the longest the scheduler sleeps, so a suspended machine or a clock change is noticed soon
MAX_SLEEP_S = 60.0


class Scheduler:
    def __init__(self, db: Database, publish: Callable[[AnalyticsJob], Awaitable[None]], *,
                 timezone: str, grace: timedelta, catch_up: timedelta = timedelta(days=35)):
        self.db = db
        self.publish = publish
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.grace = grace
        self.catch_up = catch_up

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("aggregation scheduler tick failed; trying again shortly")
            await asyncio.sleep(self.sleep_seconds(utcnow()))

    def sleep_seconds(self, now: datetime) -> float:
        """Until the next bucket end plus grace (the hour's, which always comes first)."""
        due = bucket_of("hourly", now - self.grace, self.tz).end + self.grace
        return min(MAX_SLEEP_S, max(0.5, (due - now).total_seconds()))

    async def tick(self, now: datetime | None = None) -> list[AnalyticsJob]:
        """Publish the jobs of every period that ended (plus grace) since the last tick."""
        now = now or utcnow()
        jobs: list[AnalyticsJob] = []
        for period in PERIODS:
            # Buckets ending at or before this have been closed for at least ``grace``.
            until = bucket_start(period, now - self.grace, self.tz)
            async with self.db.transaction() as session:
                start = await claim_schedule(session, period, self.timezone, until,
                                             first_start=until - self.catch_up)
                cameras = await active_camera_ids(session) if start is not None else []
            if start is not None:
                start = max(start, until - self.catch_up)
                jobs += [aggregation_job(cam, period, self.timezone, start, until) for cam in cameras]
        for job in jobs:
            try:
                await self.publish(job)
            except Exception as exc:  # its buckets stay unaggregated: queries count them live
                log.warning("could not publish %s for %s: %r", job.job_type, job.camera_id, exc)
        return jobs
