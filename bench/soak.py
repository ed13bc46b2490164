"""Soak: the real analytics worker over RabbitMQ under a steady rate, then a rush; nothing lost.

    python bench/soak.py                                  # 60 s at 1,000 results/s, 30 s rush
    python bench/soak.py --rate 1000 --seconds 600 --rush-seconds 60

Processes, as on a site: the analytics worker (``camcount-worker analytics``, SQLite in a
temporary folder, or --db) and two load generators standing in for detector workers with 8
cameras each. Each generator publishes, per result, what a detector does: the live
``DetectionResult`` (for the wall; nobody follows it here, so the broker drops it) and the
frame's count events as a fact through the detector's own ``FactOutbox`` (confirmed, or kept on
disk). Every result here counts one crossing: the most messages per event, the hardest case.

1. steady: ``--rate`` results/s for ``--seconds``;
2. rush: three times the rate for ``--rush-seconds``, with analytics stopped (SIGSTOP, as in a
   long database lock or a swapped-out machine) for the first half, then running again;
3. drain: until every confirmed event is stored (or ``--drain-timeout``).

``--cluster`` runs the same against the 3-node cluster of scripts/rabbit-cluster.sh (started if
it is not running) with quorum queues, and kills (SIGKILL) the node leading the count queue in
the middle of the steady phase, restarting it ``--down-seconds`` later. It adds the longest gap
in confirmations any generator saw, and (``--rates``, also alone with ``--rates-only``) the
confirmed-publish rate into a quorum and a classic count queue on the cluster's nodes.
Reported: results published, facts confirmed and still buffered, events stored, duplicates
(rows beyond distinct events), backlog at the end of each phase, peak backlog, and the RSS of
analytics and of each generator at start and end (memory should stay flat). Ends with one line
of JSON. Goal: 100 % of confirmed events stored, no duplicates, analytics RSS growth < 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aio_pika  # noqa: E402
import psutil  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from workers.bus.declare import connect_first  # noqa: E402
from workers.bus.outbox import FactOutbox  # noqa: E402
from workers.bus.rabbit import RabbitBus  # noqa: E402
from workers.contracts import (  # noqa: E402
    CountEvent,
    CountEvents,
    CountingData,
    Detection,
    DetectionBlock,
    DetectionResult,
    utcnow,
)
from workers.runtime import run  # noqa: E402
from workers.storage import Database, upgrade  # noqa: E402
from workers.storage.models import CountEventRow  # noqa: E402
from workers.topology import Topology  # noqa: E402

BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
CLUSTER_SCRIPT = ROOT / "scripts" / "rabbit-cluster.sh"
GENERATORS = 2
CAMERAS_PER_GENERATOR = 8
GOAL_RSS_GROWTH_MB = 50


# -- a load generator (a process of its own) ------------------------------------------------------
async def generate(namespace: str, name: str, phases: list[tuple[float, float]],
                   outbox_dir: Path, queue_type: str = "classic") -> dict[str, Any]:
    """Publish ``rate`` results/s for ``seconds``, per phase, over CAMERAS_PER_GENERATOR cameras,
    each camera in order as a detector does; print what was confirmed."""
    me = psutil.Process()
    rss_start = me.memory_info().rss
    bus = RabbitBus(BROKER, Topology(namespace, queue_type=queue_type), source=name)
    await bus.start()
    outbox = FactOutbox(bus, outbox_dir / f"{name}.sqlite", name=name)
    await outbox.start()
    gap = 0.0

    async def watch_confirms() -> None:
        """The longest time in which no fact was confirmed (at once or from the outbox)."""
        nonlocal gap
        last_n, last_at = 0, time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            n = outbox.published
            if n != last_n:
                gap = max(gap, time.monotonic() - last_at)
                last_n, last_at = n, time.monotonic()

    watcher = asyncio.create_task(watch_confirms())
    t = bus.topology
    published = confirmed = events = 0

    async def camera(cam: str, rate: float, seconds: float) -> None:
        nonlocal published, confirmed, events
        t0 = time.monotonic()
        i = 0
        while (elapsed := time.monotonic() - t0) < seconds:
            ahead = i / rate - elapsed
            if ahead > 0:
                await asyncio.sleep(ahead)
            now = utcnow()
            event = CountEvent(kind="line", shape_id="door", direction="in" if i % 2 else "out",
                               class_name="person", track_id=i, at=now)
            result = DetectionResult(
                camera_id=cam, frame_id=f"{cam}-{i}", frame_timestamp=now, frame_width=960,
                frame_height=540, detection_results=DetectionBlock(
                    detections=[Detection(class_name="person", confidence=0.8,
                                          bbox=(100, 100, 180, 330), track_id=i)],
                    total_count=1, processing_time=0.03, model_version="soak"),
                counting_data=CountingData(zones_version=1, events=[event]))
            facts = CountEvents(camera_id=cam, frame_id=result.frame_id, frame_timestamp=now,
                                zones_version=1, events=[event])
            if await outbox.put(t.camera_events, t.counts_key(cam), facts):
                confirmed += 1
            events += 1
            try:
                await bus.publish(t.camera_events, t.detection_key(cam), result, mandatory=False,
                                  persistent=False)
            except Exception:
                pass  # live: may be dropped
            published += 1
            i += 1

    per_phase = []
    for rate, seconds in phases:
        before = published
        await asyncio.gather(*(camera(f"{name}-cam{c}", rate / CAMERAS_PER_GENERATOR, seconds)
                               for c in range(CAMERAS_PER_GENERATOR)))
        per_phase.append(published - before)
    # facts the broker did not take at once are sent from the outbox: wait for them
    await outbox.sent()
    watcher.cancel()
    out = {"name": name, "published": published, "events": events, "per_phase": per_phase,
           "longest_confirm_gap_s": round(gap, 1),
           "confirmed_at_once": confirmed, "published_from_outbox": outbox.published - confirmed,
           "rss_start_mb": round(rss_start / 2**20, 1),
           "rss_end_mb": round(me.memory_info().rss / 2**20, 1)}
    await outbox.close()
    await bus.close()
    return out


# -- the soak ---------------------------------------------------------------------------------------
async def stored(db: Database) -> tuple[int, int]:
    e = CountEventRow.__table__.c
    async with db.sessions() as session:
        rows = (await session.execute(sa.select(sa.func.count()).select_from(
            CountEventRow.__table__))).scalar_one()
        distinct = (await session.execute(sa.select(sa.func.count()).select_from(
            sa.select(e.message_id, e.track_id, e.direction).distinct().subquery()))).scalar_one()
    return rows, distinct


async def backlog(queue: str) -> int:
    """Messages ready in the queue, or -1 while the broker cannot tell (restarting)."""
    try:
        conn = await connect_first(BROKER, "soak")
    except (OSError, aio_pika.exceptions.AMQPError):
        return -1
    try:
        q = await (await conn.channel()).declare_queue(queue, passive=True)
        return q.declaration_result.message_count or 0
    except aio_pika.exceptions.AMQPError:
        return -1
    finally:
        await conn.close()


def rss_mb(pid: int) -> float:
    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    namespace = f"soak-{uuid.uuid4().hex[:8]}."
    queue_type = "quorum" if args.cluster else "classic"
    topology = Topology(namespace, queue_type=queue_type)
    declarer = RabbitBus(BROKER, topology, source="soak")
    await declarer.start()  # the topology exists before anyone publishes
    tmp = Path(tempfile.mkdtemp(prefix="camcount-soak-"))
    db_url = args.db or f"sqlite+aiosqlite:///{tmp / 'soak.db'}"
    db = Database(db_url)
    await upgrade(db)
    analytics = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workers.cli", "analytics", "--broker", BROKER, "--namespace",
        namespace, "--db", db_url, *(["--quorum"] if args.cluster else []), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, Any] = {"rate": args.rate, "seconds": args.seconds,
                           "rush_rate": 3 * args.rate, "rush_seconds": args.rush_seconds}
    try:
        await asyncio.sleep(3)  # started and consuming
        out["analytics_rss_start_mb"] = rss_mb(analytics.pid)
        phases = json.dumps([(args.rate / GENERATORS, args.seconds),
                             (3 * args.rate / GENERATORS, args.rush_seconds)])
        generators = [await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--generate", namespace, f"detector-{g}", phases, str(tmp),
            queue_type, cwd=ROOT, stdout=subprocess.PIPE) for g in range(GENERATORS)]
        t0 = time.monotonic()
        peak = 0
        rss: list[tuple[float, float]] = []  # (seconds into the run, MB) of analytics

        async def watch_until(deadline: float) -> int:
            nonlocal peak
            depth = 0
            while time.monotonic() < deadline:
                depth = await backlog(topology.count_events)
                peak = max(peak, depth)
                rss.append((time.monotonic() - t0, rss_mb(analytics.pid)))
                await asyncio.sleep(1.0)
            return depth

        if args.cluster:  # the node leading the count queue dies mid-steady, and comes back
            await watch_until(t0 + args.seconds / 2)
            out["killed_node"] = node = await asyncio.to_thread(leader, topology.count_events)
            await asyncio.to_thread(cluster, "kill", str(node))
            out["killed_at_s"] = round(time.monotonic() - t0, 1)
            await watch_until(time.monotonic() + args.down_seconds)
            await asyncio.to_thread(cluster, "start-node", str(node))
            out["restarted_at_s"] = round(time.monotonic() - t0, 1)
        out["backlog_after_steady"] = await watch_until(t0 + args.seconds)
        out["analytics_rss_after_steady_mb"] = rss_mb(analytics.pid)
        analytics.send_signal(signal.SIGSTOP)  # a stall at the start of the rush
        out["backlog_at_rush_midpoint"] = await watch_until(t0 + args.seconds + args.rush_seconds / 2)
        analytics.send_signal(signal.SIGCONT)
        await watch_until(t0 + args.seconds + args.rush_seconds)
        reports = [json.loads((await g.communicate())[0].decode().strip().splitlines()[-1])
                   for g in generators]
        out["backlog_after_rush"] = await backlog(topology.count_events)
        events = sum(r["events"] for r in reports)
        drain_start = time.monotonic()
        rows = distinct = 0
        while time.monotonic() - drain_start < args.drain_timeout:
            rows, distinct = await stored(db)
            if rows >= events:
                break
            await asyncio.sleep(0.5)
        out["drain_s"] = round(time.monotonic() - drain_start, 1)
        await asyncio.sleep(2)  # anything extra would show now
        rows, distinct = await stored(db)
        out["steady_achieved_per_s"] = round(sum(r["per_phase"][0] for r in reports) / args.seconds)
        out["rush_achieved_per_s"] = round(sum(r["per_phase"][1] for r in reports)
                                           / args.rush_seconds)
        out.update({
            "longest_confirm_gap_s": max(r["longest_confirm_gap_s"] for r in reports),
            "results_published": sum(r["published"] for r in reports),
            "events_confirmed": events, "events_stored": distinct, "duplicates": rows - distinct,
            "stored_pct": round(100 * distinct / events, 3) if events else 0.0,
            "backlog_peak": peak, "backlog_end": await backlog(topology.count_events),
            "analytics_rss_end_mb": rss_mb(analytics.pid), "generators": reports})
        # flat memory: the steady phase's last tenth against its first (after warming up)
        tenth = args.seconds / 10
        first = [mb for at, mb in rss if tenth <= at < 2 * tenth] or [rss[0][1]]
        last = [mb for at, mb in rss if args.seconds - tenth <= at < args.seconds] or [rss[-1][1]]
        out["analytics_rss_growth_mb"] = round(max(last) - max(first), 1)
        return out
    finally:
        if analytics.returncode is None:
            analytics.send_signal(signal.SIGCONT)
            analytics.send_signal(signal.SIGTERM)
            await asyncio.wait_for(analytics.wait(), 60)
        await db.dispose()
        await declarer.close()
        await delete_namespace(topology)


# -- the cluster -------------------------------------------------------------------------------------
def cluster(*args: str) -> str:
    return subprocess.run([str(CLUSTER_SCRIPT), *args], check=True, capture_output=True,
                          text=True, timeout=300).stdout


def leader(queue: str) -> int:
    for node in (1, 2, 3):
        try:
            out = cluster("ctl", str(node), "list_queues", "-q", "--no-table-headers", "name",
                          "leader")
        except subprocess.CalledProcessError:
            continue  # that node is down: ask another
        for line in out.splitlines():
            name, _, at = line.partition("\t")
            if name == queue:
                return int(at.split("@")[0].removeprefix("camcount"))
    raise RuntimeError(f"no leader found for {queue}")


async def confirm_rate(queue_type: str, seconds: float) -> float:
    """Count events published with confirms, 256 in flight, into the count queue: per second."""
    topology = Topology(f"rate-{uuid.uuid4().hex[:8]}.", queue_type=queue_type)  # type: ignore[arg-type]
    bus = RabbitBus(BROKER, topology, source="rate")
    await bus.start()
    try:
        now = utcnow()
        facts = CountEvents(camera_id="cam", frame_id="f", frame_timestamp=now, zones_version=1,
                            events=[CountEvent(kind="line", shape_id="door", direction="in",
                                               class_name="person", track_id=1, at=now)])
        done, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < seconds:
            await asyncio.gather(*(bus.publish(topology.camera_events,
                                               topology.counts_key("cam"), facts)
                                   for _ in range(256)))
            done += 256
        return round(done / (time.monotonic() - t0))
    finally:
        await bus.close()
        await delete_namespace(topology)


async def delete_namespace(topology: Topology) -> None:
    conn = await connect_first(BROKER, "soak")
    try:
        for name in [q.name for q in topology.queues] + [topology.name("analytics.camera.control")]:
            await (await conn.channel()).queue_delete(name)
        for ex in topology.exchanges:
            await (await conn.channel()).exchange_delete(ex.name)
    finally:
        await conn.close()


def report(r: dict[str, Any]) -> str:
    lines = [
        f"steady {r['rate']:,} results/s for {r['seconds']} s, then a rush at {r['rush_rate']:,}/s "
        f"for {r['rush_seconds']} s (analytics stopped for its first half)",
        f"{'results published':<34}{r['results_published']:>12,}  (achieved "
        f"{r['steady_achieved_per_s']:,}/s steady, {r['rush_achieved_per_s']:,}/s in the rush)",
        f"{'count events confirmed':<34}{r['events_confirmed']:>12,}",
        f"{'count events stored':<34}{r['events_stored']:>12,}  ({r['stored_pct']} %)",
        f"{'duplicates':<34}{r['duplicates']:>12,}",
        f"{'backlog after steady / mid-rush':<34}{r['backlog_after_steady']:>12,} / "
        f"{r['backlog_at_rush_midpoint']:,}",
        f"{'backlog peak / after rush / end':<34}{r['backlog_peak']:>12,} / "
        f"{r['backlog_after_rush']:,} / {r['backlog_end']:,}",
        f"{'drain after the rush':<34}{r['drain_s']:>11} s",
        f"{'longest gap in confirmations':<34}{r['longest_confirm_gap_s']:>11} s",
        f"{'analytics RSS start/steady/end':<34}{r['analytics_rss_start_mb']:>9} MB / "
        f"{r['analytics_rss_after_steady_mb']} MB / {r['analytics_rss_end_mb']} MB",
        f"{'analytics RSS growth in steady':<34}{r['analytics_rss_growth_mb']:>9} MB "
        "(its last tenth against its second)",
    ]
    if "killed_node" in r:
        lines.insert(1, f"cluster, quorum queues: node {r['killed_node']} (leading the count "
                        f"queue) killed at {r['killed_at_s']} s, restarted at {r['restarted_at_s']} s")
    for g in r["generators"]:
        lines.append(f"{g['name'] + ' RSS start/end':<34}{g['rss_start_mb']:>9} MB / "
                     f"{g['rss_end_mb']} MB  ({g['published_from_outbox']:,} facts sent from its "
                     "outbox)")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=1000, help="results/s in the steady phase")
    p.add_argument("--seconds", type=float, default=60, help="length of the steady phase")
    p.add_argument("--rush-seconds", type=float, default=30)
    p.add_argument("--drain-timeout", type=float, default=600)
    p.add_argument("--db", help="analytics database URL (default: SQLite in a temporary folder)")
    p.add_argument("--cluster", action="store_true",
                   help="on the 3-node cluster (quorum queues), a node killed and restarted")
    p.add_argument("--down-seconds", type=float, default=10,
                   help="--cluster: how long the killed node stays down")
    p.add_argument("--rates", action="store_true",
                   help="--cluster: also measure the confirmed-publish rate, quorum vs classic")
    p.add_argument("--rates-only", action="store_true", help="only that measurement")
    p.add_argument("--generate", nargs=5, help=argparse.SUPPRESS)
    args = p.parse_args()
    global BROKER
    if args.generate:
        namespace, name, phases, tmp, queue_type = args.generate
        if queue_type == "quorum":
            BROKER = os.environ["CAMCOUNT_SOAK_BROKER"]
        result = run(generate(namespace, name, [tuple(x) for x in json.loads(phases)], Path(tmp),
                              queue_type))
        print(json.dumps(result))
        return
    if args.cluster or args.rates_only:
        BROKER = cluster("start").strip().splitlines()[-1]
        os.environ["CAMCOUNT_SOAK_BROKER"] = BROKER  # for the generators
    if args.rates or args.rates_only:
        rates = {t: run(confirm_rate(t, 10)) for t in ("quorum", "classic")}
        print(f"confirmed publishes/s into the count queue on the cluster (256 in flight): "
              f"quorum {rates['quorum']:,}, classic {rates['classic']:,}")
        if args.rates_only:
            print(json.dumps({"confirmed_per_s": rates}))
            return
    r = run(soak(args))
    met = (r["events_stored"] == r["events_confirmed"] and r["duplicates"] == 0
           and r["analytics_rss_growth_mb"] < GOAL_RSS_GROWTH_MB)
    print(report(r))
    print(f"goal: every confirmed event stored once, analytics RSS growth < {GOAL_RSS_GROWTH_MB} MB "
          f"over the steady phase: {'met' if met else 'NOT met'}")
    print(json.dumps({**r, "met": met}))


if __name__ == "__main__":
    main()
