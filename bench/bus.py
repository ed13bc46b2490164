"""Bus throughput and latency, in-process vs RabbitMQ, with publisher confirms.

    python bench/bus.py            # RabbitMQ at $CAMCOUNT_TEST_BROKER or amqp://guest:guest@127.0.0.1/

1. confirmed publishes/s: one at a time (the baseline) and with up to 256 unconfirmed in flight;
   the latter against bare aio-pika publishing the same messages the same way, in turns: our
   wrapper (contracts, size limits, mandatory, timeouts, metrics) should cost nothing measurable;
2. end to end: a producer paced at 1,000 msg/s for 5 s into a work queue and a validating
   consumer; latency = receipt - send time (p50/p99), rate = messages / (last receipt - first
   send). On RabbitMQ the producer is its own process, as a camera worker is; the in-process bus
   has both in one process by definition;
3. end to end flat out: as fast as producer and consumer go.
Seed targets on RabbitMQ: >= 3,000 confirmed publishes/s, >= 1,000 msg/s end to end, p99 < 100 ms;
ours >= 0.95x bare aio-pika.
Worker processes run on uvloop (workers.runtime), so this does too. Ends with one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.bus import Bus, Delivery, InProcessBus  # noqa: E402
from workers.bus.rabbit import RabbitBus  # noqa: E402
from workers.contracts import SystemEvent  # noqa: E402
from workers.runtime import run as run_loop  # noqa: E402
from workers.topology import QueueSpec, Topology  # noqa: E402

BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
N_SEQUENTIAL = 2_000
N_WINDOWED = 20_000
WINDOW = 256
ROUNDS = 3  # of the windowed publish, ours and bare aio-pika in turn (median)
PACED_RATE = 1_000
PACED_SECONDS = 5
N_FLAT = 20_000


def event(i: int) -> SystemEvent:
    return SystemEvent(event_type="health", source="bench", data={"i": i, "worker": "bench-1"})


def through(bus: Bus, queue: str) -> Callable[[int], Awaitable[None]]:
    """Publish event ``i`` through our bus."""
    return lambda i: bus.publish("", queue, event(i), headers={"sent": repr(time.time())})


async def produce(publish: Callable[[int], Awaitable[None]], n: int,
                  rate: float | None) -> tuple[float, float]:
    """Publish n events (paced at ``rate``/s if given), 256 in flight; returns publishes/s and
    this process's CPU time per publish in microseconds (what the client costs, whatever the
    broker's speed: on a loaded machine the broker sets the rate)."""
    sem = asyncio.Semaphore(WINDOW)
    tasks: list[asyncio.Task[None]] = []

    async def send(i: int) -> None:
        async with sem:
            await publish(i)

    start, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        if rate is not None and (delay := start + i / rate - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
        if len(tasks) >= 1000:
            await asyncio.gather(*tasks)
            tasks.clear()
    await asyncio.gather(*tasks)
    return n / (time.perf_counter() - start), 1e6 * (time.process_time() - cpu) / n


async def bare_publish_rate(queue_name: str, n: int) -> tuple[float, float]:
    """The same messages, confirmed, by aio-pika alone: what our publish path is measured against.

    Each message is built and serialised as ours are (the same event, pydantic's JSON), sent
    persistent and mandatory to a durable queue of its own, as many in flight. Only the bench
    imports aio-pika outside ``workers/bus``: it is the baseline, not a second path."""
    import aio_pika

    conn = await aio_pika.connect_robust(BROKER)
    try:
        ch = await conn.channel(publisher_confirms=True, on_return_raises=True)
        queue = await ch.declare_queue(queue_name, durable=True)

        async def send(i: int) -> None:
            msg = event(i)
            await ch.default_exchange.publish(
                aio_pika.Message(msg.model_dump_json(by_alias=True).encode(),
                                 headers={"sent": repr(time.time())}, message_id=msg.message_id,
                                 app_id="bench", content_type="application/json",
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                queue.name, mandatory=True, timeout=30)

        return await produce(send, n, None)
    finally:
        await conn.close()


async def publish_rate(bus: Bus, n: int, window: int) -> tuple[float, float]:
    # Its own unbounded queue: a full drop-head queue with a DLX would dead-letter a message
    # for every one published, measuring the overflow instead of the publish.
    spec = QueueSpec(bus.topology.name("bench.publish"))
    await bus.declare_queue(spec)
    if window > 1:
        return await produce(through(bus, spec.name), n, None)
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        await bus.publish("", spec.name, event(i))
    return n / (time.perf_counter() - start), 1e6 * (time.process_time() - cpu) / n


async def end_to_end(bus: Bus, n: int, rate: float | None) -> dict[str, float]:
    spec = QueueSpec(bus.topology.name("bench.e2e"))
    await bus.declare_queue(spec)
    sent: list[float] = []
    received: list[float] = []
    done = asyncio.Event()

    async def handle(msg: SystemEvent, d: Delivery) -> None:
        received.append(time.time())
        sent.append(float(d.headers["sent"]))
        if len(received) == n:
            done.set()

    sub = await bus.consume(spec, handle, model=SystemEvent, prefetch=256, concurrency=1)
    if isinstance(bus, InProcessBus):
        await produce(through(bus, spec.name), n, rate)
    else:
        args = [sys.executable, __file__, "--produce", bus.topology.namespace, str(n), str(rate or 0)]
        proc = await asyncio.create_subprocess_exec(*args)
        if await proc.wait() != 0:
            raise RuntimeError("producer process failed")
    await asyncio.wait_for(done.wait(), 120)
    await sub.cancel()
    # from the first message sent to the last one handled: the producer process's start-up
    # (interpreter, imports, connection) is not message traffic
    elapsed = max(received) - min(sent)
    lat = sorted(r - s for r, s in zip(received, sent, strict=True))
    return {"msgs_per_s": n / elapsed, "p50_ms": 1000 * statistics.median(lat),
            "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))]}


async def producer_process(namespace: str, n: int, rate: float) -> None:
    bus = RabbitBus(BROKER, Topology(namespace), source="bench-producer", declare_topology=False)
    await bus.start()
    try:
        await produce(through(bus, bus.topology.name("bench.e2e")), n, rate or None)
    finally:
        await bus.close()


async def measure(bus: Bus) -> dict[str, float]:
    await bus.start()
    rabbit = isinstance(bus, RabbitBus)
    try:
        seq, _ = await publish_rate(bus, N_SEQUENTIAL, 1)
        # ours and bare aio-pika take turns, so load from elsewhere hits both alike
        ours, bare = [], []
        for _ in range(ROUNDS if rabbit else 1):
            ours.append(await publish_rate(bus, N_WINDOWED, WINDOW))
            if rabbit:
                bare.append(await bare_publish_rate(bus.topology.name("bench.bare"), N_WINDOWED))
        win = statistics.median(r for r, _ in ours)
        paced = await end_to_end(bus, PACED_RATE * PACED_SECONDS, PACED_RATE)
        flat = await end_to_end(bus, N_FLAT, None)
    finally:
        await bus.close()
    extra = {"bare_aio_pika_confirmed_per_s": statistics.median(r for r, _ in bare),
             "ours_to_bare": win / statistics.median(r for r, _ in bare),
             "ours_cpu_us": statistics.median(c for _, c in ours),
             "bare_cpu_us": statistics.median(c for _, c in bare)} if bare else {}
    return {"publish_sequential_per_s": seq, "publish_confirmed_per_s": win, **extra,
            "paced_msgs_per_s": paced["msgs_per_s"], "paced_p50_ms": paced["p50_ms"],
            "paced_p99_ms": paced["p99_ms"], "flat_msgs_per_s": flat["msgs_per_s"],
            "flat_p50_ms": flat["p50_ms"], "flat_p99_ms": flat["p99_ms"]}


async def main() -> None:
    from tests.rabbit_util import purge_namespace

    results: dict[str, dict[str, float]] = {}
    results["inprocess"] = await measure(InProcessBus(Topology(f"bench-{uuid.uuid4().hex[:8]}.")))
    topology = Topology(f"bench-{uuid.uuid4().hex[:8]}.")
    try:
        results["rabbitmq"] = await measure(RabbitBus(BROKER, topology, source="bench"))
    except OSError as exc:
        print(f"RabbitMQ at {BROKER} unreachable ({exc}); in-process figures only")
    finally:
        if "rabbitmq" in results:
            extra = [topology.name(q) for q in ("bench.e2e", "bench.publish", "bench.bare")]
            await purge_namespace(BROKER, topology, extra)
    report(results)


def report(results: dict[str, dict[str, float]]) -> None:
    rows = [
        ("confirmed publishes/s, one at a time", "publish_sequential_per_s", "{:,.0f}"),
        (f"confirmed publishes/s, {WINDOW} in flight", "publish_confirmed_per_s", "{:,.0f}"),
        (f"end to end at {PACED_RATE}/s: msgs/s", "paced_msgs_per_s", "{:,.0f}"),
        ("  p50 latency ms", "paced_p50_ms", "{:.2f}"),
        ("  p99 latency ms", "paced_p99_ms", "{:.2f}"),
        ("end to end flat out: msgs/s", "flat_msgs_per_s", "{:,.0f}"),
        ("  p50 latency ms", "flat_p50_ms", "{:.2f}"),
        ("  p99 latency ms", "flat_p99_ms", "{:.2f}"),
    ]
    names = list(results)
    print(f"{'':44}" + "".join(f"{n:>14}" for n in names))
    for label, key, fmt in rows:
        print(f"{label:44}" + "".join(f"{fmt.format(results[n][key]):>14}" for n in names))
    if "rabbitmq" in results:
        r = results["rabbitmq"]
        ratio = r["publish_confirmed_per_s"] / r["publish_sequential_per_s"]
        print(f"\nRabbitMQ: pipelined confirms are {ratio:.1f}x one-at-a-time confirms in this run.")
        print(f"Our publish path, {WINDOW} in flight: {r['ours_to_bare']:.2f}x bare aio-pika "
              f"({r['publish_confirmed_per_s']:,.0f} vs {r['bare_aio_pika_confirmed_per_s']:,.0f} "
              f"confirmed/s, median of {ROUNDS} turns each); client CPU per publish "
              f"{r['ours_cpu_us']:.0f} us against {r['bare_cpu_us']:.0f} us.")
        goals = {"publish >= 3000/s": r["publish_confirmed_per_s"] >= 3000,
                 "ours >= 0.95x bare aio-pika": r["ours_to_bare"] >= 0.95,
                 "e2e >= 1000/s": r["paced_msgs_per_s"] >= 0.98 * PACED_RATE,
                 "p99 < 100 ms": r["paced_p99_ms"] < 100}
        print("seed targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in goals.items()))
    print(json.dumps({"bench": "bus", **{f"{n}.{k}": round(v, 3) for n in names
                                          for k, v in results[n].items()}}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--produce"]:
        run_loop(producer_process(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
    else:
        run_loop(main())
