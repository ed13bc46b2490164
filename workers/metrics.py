"""Prometheus metrics of a worker process, served on ``/metrics`` when ``--metrics-port`` asks.

Counters and histograms that code updates as it works are defined here, once per process (the
bus, the detector pipeline, ingestion). What a worker already reports in its heartbeat
(``stats()``: frames per camera, notification sends, breakers, open alerts ...) and the queue
depths are read when Prometheus scrapes, on the worker's event loop, so nothing is read while
the loop changes it. The endpoint is served by aiohttp on that loop: no thread of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

# a ``_created`` series beside every counter doubles the output and no dashboard reads it
disable_created_metrics()

# -- the bus --------------------------------------------------------------------------------------
BUS_PUBLISHED = Counter("camcount_bus_published", "Messages published and confirmed",
                        ["exchange"])
BUS_CONSUMED = Counter("camcount_bus_consumed", "Messages handled (valid or not)", ["queue"])
BUS_RETRIED = Counter("camcount_bus_retried", "Failed messages put back for a retry", ["queue"])
BUS_DEAD_LETTERED = Counter("camcount_bus_dead_lettered",
                            "Messages moved to the error queue (invalid, or out of attempts)",
                            ["queue"])

# -- the detector ---------------------------------------------------------------------------------
FRAMES_ANALYSED = Counter("camcount_pipeline_frames", "Frames through the detector pipeline",
                          ["camera"])
MOTION_SKIPPED = Counter("camcount_pipeline_motion_skipped",
                         "Frames whose inference was skipped because nothing moved", ["camera"])
INFERENCE_SECONDS = Histogram(
    "camcount_pipeline_inference_seconds", "Time of one detector inference", ["camera"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0))
TRACKS = Gauge("camcount_pipeline_tracks", "Objects tracked in the latest frame", ["camera"])
COUNT_EVENTS = Counter("camcount_count_events",
                       "Line crossings and zone entries/exits counted by this detector",
                       ["camera", "kind", "shape", "direction"])

# -- analytics ------------------------------------------------------------------------------------
INGEST_BATCH = Histogram("camcount_ingest_batch_messages",
                         "Count-event messages committed in one transaction",
                         buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000))
INGEST_SECONDS = Histogram("camcount_ingest_seconds", "Time to commit one ingest batch",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

#: breaker states as numbers, for a graph
BREAKER_STATES = {"closed": 0, "half_open": 1, "open": 2}


def queue_label(queue: str, named: bool) -> str:
    """A durable queue by name; every private subscription queue as one label (their names are
    made up by the broker and change at each reconnect)."""
    return queue if named else "(subscription)"


class WorkerCollector(Collector):
    """The worker's heartbeat figures and the queue depths, read at scrape time."""

    def __init__(self, worker: Any, worker_id: str):
        self.worker, self.worker_id = worker, worker_id
        self.depths: dict[str, Any] = {}

    def describe(self) -> list[Metric]:
        return []  # produced at scrape time; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        role = self.worker.role
        up = GaugeMetricFamily("camcount_worker_info", "This worker process",
                               labels=["role", "worker"])
        up.add_metric([role, self.worker_id], 1)
        yield up
        stats = self.worker.stats()
        yield from _stats_metrics(role, stats)
        if self.depths:
            ready = GaugeMetricFamily("camcount_queue_ready", "Messages ready in a queue",
                                      labels=["queue"])
            unacked = GaugeMetricFamily("camcount_queue_unacked",
                                        "Messages delivered, not yet acknowledged",
                                        labels=["queue"])
            consumers = GaugeMetricFamily("camcount_queue_consumers", "Consumers of a queue",
                                          labels=["queue"])
            for name, d in sorted(self.depths.items()):
                ready.add_metric([name], d.ready)
                consumers.add_metric([name], d.consumers)
                if d.unacked is not None:
                    unacked.add_metric([name], d.unacked)
            yield from (ready, unacked, consumers)


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    return None


def _stats_metrics(role: str, stats: dict[str, Any]) -> Iterator[Metric]:
    """``camcount_{role}_{key}`` for each number; a dict of numbers (per camera, per target)
    labelled by its keys; a dict of dicts (per camera) one metric per numeric field; breaker
    states as numbers."""
    for key, value in sorted(stats.items()):
        name = f"camcount_{role}_{key}"
        if (n := _number(value)) is not None:
            g = GaugeMetricFamily(name, f"{role} worker: {key}")
            g.add_metric([], n)
            yield g
        elif isinstance(value, dict) and value:
            if key == "breakers":
                g = GaugeMetricFamily(f"camcount_{role}_breaker_state",
                                      "Circuit breaker per target: 0 closed, 1 half-open, 2 open",
                                      labels=["target"])
                for k, state in sorted(value.items()):
                    g.add_metric([str(k)], BREAKER_STATES.get(str(state), 2))
                yield g
            elif all(_number(v) is not None for v in value.values()):
                g = GaugeMetricFamily(name, f"{role} worker: {key}", labels=["key"])
                for k, v in sorted(value.items()):
                    g.add_metric([str(k)], _number(v))  # type: ignore[arg-type]
                yield g
            elif all(isinstance(v, dict) for v in value.values()):
                fields = sorted({f for v in value.values() for f, x in v.items()
                                 if _number(x) is not None})
                for f in fields:
                    g = GaugeMetricFamily(f"{name}_{f}", f"{role} worker: {f} per {key}",
                                          labels=["item"])
                    for k, v in sorted(value.items()):
                        if (x := _number(v.get(f))) is not None:
                            g.add_metric([str(k)], x)
                    yield g
                if any(isinstance(v.get("state"), str) for v in value.values()):
                    g = GaugeMetricFamily(f"{name}_online", f"{role} worker: 1 when online",
                                          labels=["item"])
                    for k, v in sorted(value.items()):
                        g.add_metric([str(k)], float(v.get("state") == "online"))
                    yield g


class MetricsServer:
    """``/metrics`` for one worker on ``host:port`` (port 0: any free port, see ``port``)."""

    def __init__(self, worker: Any, worker_id: str, bus: Any, host: str, port: int,
                 queues: Sequence[str] | None = None):
        self.bus, self.host, self.port = bus, host, port
        self.queues = queues
        self.collector = WorkerCollector(worker, worker_id)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        from aiohttp import web  # the console imports the bus, not this server

        REGISTRY.register(self.collector)
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            REGISTRY.unregister(self.collector)

    async def _metrics(self, _: web.Request) -> web.Response:
        from aiohttp import web

        try:
            self.collector.depths = await self.bus.queue_depths(self.queues)
        except Exception as exc:  # depths where the broker allows; the rest is still worth it
            log.debug("queue depths not available for /metrics: %s", exc)
            self.collector.depths = {}
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
