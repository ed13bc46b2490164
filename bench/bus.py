"""Bus throughput and latency, in-process vs RabbitMQ, with publisher confirms.

    python bench/bus.py            # RabbitMQ at $CAMCOUNT_TEST_BROKER or amqp://guest:guest@127.0.0.1/

1. confirmed publishes/s: one at a time (baseline) and with up to 256 unconfirmed in flight;
2. end to end: a producer paced at 1,000 msg/s for 5 s into a work queue, a validating consumer;
   latency = receipt - send time (p50/p99);
3. end to end flat out: as fast as the producer and consumer go.
Seed targets on RabbitMQ: >= 3,000 confirmed publishes/s, >= 1,000 msg/s end to end, p99 < 100 ms.
Ends with one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers.bus import Bus, Delivery, InProcessBus  # noqa: E402
from workers.contracts import SystemEvent  # noqa: E402
from workers.topology import QueueSpec, Topology  # noqa: E402

BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
N_SEQUENTIAL = 2_000
N_WINDOWED = 20_000
WINDOW = 256
PACED_RATE = 1_000
PACED_SECONDS = 5
N_FLAT = 20_000


def event(i: int) -> SystemEvent:
    return SystemEvent(event_type="health", source="bench", data={"i": i, "worker": "bench-1"})


async def publish_rate(bus: Bus, n: int, window: int) -> float:
    # Its own unbounded queue: a full drop-head queue with a DLX would dead-letter a message
    # for every one published, measuring the overflow instead of the publish.
    spec = QueueSpec(bus.topology.name("bench.publish"))
    await bus.declare_queue(spec)
    q = spec.name
    sem = asyncio.Semaphore(window)
    msgs = [event(i) for i in range(n)]

    async def one(m: SystemEvent) -> None:
        async with sem:
            await bus.publish("", q, m)

    start = time.perf_counter()
    if window == 1:
        for m in msgs:
            await bus.publish("", q, m)
    else:
        await asyncio.gather(*(one(m) for m in msgs))
    return n / (time.perf_counter() - start)


async def end_to_end(bus: Bus, n: int, rate: float | None) -> dict[str, float]:
    # Unbounded, unlike the topology's queues: drop-head would discard what a burst overruns.
    spec = QueueSpec(bus.topology.name("bench.e2e"))
    await bus.declare_queue(spec)
    q = spec.name
    latencies: list[float] = []
    done = asyncio.Event()

    async def handle(msg: SystemEvent, d: Delivery) -> None:
        latencies.append(time.perf_counter() - float(d.headers["sent"]))
        if len(latencies) == n:
            done.set()

    sub = await bus.consume(spec, handle, model=SystemEvent, prefetch=256, concurrency=1)
    sem = asyncio.Semaphore(WINDOW)
    tasks = []

    async def send(i: int) -> None:
        async with sem:
            await bus.publish("", q, event(i), headers={"sent": repr(time.perf_counter())})

    start = time.perf_counter()
    for i in range(n):
        if rate is not None:
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
        if len(tasks) >= 1000:
            await asyncio.gather(*tasks)
            tasks.clear()
    await asyncio.gather(*tasks)
    await asyncio.wait_for(done.wait(), 120)
    elapsed = time.perf_counter() - start
    await sub.cancel()
    lat = sorted(latencies)
    return {"msgs_per_s": n / elapsed, "p50_ms": 1000 * statistics.median(lat),
            "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))]}


async def run(name: str, bus: Bus) -> dict[str, float]:
    await bus.start()
    try:
        seq = await publish_rate(bus, N_SEQUENTIAL, 1)
        win = await publish_rate(bus, N_WINDOWED, WINDOW)
        paced = await end_to_end(bus, PACED_RATE * PACED_SECONDS, PACED_RATE)
        flat = await end_to_end(bus, N_FLAT, None)
    finally:
        await bus.close()
    return {"publish_sequential_per_s": seq, "publish_confirmed_per_s": win,
            "paced_msgs_per_s": paced["msgs_per_s"], "paced_p50_ms": paced["p50_ms"],
            "paced_p99_ms": paced["p99_ms"], "flat_msgs_per_s": flat["msgs_per_s"],
            "flat_p50_ms": flat["p50_ms"], "flat_p99_ms": flat["p99_ms"]}


async def main() -> None:
    results: dict[str, dict[str, float]] = {}
    local = InProcessBus(Topology(f"bench-{uuid.uuid4().hex[:8]}."))
    results["inprocess"] = await run("inprocess", local)
    topology = Topology(f"bench-{uuid.uuid4().hex[:8]}.")
    try:
        from workers.bus.rabbit import RabbitBus

        results["rabbitmq"] = await run("rabbitmq", RabbitBus(BROKER, topology, source="bench"))
    except OSError as exc:
        print(f"RabbitMQ at {BROKER} unreachable ({exc}); in-process figures only")
    finally:
        if "rabbitmq" in results:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.rabbit_util import purge_namespace

            await purge_namespace(BROKER, topology, [topology.name("bench.e2e"), topology.name("bench.publish")])

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
        goals = {"publish >= 3000/s": r["publish_confirmed_per_s"] >= 3000,
                 "e2e >= 1000/s": r["paced_msgs_per_s"] >= 0.98 * PACED_RATE,
                 "p99 < 100 ms": r["paced_p99_ms"] < 100}
        print("seed targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in goals.items()))
    print(json.dumps({"bench": "bus", **{f"{n}.{k}": round(v, 3) for n in names
                                          for k, v in results[n].items()}}))


if __name__ == "__main__":
    asyncio.run(main())
