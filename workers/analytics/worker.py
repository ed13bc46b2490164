"""The analytics worker: stores count events, aggregates them, answers queries, writes reports.

Consumes ``camera.count.events`` (count events as facts: batched, idempotent ingestion),
``camera.state.changes`` (camera state changes), ``analytics.processing`` (aggregation jobs),
``analytics.report.generation`` (reports under a lease), ``camera.snapshots`` (the pictures of
counted frames, pruned by a retention setting: ``snapshots.py``), ``camera.heatmaps`` and
``privacy.audit`` (``heatmaps.py``) and its own durable
``analytics.camera.control`` queue (camera configs, and requests to store zone set versions,
which it alone gives out: ``zone_store.py``); stores sites (``site_store.py``); follows alerts
on ``system.events``; serves
``rpc.analytics``. Migrates the database to the current schema at start.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from workers.alerts.worker import AlertsWorker
from workers.analytics.aggregation import Aggregator, job_for, job_routing_key
from workers.analytics.heatmaps import HeatmapStore
from workers.analytics.ingest import Ingestor, Rows
from workers.analytics.queries import QueryService
from workers.analytics.recorder import Recorder
from workers.analytics.reports import ReportService
from workers.analytics.scheduler import Scheduler
from workers.analytics.site_store import SiteStore
from workers.analytics.snapshots import SnapshotKeeper, SnapshotRetention
from workers.analytics.zone_store import ZoneStore
from workers.bus import Bus, Delivery, Subscription
from workers.contracts import (
    AlertAcknowledgement,
    AnalyticsJob,
    CameraConfig,
    CameraControl,
    CameraStatus,
    CountEvents,
    FacesViewed,
    HeatmapFact,
    ReportRequest,
    Snapshot,
    SystemEvent,
)
from workers.contracts.alerting import AlertingConfig
from workers.contracts.queries import AnalyticsRequest
from workers.contracts.zones import ZoneSet
from workers.storage import Database, data_dir, redact, upgrade
from workers.tasks import cancel_and_wait
from workers.topology import Binding, QueueSpec, Topology

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalyticsSettings:
    #: count-events messages committed in one transaction, at most (a backlog drains in
    #: batches this large; a trickle is stored as it comes)
    ingest_batch: int = 500
    #: how long after a bucket ends its aggregation job is published
    grace_s: float = 60.0
    schedule: bool = True
    report_lease_s: float = 60.0
    report_sweep_s: float = 30.0
    report_attempts: int = 3
    snapshots: SnapshotRetention = SnapshotRetention()


def control_queue(topology: Topology) -> QueueSpec:
    """The analytics worker's own durable copy of ``camera.control.*``: zone sets and camera
    configs sent while no analytics worker runs are recorded when one starts. No TTL: a zone set
    is as valid in a day as now."""
    return QueueSpec(topology.name("analytics.camera.control"), topology.fact_arguments(),
                     (Binding(topology.camera_events, "camera.control.*"),))


class AnalyticsWorker:
    role = "analytics"

    def __init__(self, *, db_url: str | None = None, timezone: str = "UTC",
                 reports_dir: Path | None = None, worker_id: str = "analytics",
                 settings: AnalyticsSettings | None = None,
                 alerting: AlertingConfig | None = None):
        """``alerting``: run the alert rule engine in this worker, next to the data, on its
        database (run one rule engine per site)."""
        ZoneInfo(timezone)  # an unknown zone fails here, not at the first aggregation
        self.db = Database(db_url)
        self.timezone = timezone
        self.reports_dir = reports_dir or data_dir() / "reports"
        self.worker_id = worker_id
        self.settings = settings or AnalyticsSettings()
        self._bus: Bus | None = None
        self._subs: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._render = ThreadPoolExecutor(1, thread_name_prefix="camcount-report")
        s = self.settings
        self.aggregator = Aggregator(self.db, timezone, timedelta(seconds=s.grace_s))
        self.ingestor = Ingestor(self.db, after_commit=self._reaggregate_late)
        self.queries = QueryService(self.db, timezone)
        self.recorder = Recorder(self.db)
        self.snapshots = SnapshotKeeper(self.db, s.snapshots)
        self.heatmaps = HeatmapStore(self.db)
        self.queries.answer("heatmap", self.heatmaps.heatmap)
        self.queries.answer("faces_views", self.heatmaps.faces_views)
        self.zones: ZoneStore | None = None
        self.sites: SiteStore | None = None
        self.reports: ReportService | None = None
        self.alerts = None if alerting is None else AlertsWorker(
            alerting, db=self.db, worker_id=f"{worker_id}-alerts")

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, bus: Bus) -> None:
        revision = await upgrade(self.db)
        log.info("analytics store %s at schema %s, time zone %s", redact(str(self.db.url)),
                 revision, self.timezone)
        self._bus = bus
        t, s = bus.topology, self.settings
        self.reports = ReportService(self.db, bus, self._render, owner=self.worker_id,
                                     reports_dir=self.reports_dir,
                                     lease=timedelta(seconds=s.report_lease_s),
                                     max_attempts=s.report_attempts)
        self.zones = ZoneStore(self.db, bus, self.worker_id)
        self.queries.answer("save_zone_set", self.zones.save)
        self.sites = SiteStore(self.db, bus, self.worker_id)
        self.queries.answer_with_sender("save_site", self.sites.save)
        self.queries.answer_with_sender("delete_site", self.sites.delete)
        control = control_queue(t)
        await bus.declare_queue(control)
        self.queries.read_only_exchange = t.queries
        self._subs += [
            await bus.consume_batch(t.count_events, self.ingestor.ingest, model=CountEvents,
                                    max_batch=s.ingest_batch),
            await bus.consume_batch(t.camera_states, self.recorder.on_states, model=CameraStatus),
            await bus.consume_batch(t.snapshots, self.snapshots.store, model=Snapshot,
                                    max_batch=20),
            await bus.consume(control, self._on_control, model=CameraControl),
            await bus.consume(t.analytics_processing, self._on_job, model=AnalyticsJob),
            await bus.consume(t.report_generation, self.reports.accept, model=ReportRequest),
            await bus.subscribe(t.system_events, [], self.recorder.on_system, model=SystemEvent),
            await bus.consume(t.alert_acks_queue, self._on_acknowledgement,
                              model=AlertAcknowledgement),
            await bus.consume_batch(t.heatmaps, self.heatmaps.ingest, model=HeatmapFact,
                                    max_batch=50),
            await bus.consume_batch(t.privacy_audit_queue, self.heatmaps.on_faces_viewed,
                                    model=FacesViewed),
            await bus.serve(t.rpc_analytics, self.queries.handle, model=AnalyticsRequest),
        ]
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self.reports.sweep_forever(s.report_sweep_s)))
        self._tasks.append(loop.create_task(self.snapshots.prune_forever()))
        if self.alerts is not None:
            await self.alerts.start(bus)
        if s.schedule:
            scheduler = Scheduler(self.db, self._publish_job, timezone=self.timezone,
                                  grace=timedelta(seconds=s.grace_s))
            self._tasks.append(loop.create_task(scheduler.run()))

    async def adopt(self, cameras: list[CameraConfig], zone_sets: list[ZoneSet]) -> None:
        """Cameras and lines its host configured without an admin (local mode's sample): each
        camera recorded as an admin's configure message would have it, so analytics, reports
        and alerts name it from the start, and each zone set stored as version 1 of a camera
        that has none yet (zones an admin saved are kept)."""
        directory = self.alerts.engine.directory if self.alerts is not None else None
        for camera in cameras:
            control = CameraControl(camera_id=camera.camera_id, action="configure", config=camera)
            try:
                await self.recorder.on_control(control, None)
            except Exception:
                log.exception("camera %s was not recorded", camera.camera_id)
            if directory is not None:
                directory.on_control(control)
        for zs in zone_sets:
            try:
                await self.zones.seed(zs)
            except Exception:
                log.exception("the zones of %s were not stored", zs.camera_id)
        if directory is not None:  # skipped when the rule engine started: no camera recorded
            for camera in cameras:
                if (stored := await self.zones.current(camera.camera_id)) is not None:
                    directory.set_zones(stored)

    async def _on_acknowledgement(self, ack: AlertAcknowledgement, d: Delivery) -> None:
        """Stored, then announced to every console on ``system.events``."""
        event = await self.recorder.on_acknowledgement(ack, d)
        event.source = event.metadata.source = self.worker_id
        assert self._bus is not None
        await self._bus.publish(self._bus.topology.system_events, "", event, mandatory=False)

    async def stop(self) -> None:
        if self.alerts is not None:
            await self.alerts.stop()
        for sub in reversed(self._subs):
            await sub.cancel()  # an in-flight batch is committed and acknowledged first
        self._subs.clear()
        await cancel_and_wait(*self._tasks)
        self._tasks.clear()
        if self.reports is not None:
            await self.reports.stop()
        self._render.shutdown(wait=True, cancel_futures=True)
        await self.db.dispose()

    def stats(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "database": redact(str(self.db.url)),
            "events_written": self.ingestor.events_written,
            "batches": self.ingestor.batches,
            "aggregation_jobs": self.aggregator.jobs_done,
            "snapshots_stored": self.snapshots.stored,
            "snapshots_pruned": self.snapshots.pruned,
            "heatmap_facts_written": self.heatmaps.facts_written,
            "faces_views_logged": self.heatmaps.views_logged,
            "reports_running": self.reports.running if self.reports else [],
            "reports_finished": self.reports.finished if self.reports else 0,
            **({"alerts": self.alerts.stats()} if self.alerts else {}),
        }

    # -- handlers -------------------------------------------------------------------------------
    async def _on_control(self, msg: CameraControl, d: Delivery) -> None:
        if msg.action == "set_zones":
            assert self.zones is not None
            await self.zones.on_set_zones(msg)
        elif msg.action != "zones_stored":  # our own announcement
            await self.recorder.on_control(msg, d)

    async def _on_job(self, job: AnalyticsJob, _: Delivery) -> None:
        done = await self.aggregator.run(job)
        log.debug("%s for %s: %d bucket(s)", job.job_type, job.camera_id, len(done))

    async def _publish_job(self, job: AnalyticsJob) -> None:
        assert self._bus is not None
        await self._bus.publish(self._bus.topology.analytics_jobs, job_routing_key(job), job)

    async def _reaggregate_late(self, rows: Rows) -> None:
        """After a commit: aggregate again the buckets that late events changed."""
        for key in await self.aggregator.late_buckets(rows):
            log.info("late count event for %s: re-aggregating its %s bucket from %s",
                     key.camera_id, key.period, key.start.isoformat())
            await self._publish_job(job_for(key))
