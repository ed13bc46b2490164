"""Aggregating count events into period buckets, and noticing events that arrive late.

Aggregates are a cache of the count events, never the only copy: a bucket is recomputed from
the events in full, so running a job twice, or two workers running it at once, gives the same
rows. Buckets are by camera, period, time zone, shape, direction and class.

An event is *late* when its bucket was aggregated already (any time zone), or when its bucket in
the worker's time zone closed more than ``grace`` ago: the scheduler aggregates a bucket
``grace`` after it ends, so an event committed later than that may have been missed. Either way
the bucket is aggregated again by a job on ``analytics.jobs``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from workers.analytics.buckets import (
    PERIODS,
    SLOT_SECONDS,
    Bucket,
    BucketIndex,
    bucket_of,
    buckets,
    slot_start,
)
from workers.analytics.ingest import batch_transaction
from workers.contracts import AnalyticsJob, JobParameters, TimeRange, utcnow
from workers.storage import Database
from workers.storage.aggregates import (
    BucketKey,
    buckets_covering,
    replace_aggregates,
    upsert_buckets,
)
from workers.storage.events import SlotCount, slot_counts


def aggregation_job(camera_id: str, period: str, timezone: str, start: datetime,
                    end: datetime) -> AnalyticsJob:
    return AnalyticsJob(job_type=f"{period}_aggregation", camera_id=camera_id,
                        time_range=TimeRange(start=start, end=end),
                        parameters=JobParameters(timezone=timezone))


def job_for(key: BucketKey) -> AnalyticsJob:
    return aggregation_job(key.camera_id, key.period, key.timezone, key.start, key.end)


def job_routing_key(job: AnalyticsJob) -> str:
    return f"analytics.{job.period}.{job.camera_id}"


class Totals:
    """In/out counts and dwell of one bucket (or any group of events)."""

    __slots__ = ("count_in", "count_out", "dwell_sum", "dwell_samples")

    def __init__(self) -> None:
        self.count_in = self.count_out = self.dwell_samples = 0
        self.dwell_sum = 0.0

    def add(self, direction: str, count: int, dwell_sum: float, dwell_samples: int) -> None:
        if direction == "in":
            self.count_in += count
        else:
            self.count_out += count
        self.dwell_sum += dwell_sum
        self.dwell_samples += dwell_samples

    @property
    def mean_dwell(self) -> float | None:
        return self.dwell_sum / self.dwell_samples if self.dwell_samples else None


def fold_slots(slots: Iterable[SlotCount], index: BucketIndex) -> dict[tuple[Any, ...], list[float]]:
    """Sum slot counts into (bucket start, kind, shape, direction, class) -> [n, dwell, samples]."""
    out: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for sc in slots:
        bucket = index.find(slot_start(sc.slot))
        if bucket is None:
            continue
        acc = out[(bucket.start, sc.kind, sc.shape_id, sc.direction, sc.class_name)]
        acc[0] += sc.count
        acc[1] += sc.dwell_seconds_sum
        acc[2] += sc.dwell_samples
    return out


class Aggregator:
    def __init__(self, db: Database, timezone: str, grace: timedelta):
        self.db = db
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.grace = grace
        self.jobs_done = 0

    async def run(self, job: AnalyticsJob, now: datetime | None = None) -> list[Bucket]:
        """Aggregate the closed buckets of ``job``'s period that overlap its time range."""
        now = now or utcnow()
        period, tzname = job.period, job.parameters.timezone
        items = [b for b in buckets(period, job.time_range.start, job.time_range.end,
                                    ZoneInfo(tzname)) if b.end <= now]
        if not items:
            return []
        start, end = items[0].start, items[-1].end
        keys = [BucketKey(job.camera_id, period, tzname, b.start, b.end) for b in items]
        async with batch_transaction(self.db) as session:  # a database away: Unavailable
            # Lock first, read second: a concurrent run of the same buckets waits for this one
            # and then counts everything this one counted, and more.
            await upsert_buckets(session, keys, now)
            slots = await slot_counts(session, [job.camera_id], start, end)
            folded = fold_slots(slots, BucketIndex(items))
            rows = [{"bucket_start": b, "kind": kind, "shape_id": shape, "direction": d,
                     "class_name": cls, "count": int(n), "dwell_seconds_sum": dw,
                     "dwell_samples": int(dn)}
                    for (b, kind, shape, d, cls), (n, dw, dn) in folded.items()]
            totals: dict[datetime, int] = defaultdict(int)
            for r in rows:
                totals[r["bucket_start"]] += r["count"]
            await replace_aggregates(session, job.camera_id, period, tzname, start, end, rows)
            await upsert_buckets(session, keys, now, events=totals)
        self.jobs_done += 1
        return items

    async def late_buckets(self, rows: Sequence[dict[str, Any]], now: datetime | None = None,
                           ) -> list[BucketKey]:
        """Buckets that committed ``rows`` change after they were (or should have been) aggregated."""
        now = now or utcnow()
        # Only an event whose quarter hour is over can be in a closed bucket, and every bucket
        # edge is a quarter hour: one representative instant per camera and quarter hour will do.
        slot = timedelta(seconds=SLOT_SECONDS)
        late: dict[tuple[str, datetime], datetime] = {}
        for r in rows:
            start = slot_start(int(r["at"].timestamp()))
            if start + slot <= now:
                late.setdefault((r["camera_id"], start), r["at"])
        if not late:
            return []
        found: set[BucketKey] = set()
        for (camera_id, _), at in late.items():
            for period in PERIODS:
                b = bucket_of(period, at, self.tz)
                if b.end + self.grace <= now:
                    found.add(BucketKey(camera_id, period, self.timezone, b.start, b.end))
        async with self.db.sessions() as session:
            covering = await buckets_covering(session, sorted({cam for cam, _ in late}),
                                              min(late.values()), max(late.values()))
        for key in covering:
            if any(cam == key.camera_id and key.start <= at < key.end
                   for (cam, _), at in late.items()):
                found.add(key)
        return sorted(found, key=lambda k: (k.camera_id, k.period, k.timezone, k.start))
