"""Count event storage and the console's 30-day query, on SQLite and PostgreSQL.

    python bench/ingest.py      # PostgreSQL at $CAMCOUNT_TEST_POSTGRES or postgres@127.0.0.1/test

Per database (SQLite: a file in a temporary folder; PostgreSQL: a database created for the run
and dropped after):
1. unbatched baseline: one transaction per detection result, one result after another (what a
   handler that commits its own message does);
2. batched: the analytics worker's Ingestor fed by 256 concurrent handlers (the worker's consumer
   concurrency), committing per batch; each result carries 4 count events (a busy entrance; the
   many results with no events cost no write at all). The bus itself is measured by bench/bus.py;
3. a 30-day hourly series for one camera (~43,000 events), asked over request/reply on the
   in-process bus as the console does: read from aggregates (after one aggregation job), and
   counted live from the events (before it) for comparison.
Goals: >= 2,000 count events/s batched; a 30-day hourly query answered in < 200 ms.
Ends with one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from workers.analytics import AnalyticsClient  # noqa: E402
from workers.analytics.aggregation import Aggregator, aggregation_job  # noqa: E402
from workers.analytics.buckets import bucket_start  # noqa: E402
from workers.analytics.ingest import Ingestor, event_rows  # noqa: E402
from workers.analytics.queries import QueryService  # noqa: E402
from workers.bus import InProcessBus  # noqa: E402
from workers.contracts import (  # noqa: E402
    CountEvent,
    CountingData,
    DetectionBlock,
    DetectionResult,
    utcnow,
)
from workers.contracts.queries import AnalyticsRequest  # noqa: E402
from workers.runtime import run  # noqa: E402
from workers.storage import Database, upgrade  # noqa: E402
from workers.storage.events import count_stored  # noqa: E402

POSTGRES = os.environ.get("CAMCOUNT_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1/test")
TZ = "Europe/Berlin"
EVENTS_PER_RESULT = 4
N_UNBATCHED = 500
N_BATCHED = 20_000
CONCURRENCY = 256
CAMERAS = 16
QUERY_DAYS = 30
EVENTS_PER_HOUR = 60
QUERY_RUNS = 20
GOAL_EVENTS_PER_S = 2_000
GOAL_QUERY_MS = 200


def detection(camera: str, i: int, base) -> DetectionResult:
    at = base + timedelta(seconds=i)
    events = [CountEvent(kind="line" if k % 2 == 0 else "zone", shape_id=f"shape-{k % 2}",
                         direction="in" if k < 2 else "out", class_name="person",
                         track_id=i * 10 + k, at=at, dwell_seconds=3.5 if k == 3 else None)
              for k in range(EVENTS_PER_RESULT)]
    return DetectionResult(
        camera_id=camera, frame_id=f"f{i}", frame_timestamp=at, frame_width=960,
        frame_height=540,
        detection_results=DetectionBlock(total_count=2, processing_time=0.02, model_version="bench"),
        counting_data=CountingData(zones_version=1, events=events))


async def unbatched(db: Database) -> float:
    ingestor = Ingestor(db)
    base = utcnow() - timedelta(days=1)
    results = [detection(f"cam-{i % CAMERAS}", i, base) for i in range(N_UNBATCHED)]
    start = time.perf_counter()
    for r in results:
        await ingestor.write(event_rows(r, None, utcnow()))
    return N_UNBATCHED * EVENTS_PER_RESULT / (time.perf_counter() - start)


async def batched(db: Database) -> float:
    ingestor = Ingestor(db, max_messages=CONCURRENCY)
    ingestor.start()
    base = utcnow() - timedelta(days=2)
    results = [detection(f"cam-{i % CAMERAS}", i, base) for i in range(N_BATCHED)]
    queue: asyncio.Queue[DetectionResult] = asyncio.Queue()
    for r in results:
        queue.put_nowait(r)

    async def handler() -> None:  # as one of the bus consumer's concurrent handlers
        while not queue.empty():
            await ingestor.ingest(queue.get_nowait(), "trace")

    start = time.perf_counter()
    await asyncio.gather(*(handler() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    await ingestor.close()
    return N_BATCHED * EVENTS_PER_RESULT / elapsed


async def query_month(db: Database) -> dict[str, float]:
    """Store 30 days of events for one camera, then time the hourly series before and after
    aggregating them."""
    end = bucket_start("hourly", utcnow(), ZoneInfo(TZ))
    start = end - timedelta(days=QUERY_DAYS)
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    hours = QUERY_DAYS * 24
    for h in range(hours):
        for k in range(EVENTS_PER_HOUR):
            at = start + timedelta(hours=h, seconds=rng.uniform(0, 3599))
            rows.append({"message_id": f"m{h}-{k}", "trace_id": None, "camera_id": "cam-month",
                         "zones_version": 1, "kind": "line", "shape_id": f"door-{k % 2}",
                         "direction": "in" if k % 3 else "out", "class_name": "person",
                         "track_id": k, "at": at, "dwell_seconds": None, "received_at": at})
    ingestor = Ingestor(db)
    for i in range(0, len(rows), 5_000):
        await ingestor.write(rows[i:i + 5_000])

    bus = InProcessBus(source="bench")
    await bus.start()
    await bus.serve(bus.topology.rpc_analytics, QueryService(db, TZ).handle, model=AnalyticsRequest)
    client = AnalyticsClient(bus, timeout=30)

    async def timed(runs: int) -> list[float]:
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            reply = await client.series(camera_id="cam-month", period="hourly", start=start, end=end)
            out.append((time.perf_counter() - t0) * 1000)
            assert len(reply.points) == hours and reply.total_in + reply.total_out == len(rows)
        return out

    live = await timed(3)
    t0 = time.perf_counter()
    await Aggregator(db, TZ, timedelta(minutes=1)).run(
        aggregation_job("cam-month", "hourly", TZ, start, end))
    aggregate_s = time.perf_counter() - t0
    cached = await timed(QUERY_RUNS)
    await bus.close()
    return {"events": len(rows), "aggregate_30d_s": round(aggregate_s, 2),
            "query_ms_median": round(statistics.median(cached), 1),
            "query_ms_max": round(max(cached), 1),
            "query_live_ms_median": round(statistics.median(live), 1)}


@asynccontextmanager
async def database(kind: str) -> AsyncIterator[Database]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            try:
                await upgrade(db)
                yield db
            finally:
                await db.dispose()
        return
    name = f"camcount_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        db = Database(sa.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False))
        try:
            await upgrade(db)
            yield db
        finally:
            await db.dispose()
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def bench(kind: str) -> dict[str, Any]:
    async with database(kind) as db:
        base = await unbatched(db)
        fast = await batched(db)
        async with db.sessions() as session:
            stored = await count_stored(session)
        assert stored == (N_UNBATCHED + N_BATCHED) * EVENTS_PER_RESULT, stored
        month = await query_month(db)
    return {"unbatched_events_per_s": round(base), "batched_events_per_s": round(fast),
            "ratio": round(fast / base, 1), **month}


async def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("sqlite", "postgresql"):
        try:
            out[kind] = await bench(kind)
        except OSError as exc:  # no PostgreSQL here: say so rather than fail the whole run
            out[kind] = {"skipped": f"unreachable: {exc}"}
    return out


def table(results: dict[str, Any]) -> str:
    head = (f"{'store':<11} {'unbatched ev/s':>15} {'batched ev/s':>13} {'ratio':>6} "
            f"{'aggregate 30 d':>15} {'30-day hourly query':>20} {'counted live':>13}")
    lines = [head, "-" * len(head)]
    for kind, r in results.items():
        if "skipped" in r:
            lines.append(f"{kind:<11} skipped ({r['skipped']})")
            continue
        lines.append(
            f"{kind:<11} {r['unbatched_events_per_s']:>15,} {r['batched_events_per_s']:>13,} "
            f"{r['ratio']:>5}x {r['aggregate_30d_s']:>13} s "
            f"{r['query_ms_median']:>9} ms (max {r['query_ms_max']:>5}) "
            f"{r['query_live_ms_median']:>9} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    results = run(main())
    measured = [r for r in results.values() if "skipped" not in r]
    met = bool(measured) and all(r["batched_events_per_s"] >= GOAL_EVENTS_PER_S
                                 and r["query_ms_max"] < GOAL_QUERY_MS for r in measured)
    print(f"{N_BATCHED:,} results x {EVENTS_PER_RESULT} events from {CAMERAS} cameras, "
          f"{CONCURRENCY} concurrent handlers; 30-day hourly query: median of {QUERY_RUNS}, "
          f"over the in-process bus, time zone {TZ}")
    print(table(results))
    print(f"goals: >= {GOAL_EVENTS_PER_S:,} events/s batched, 30-day hourly query < "
          f"{GOAL_QUERY_MS} ms: {'met' if met else 'NOT met'}")
    print(json.dumps({**results, "goals": {"events_per_s": GOAL_EVENTS_PER_S,
                                           "query_ms": GOAL_QUERY_MS}, "met": met}))
