"""Report requests: recorded durably, run under a lease, never lost and never run twice unnoticed.

A request from ``analytics.report.generation`` is stored as a ``reports`` row (state queued) and
only then acknowledged, so a report that takes longer than the broker's ack timeout does not hold
a delivery open. A run claims the row with a lease it renews while it works; a worker that dies
leaves the lease to expire, and a sweep (at start, then periodically, on any analytics worker)
claims it again, counting attempts. A second delivery of the same ``report_id`` finds the row and
starts nothing. Progress goes to ``analytics.jobs`` with key ``analytics.progress.{report_id}``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from concurrent.futures import Executor
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

from workers.alerting import store as alerting_store
from workers.analytics.aggregation import Totals
from workers.analytics.buckets import BucketIndex, Period, buckets, slot_start
from workers.analytics.heatmaps import HeatmapStore
from workers.analytics.occupancy import site_occupancy
from workers.analytics.report_files import ReportData, ReportLine, write_csv, write_pdf
from workers.analytics.route_matrix import route_matrix
from workers.bus import Bus, Delivery, PermanentError, PublishError
from workers.contracts import EmailNotification, ReportFacts, ReportProgress, ReportRequest, utcnow
from workers.contracts.phrases import Phrase, say
from workers.contracts.queries import MAX_SERIES_SPAN, HeatmapQuery, SiteOccupancyQuery
from workers.contracts.routes import RoutesQuery
from workers.storage import Database
from workers.storage import reports as store
from workers.storage.alerts import log_notification
from workers.storage.cameras import display_names, known_camera_ids
from workers.storage.events import EventFilter, slot_counts
from workers.storage.sites import list_sites

log = logging.getLogger(__name__)

MAX_REPORT_SPAN = timedelta(days=400)


def report_period(req: ReportRequest) -> Period:
    """Bucket size of a report's tables and charts."""
    if req.report_type == "daily_summary":
        return "hourly"
    if req.report_type == "custom" and req.date_range.end - req.date_range.start <= timedelta(days=2):
        return "hourly"
    return "daily"


def email_id(report_id: str, target_id: str) -> str:
    """The same id for every run's email to a target, so the notifier sends a re-run's email
    only once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"camcount:report-email:{report_id}:{target_id}"))


class LeaseLost(Exception):
    """Another worker took the report over (this one was presumed dead)."""


class ReportService:
    def __init__(self, db: Database, bus: Bus, executor: Executor, *, owner: str,
                 reports_dir: Path, lease: timedelta, max_attempts: int = 3):
        self.db = db
        self.bus = bus
        self.executor = executor
        self.owner = owner
        self.reports_dir = reports_dir
        self.lease = lease
        self.max_attempts = max_attempts
        self.finished = 0
        self._running: dict[str, asyncio.Task[None]] = {}
        self._one_at_a_time = asyncio.Semaphore(1)  # rendering is CPU-bound

    @property
    def running(self) -> list[str]:
        return sorted(self._running)

    # -- requests -------------------------------------------------------------------------------
    async def accept(self, req: ReportRequest, d: Delivery) -> None:
        """Record a request (idempotently by report_id), as asked by the broker account that sent
        it, and start it; invalid ones are refused, and whoever follows the report is told why."""
        if req.date_range.end - req.date_range.start > MAX_REPORT_SPAN:
            await self._refuse(req, say("report_span_too_long", days=MAX_REPORT_SPAN.days))
        async with self.db.transaction() as session:
            unknown = sorted(set(req.camera_ids) - await known_camera_ids(session, req.camera_ids))
            if unknown:
                await self._refuse(req, say("report_unknown_cameras", cameras=", ".join(unknown)))
            created = await store.record_request(session, {
                "report_id": req.report_id, "report_type": req.report_type, "format": req.format,
                "request": req.model_dump(mode="json"), "requested_by": d.user_id or "",
                "created_at": utcnow()})
        if not created:
            log.info("report %s is known already; not starting it again", req.report_id)
            return
        await self._progress(req.report_id, "queued", 0, say("report_waiting"))
        self.start(req.report_id)

    async def _refuse(self, req: ReportRequest, reason: Phrase) -> NoReturn:
        await self._progress(req.report_id, "failed", 100, say("report_failed", reason=reason))
        raise PermanentError(f"report {req.report_id}: {reason.english()}")

    def start(self, report_id: str) -> None:
        if report_id not in self._running:
            task = asyncio.get_running_loop().create_task(self._run(report_id))
            self._running[report_id] = task
            task.add_done_callback(lambda _: self._running.pop(report_id, None))

    async def sweep(self) -> None:
        """Fail reports out of attempts; start those never started or whose worker died."""
        now = utcnow()
        async with self.db.transaction() as session:
            failed = await store.give_up(session, self.max_attempts, now)
            due = await store.claimable(session, now)
        for report_id in failed:
            log.error("report %s failed: no run finished in %d attempts", report_id, self.max_attempts)
            await self._progress(report_id, "failed", 100, say("report_gave_up"))
        for report_id in due:
            self.start(report_id)

    async def sweep_forever(self, every: float) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("report sweep failed; trying again in %.0f s", every)
            await asyncio.sleep(every)

    async def stop(self) -> None:
        """Stop running reports and hand their leases back, so another worker starts them at once."""
        tasks = list(self._running.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- one run --------------------------------------------------------------------------------
    async def _run(self, report_id: str) -> None:
        async with self._one_at_a_time:
            async with self.db.transaction() as session:
                row = await store.claim(session, report_id, self.owner, utcnow(), self.lease)
            if row is None:
                return  # finished, or another worker holds a live lease
            req = ReportRequest.model_validate(row.request)
            log.info("report %s: attempt %d on %s", report_id, row.attempts, self.owner)
            work = asyncio.current_task()
            assert work is not None
            keeper = asyncio.get_running_loop().create_task(self._keep_lease(report_id, work))
            try:
                path = await self._produce(req)
                if req.targets:
                    async with self.db.transaction() as session:
                        if not await store.set_path(session, report_id, self.owner, str(path)):
                            raise LeaseLost(report_id)
                    await self._email(req)
                async with self.db.transaction() as session:
                    if not await store.finish(session, report_id, self.owner, utcnow(),
                                              state="done", path=str(path)):
                        raise LeaseLost(report_id)
                self.finished += 1
                await self._progress(report_id, "done", 100, say("report_finished"),
                                     path=str(path))
            except asyncio.CancelledError:
                if keeper.done() and keeper.exception() is None and keeper.result():
                    log.warning("report %s: another worker took it over; stopping this run",
                                report_id)
                    return
                await self._hand_back(report_id, None)
                raise
            except LeaseLost:
                log.warning("report %s: lease lost before the run could finish", report_id)
            except Exception as exc:
                log.exception("report %s failed (attempt %d)", report_id, row.attempts)
                await self._fail(report_id, row.attempts, f"{type(exc).__name__}: {exc}")
            finally:
                keeper.cancel()

    async def _keep_lease(self, report_id: str, work: asyncio.Task[None]) -> bool:
        """Renew the lease every third of its length; cancel the run if it was taken over.
        Returns True when it cancelled the run for that reason."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                async with self.db.transaction() as session:
                    held = await store.renew(session, report_id, self.owner, utcnow(), self.lease)
            except Exception as exc:  # the database may be back before the lease runs out
                log.warning("report %s: could not renew the lease: %r", report_id, exc)
                continue
            if not held:
                work.cancel()
                return True

    async def _hand_back(self, report_id: str, error: str | None) -> None:
        async with self.db.transaction() as session:
            await store.release(session, report_id, self.owner, error=error)

    async def _fail(self, report_id: str, attempts: int, reason: str) -> None:
        if attempts < self.max_attempts:
            await self._hand_back(report_id, reason)
            await self._progress(report_id, "queued", 0, say("report_retrying", attempt=attempts,
                                                             reason=reason))
            return
        async with self.db.transaction() as session:
            await store.finish(session, report_id, self.owner, utcnow(), state="failed",
                               error=reason)
        await self._progress(report_id, "failed", 100, say("report_failed", reason=reason))

    async def _produce(self, req: ReportRequest) -> Path:
        await self._progress(req.report_id, "running", 10, say("report_counting"))
        data = await self.collect(req)
        await self._progress(req.report_id, "running", 50,
                             say("report_writing", format=req.format.upper()))
        path = self.reports_dir / data.file_name(req.format)
        writer = write_pdf if req.format == "pdf" else write_csv
        await asyncio.get_running_loop().run_in_executor(self.executor, writer, data, path)
        await self._progress(req.report_id, "running", 90, say("report_stored"))
        return path

    async def collect(self, req: ReportRequest) -> ReportData:
        """Counts per camera, bucket, shape and class, exactly within the requested range."""
        start, end = req.date_range.start, req.date_range.end
        period = report_period(req)
        data = ReportData(report_id=req.report_id, report_type=req.report_type,
                          timezone=req.parameters.timezone, start=start, end=end, period=period,
                          camera_ids=list(req.camera_ids), buckets=[], lines=[],
                          generated_at=utcnow(), include_charts=req.parameters.include_charts,
                          language=await alerting_store.site_language(self.db))
        data.buckets = list(buckets(period, start, end, data.tz))
        index = BucketIndex(data.buckets)
        async with self.db.sessions() as session:
            # routes have their own matrix: their people are counted by the lines already
            slots = await slot_counts(session, req.camera_ids, start, end,
                                      EventFilter(not_kind="route"))
            data.camera_names, data.shape_names = await display_names(session, req.camera_ids)
        acc: dict[tuple[str, str, str, str], dict[object, Totals]] = defaultdict(
            lambda: defaultdict(Totals))
        for sc in slots:
            if (b := index.find(slot_start(sc.slot))) is not None:
                acc[(sc.camera_id, sc.kind, sc.shape_id, sc.class_name)][b.start].add(
                    sc.direction, sc.count, sc.dwell_seconds_sum, sc.dwell_samples)
        for cam in req.camera_ids:
            data.routes[cam] = (await route_matrix(self.db, RoutesQuery(
                camera_id=cam, since=start, until=end))).rows
            keys = sorted(k for k in acc if k[0] == cam) or [(cam, "", "", "")]
            for key in keys:
                per_bucket = acc.get(key, {})
                for b in data.buckets:
                    t = per_bucket.get(b.start) or Totals()
                    data.lines.append(ReportLine(cam, b, key[1], key[2], key[3], t.count_in,
                                                 t.count_out, t.mean_dwell))
        async with self.db.sessions() as session:
            sites = [s for s in await list_sites(session) if s.cameras() & set(req.camera_ids)]
        if end - start <= MAX_SERIES_SPAN[period]:
            for site in sites:
                data.sites.append(await site_occupancy(self.db, SiteOccupancyQuery(
                    site_id=site.id, period=period, start=start, end=end,
                    timezone=data.timezone), data.timezone))
        if data.include_charts and end - start <= MAX_SERIES_SPAN["hourly"]:
            heatmaps = HeatmapStore(self.db)
            for cam in req.camera_ids:
                data.heatmaps[cam] = await heatmaps.heatmap(
                    HeatmapQuery(camera_id=cam, start=start, end=end))
        return data

    async def _email(self, req: ReportRequest) -> None:
        """One notification per email target: the report's id only; the notifier reads the
        report (range, cameras, file) from the store and mails it to the target's recipients."""
        for target_id in req.targets:
            mail = EmailNotification(message_id=email_id(req.report_id, target_id),
                                     target_id=target_id, about=ReportFacts(report_id=req.report_id))
            await self.bus.publish("", self.bus.topology.email_queue, mail)
            now = utcnow()
            async with self.db.transaction() as session:
                await log_notification(session, {
                    "message_id": mail.message_id, "channel": "email", "target_id": target_id,
                    "recipients": [], "subject": f"report {req.report_id}", "state": "queued",
                    "report_id": req.report_id, "created_at": now, "updated_at": now})

    async def _progress(self, report_id: str, state: str, percent: float, detail: Phrase, *,
                        path: str | None = None) -> None:
        """Tell whoever follows the report (the console); nobody listening is fine."""
        msg = ReportProgress(report_id=report_id, state=state, percent=percent,
                             detail=detail.english(), detail_phrase=detail, path=path)
        try:
            await self.bus.publish(self.bus.topology.analytics_jobs,
                                   f"analytics.progress.{report_id}", msg, mandatory=False,
                                   persistent=False)
        except PublishError as exc:
            log.warning("report %s: progress not published: %s", report_id, exc)
