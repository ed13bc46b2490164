"""Report requests from the console, followed to the finished file.

Each request gets a private subscription to its own ``analytics.progress.{report_id}`` before it
is published, so no step is missed; the subscription ends with the report. The worker publishes
progress from the moment it records the request, so a long silence means no analytics worker
took it (the request waits in ``analytics.report.generation`` until one does): that is said on
screen instead of a progress bar stuck at 0.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from camcount_desktop import i18n
from workers.bus import Bus, Delivery, NotAllowed, Subscription
from workers.contracts import ReportProgress, ReportRequest

log = logging.getLogger(__name__)

#: seconds without any progress before the window says no worker has taken the request
SILENCE_S = 15.0


@dataclass
class ReportJob:
    report_id: str
    report_type: str
    format: str
    camera_ids: list[str]
    start: datetime
    end: datetime
    timezone: str
    #: sent, then the worker's queued / running / done / failed
    state: str = "sent"
    percent: float = 0.0
    detail: str = "sent; waiting for an analytics worker"
    path: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def local_file(self) -> Path | None:
        """The finished file when this machine can open it (the worker may run elsewhere)."""
        return Path(self.path) if self.path and Path(self.path).is_file() else None


class ReportsController(QObject):
    changed = Signal(str)  # report_id

    def __init__(self, bus: Bus, *, silence_s: float = SILENCE_S, parent: QObject | None = None):
        super().__init__(parent)
        self.bus = bus
        self.silence_s = silence_s
        self.jobs: dict[str, ReportJob] = {}
        self._subs: dict[str, Subscription] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        self._unsubscribing: set[asyncio.Task[None]] = set()

    async def request(self, report_type: str, fmt: str, camera_ids: list[str], start: datetime,
                      end: datetime, timezone: str) -> ReportJob:
        req = ReportRequest(report_type=report_type, format=fmt, camera_ids=camera_ids,
                            date_range={"start": start, "end": end},
                            parameters={"timezone": timezone})
        job = ReportJob(req.report_id, report_type, fmt, list(camera_ids), start, end, timezone,
                        detail=self.tr("sent; waiting for an analytics worker"))
        self.jobs[job.report_id] = job
        self.changed.emit(job.report_id)
        t = self.bus.topology
        try:
            self._subs[job.report_id] = await self.bus.subscribe(
                t.analytics_jobs, [f"analytics.progress.{job.report_id}"], self._on_progress,
                model=ReportProgress, max_length=100)
            await self.bus.publish(t.analytics_jobs, f"analytics.report.{report_type}", req)
        except NotAllowed as exc:
            log.info("report request not sent: %s", exc)
            self._update(job, "failed", 0, self.tr(
                "not sent: this account may not request reports (that is for admin accounts); "
                "it may read the charts above. Ask an admin, or connect with an admin account."))
            return job
        except Exception as exc:
            log.warning("report request not sent: %s", exc)
            self._update(job, "failed", 0, self.tr("not sent: {why}").format(why=exc))
            return job
        self._spawn(self._watchers, self._watch(job))
        return job

    async def _watch(self, job: ReportJob) -> None:
        await asyncio.sleep(self.silence_s)
        if job.state == "sent":
            job.detail = self.tr("no analytics worker has taken it after {seconds} s; it waits in "
                                 "the report queue until one runs").format(
                                     seconds=f"{self.silence_s:g}")
            self.changed.emit(job.report_id)

    async def _on_progress(self, msg: ReportProgress, _: Delivery) -> None:
        job = self.jobs.get(msg.report_id)
        if job is None or job.finished:
            return
        job.path = msg.path or job.path
        self._update(job, msg.state, msg.percent, i18n.say(msg.detail_phrase, msg.detail))

    def _update(self, job: ReportJob, state: str, percent: float, detail: str) -> None:
        job.state, job.percent, job.detail = state, percent, detail
        if job.finished and (sub := self._subs.pop(job.report_id, None)) is not None:
            self._spawn(self._unsubscribing, _quietly(sub.cancel()))  # not inside its handler
        self.changed.emit(job.report_id)

    @staticmethod
    def _spawn(tasks: set[asyncio.Task[None]], coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def stop(self) -> None:
        for task in self._watchers:
            task.cancel()
        await asyncio.gather(*self._watchers, *self._unsubscribing, return_exceptions=True)
        for sub in self._subs.values():
            await _quietly(sub.cancel())
        self._subs.clear()


async def _quietly(coro) -> None:
    """Unsubscribing on a broker that went away must not stop a shutdown."""
    try:
        await coro
    except Exception as exc:
        log.debug("cancel failed: %s", exc)
