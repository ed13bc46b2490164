"""What every worker process shares: start on a bus, heartbeat, stop cleanly on SIGTERM/SIGINT.

A worker is an object with ``start(bus)``, ``stop()`` and ``stats()``. In distributed mode
``serve()`` runs one in its own process; in local mode the console starts the same objects on
its in-process bus and runs their ``Heartbeat`` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import os
import signal
import socket
from datetime import UTC, datetime
from typing import Any, Protocol

from workers.bus import Bus, PublishError, create_bus
from workers.contracts import SystemEvent
from workers.tasks import cancel_and_wait
from workers.topology import Topology

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
#: where ``serve`` exposes Prometheus ``/metrics`` (``--metrics-port``); None: nowhere
metrics_address: tuple[str, int] | None = None


class Worker(Protocol):
    role: str

    async def start(self, bus: Bus) -> None:
        """Subscribe and begin work; return once running."""

    async def stop(self) -> None:
        """Stop taking work; finish or hand back what is in flight (nothing acked is lost)."""

    def stats(self) -> dict[str, Any]:
        """Live figures for the heartbeat (fps, inference ms, queue sizes...)."""


def default_worker_id(role: str) -> str:
    return f"{role}-{socket.gethostname()}-{os.getpid()}"


class Heartbeat:
    """Publishes a worker's health on ``system.events`` every few seconds, and a last one on stop,
    so the console notices at once when a worker goes away or goes silent."""

    def __init__(self, bus: Bus, worker: Worker, worker_id: str, interval: float = HEARTBEAT_SECONDS):
        self.bus, self.worker, self.worker_id, self.interval = bus, worker, worker_id, interval
        self.started_at = datetime.now(UTC)
        self._task: asyncio.Task[None] | None = None

    async def beat(self, state: str = "running") -> None:
        data = {"role": self.worker.role, "state": state, "pid": os.getpid(),
                "host": socket.gethostname(), "started_at": self.started_at.isoformat(),
                "interval_s": self.interval, **self.worker.stats()}
        event = SystemEvent(event_type="health", source=self.worker_id, data=data)
        event.metadata.source = self.worker_id
        try:
            await self.bus.publish(self.bus.topology.system_events, "", event, mandatory=False,
                                   persistent=False)
        except PublishError as exc:  # the bus reports its own state; a missed beat is not fatal
            log.warning("heartbeat not sent: %s", exc)

    async def _loop(self) -> None:
        while True:
            await self.beat()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self.beat("stopped")


async def serve(worker: Worker, *, broker: str | None, namespace: str = "",
                worker_id: str | None = None, topology: Topology | None = None) -> int:
    """Run one worker until SIGTERM/SIGINT; returns the process exit code."""
    faulthandler.enable()
    worker_id = worker_id or default_worker_id(worker.role)
    bus = create_bus(broker, source=worker_id, topology=topology or Topology(namespace))
    await bus.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl+C still raises
            loop.add_signal_handler(sig, stop.set)
    heartbeat = Heartbeat(bus, worker, worker_id)
    metrics = None
    try:
        await worker.start(bus)
        heartbeat.start()
        if metrics_address is not None:
            from workers.metrics import MetricsServer

            metrics = MetricsServer(worker, worker_id, bus, *metrics_address)
            await metrics.start()
        log.info("%s running as %s", worker.role, worker_id)
        await stop.wait()
        log.info("%s stopping", worker_id)
    finally:
        if metrics is not None:
            await metrics.stop()
        await worker.stop()
        await heartbeat.stop()
        await bus.close()
    return 0
