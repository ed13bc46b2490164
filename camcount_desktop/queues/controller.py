"""Queue depths over time: polls ``bus.queue_depths()`` every few seconds in a task, and the
broker's HTTP API for publish/deliver rates where there is one."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from workers.bus import Bus, QueueDepth
from workers.bus.management import ManagementAPI
from workers.tasks import cancel_and_wait
from workers.topology import FACT_ALARM_FRACTION, RETRY_DELAYS_MS, QueueSpec

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
HISTORY = 300  # samples: 10 minutes at 2 s
#: warn when a live queue holds this share of its max-length (DEFAULT_WARN when it has none);
#: a fact queue warns at FACT_ALARM_FRACTION of its cap, as the alerts worker does
WARN_SHARE = 0.5
DEFAULT_WARN = 100


@dataclass(frozen=True)
class Sample:
    at: float  # monotonic
    depths: dict[str, QueueDepth]
    #: queue -> (publish/s, deliver/s); empty without the broker's HTTP API
    rates: dict[str, tuple[float | None, float | None]]


class QueuesController(QObject):
    sampled = Signal()
    error = Signal(str)

    def __init__(self, bus: Bus, cameras: Callable[[], Iterable[str]],
                 management: ManagementAPI | None = None, *, interval: float = POLL_SECONDS,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.bus, self.management, self.interval = bus, management, interval
        self._cameras = cameras
        self.samples: deque[Sample] = deque(maxlen=HISTORY)
        self._task: asyncio.Task[None] | None = None
        self._rates_failed = False

    def queue_names(self) -> list[str]:
        """The queues worth watching: work, result, notification and error queues, and the frame
        queue of every known camera (retry delay queues and the unbound seed queue left out)."""
        t = self.bus.topology
        delay = {t.delay_queue(ms) for ms in RETRY_DELAYS_MS}
        fixed = [q.name for q in t.queues if q.name not in delay and q.name != t.frame_processing]
        return [*(t.frame_queue(c).name for c in sorted(self._cameras())), *fixed]

    def label(self, name: str) -> str:
        return name.removeprefix(self.bus.topology.namespace)

    def _spec(self, name: str) -> QueueSpec | None:
        t = self.bus.topology
        spec = next((q for q in t.queues if q.name == name), None)
        if spec is None and name.startswith(t.name("camera.frame.processing.")):
            spec = t.frame_queue(name.removeprefix(t.name("camera.frame.processing.")))
        return spec

    def warn_level(self, name: str) -> int:
        spec = self._spec(name)
        if spec is not None and spec.cap:
            return int(spec.cap * FACT_ALARM_FRACTION)
        max_len = spec.arguments.get("x-max-length") if spec else None
        return int(max_len * WARN_SHARE) if max_len else DEFAULT_WARN

    def warning(self, name: str, depth: QueueDepth) -> str:
        """What an operator should know about a queue's depth, or "" when all is well."""
        spec = self._spec(name)
        if spec is not None and spec.cap and depth.ready >= spec.cap:
            return self.tr("FULL ({n} messages): the broker refuses new ones; their producers "
                           "keep them until this queue drains").format(n=f"{spec.cap:,}")
        if depth.ready >= self.warn_level(name):
            if spec is not None and spec.cap:
                return self.tr("{share} of its {n}-message capacity: its consumer is behind or "
                               "stopped").format(share=f"{depth.ready / spec.cap:.0%}",
                                                 n=f"{spec.cap:,}")
            return self.tr("more than {n} messages waiting").format(n=self.warn_level(name))
        return ""

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as exc:  # a broker that is away shows as a gap, not a crash
                log.debug("queue poll failed: %s", exc)
                self.error.emit(self.tr("queue depths unavailable: {why}").format(why=exc))
            await asyncio.sleep(self.interval)

    async def poll(self) -> Sample:
        depths = await self.bus.queue_depths(self.queue_names())
        rates: dict[str, tuple[float | None, float | None]] = {}
        if self.management is not None and not self._rates_failed:
            try:
                stats = await self.management.queues()
                rates = {n: (s.publish_rate, s.deliver_rate) for n, s in stats.items() if n in depths}
            except Exception as exc:
                self._rates_failed = True  # no HTTP API here: say so once, keep the depths
                self.error.emit(self.tr("no message rates (broker HTTP API unavailable: {why})").format(
                    why=exc))
        sample = Sample(time.monotonic(), depths, rates)
        self.samples.append(sample)
        self.sampled.emit()
        return sample
