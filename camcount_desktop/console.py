"""One console session on one bus: connects, wires the adapter's signals to the controllers,
hosts the local workers in local mode, and shuts it all down in order."""

from __future__ import annotations

import asyncio
import getpass
import logging
import socket
from datetime import datetime

from PySide6.QtCore import QObject

from camcount_desktop.alerts.controller import AlertsController
from camcount_desktop.alerts.sound import AlertSound
from camcount_desktop.analytics.controller import AnalyticsController
from camcount_desktop.analytics.events_controller import BucketEventsController
from camcount_desktop.analytics.reports_controller import ReportsController
from camcount_desktop.bus_adapter import BusAdapter
from camcount_desktop.cameras.controller import CamerasController
from camcount_desktop.dead_letters.controller import DeadLetterController
from camcount_desktop.evidence import SnapshotLoader
from camcount_desktop.health.controller import HealthController
from camcount_desktop.heatmap.controller import HeatmapController
from camcount_desktop.heatmap.image import overlay_image
from camcount_desktop.local_mode import LocalData, LocalRuntime, sample_zones
from camcount_desktop.queues.controller import QueuesController
from camcount_desktop.settings import Settings
from camcount_desktop.sites.controller import SitesController
from camcount_desktop.stored_state import load_counted_before, load_stored
from camcount_desktop.wall.controller import WallController
from workers.bus import Bus, create_bus
from workers.bus.config import LOCAL, redact, resolve
from workers.bus.management import ManagementAPI
from workers.contracts import AlertAcknowledgement, CameraConfig, ZoneSet
from workers.tasks import cancel_and_wait
from workers.topology import Topology

log = logging.getLogger(__name__)

#: how often to try again when the broker is not there at start
CONNECT_RETRY_S = 5.0


class Console(QObject):
    def __init__(self, broker: str | None, settings: Settings, *, namespace: str = "",
                 local_cameras: list[CameraConfig] | None = None,
                 local_zones: list[ZoneSet] | None = None, host_workers: bool | None = None,
                 data: LocalData | None = None, parent: QObject | None = None):
        """``host_workers``: run the workers in this process (default: in local mode).
        ``data``: where local mode keeps what it stores (default: the user data folder)."""
        super().__init__(parent)
        self.url = resolve(broker)
        self.local = self.url == LOCAL
        self.source = f"console-{getpass.getuser()}@{socket.gethostname()}"
        self.bus: Bus = create_bus(self.url, source=self.source, topology=Topology(namespace))
        self.data = data or LocalData()
        self.local_cameras = local_cameras if local_cameras is not None else (
            self.data.cameras() if self.local else [])
        self.local_zones = local_zones if local_zones is not None else (
            [sample_zones()] if self.local else [])

        self.adapter = BusAdapter(self)
        self.cameras = CamerasController(self)
        self.wall = WallController(settings, self)
        self.health = HealthController(
            self.tr("in-process bus (local mode)") if self.local else redact(self.url), parent=self)
        self.alerts = AlertsController(self._publish_ack, source=self.source,
                                       user=self.bus.user, parent=self)
        self.sound = AlertSound(settings, self)
        self.snapshots = SnapshotLoader(self.bus, self)
        #: a camera followed although not on the wall (the live picture of an opened alert)
        self.pinned: str | None = None
        self.queues = QueuesController(self.bus, lambda: list(self.cameras.cameras),
                                       None if self.local else ManagementAPI(self.url), parent=self)
        self.dead_letters = DeadLetterController(self.bus.dead_letters(), self)
        self.analytics = AnalyticsController(self.bus, parent=self)
        self.reports = ReportsController(self.bus, parent=self)
        self.bucket_events = BucketEventsController(self.bus, self.snapshots, self)
        self.heatmaps = HeatmapController(self.bus, parent=self)
        self.sites = SitesController(self.bus, parent=self)
        self.runtime = LocalRuntime(self.bus, self.local_cameras, self.local_zones,
                                    on_missing=self.health.set_missing,
                                    on_starting=self.health.set_starting,
                                    data=self.data,
                                    detector_model=settings.detector_model()
                                    ) if (
            self.local if host_workers is None else host_workers) else None
        self._connect_task: asyncio.Task[None] | None = None
        self._stored_task: asyncio.Task[None] | None = None
        self._follow_tasks: set[asyncio.Task[None]] = set()
        self._counted_tasks: set[asyncio.Task[None]] = set()
        self.started = False
        self._wire()

    def _wire(self) -> None:
        a, w = self.adapter, self.wall
        a.frame_decoded.connect(w.on_frame)
        a.result_received.connect(w.on_result)
        a.status_received.connect(w.on_status)
        a.status_received.connect(self.cameras.on_status)
        a.control_received.connect(self.cameras.on_control)
        a.zones_received.connect(w.on_zones)
        a.health_received.connect(self.health.on_health)
        a.health_received.connect(self.cameras.on_health)
        a.alert_received.connect(self.alerts.on_alert)
        a.config_received.connect(self.sites.on_config)
        self.alerts.critical_raised.connect(self.sound.on_critical)
        a.state_changed.connect(self.health.on_state)
        self.cameras.discovered.connect(w.offer_camera)
        self.cameras.removed.connect(w.forget_camera)
        self.cameras.changed.connect(
            lambda cid: w.set_camera_name(cid, self.cameras.cameras[cid].name))
        self.alerts.camera_requested.connect(w.show_camera)
        w.cameras_on_screen_changed.connect(self._follow)
        w.totals_needed.connect(self._load_counted_before)
        w.heatmap_requested.connect(self.heatmaps.set_tile)
        self.heatmaps.tile_changed.connect(self._tile_heatmap)
        self.heatmaps.failed.connect(lambda cid, why: w.set_heatmap(
            cid, None, self.tr("Heatmap: {why}").format(why=why)))
        w.faces_requested.connect(self._show_faces)

    def _tile_heatmap(self, camera_id: str) -> None:
        reply = self.heatmaps.tiles.get(camera_id)
        if reply is None:
            return  # switched off, or still asked for
        if not any(reply.visits):
            self.wall.set_heatmap(camera_id, None,
                                  self.tr("Heatmap: nobody seen in the last 24 h"))
            return
        self.wall.set_heatmap(camera_id, overlay_image(reply, "visits"), self.tr(
            "Heatmap · where people walked · last 24 h ({hours} h of data)").format(
                hours=reply.hours))

    def _show_faces(self, camera_id: str, on: bool) -> None:
        async def switch() -> None:
            try:
                await self.adapter.show_faces(camera_id, on)
            except Exception as exc:
                self.wall.set_faces(camera_id, False)
                self.adapter.error.emit(self.tr(
                    "Faces not shown on {camera}: {why}. Seeing faces needs the 'see faces' "
                    "right (docs/privacy.md).").format(camera=camera_id, why=exc))

        task = asyncio.get_running_loop().create_task(switch())
        self._follow_tasks.add(task)
        task.add_done_callback(self._follow_tasks.discard)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Show the configured cameras, then connect in the background (retrying until the
        broker is there), so the window is usable at once."""
        for config in self.local_cameras:
            self.cameras.add_configured(config)
        for zones in self.local_zones:
            self.wall.on_zones(zones)
        self._connect_task = asyncio.get_running_loop().create_task(self._connect())
        if self.local:  # nothing to wait for: the bus is in this process
            await self._connect_task

    async def _connect(self) -> None:
        connected = False
        while True:
            try:
                if not connected:
                    await self.bus.start()
                    connected = True
                await self.adapter.attach(self.bus)
                await self.adapter.follow(self._wanted(self.wall.cameras_on_screen()))
                break
            except Exception as exc:
                if connected:  # the connection dropped while subscribing: do it again
                    log.warning("subscribing failed (%s); retrying in %.0f s", exc, CONNECT_RETRY_S)
                    await self.adapter.detach()
                else:
                    log.warning("cannot connect to the broker (%s); retrying in %.0f s", exc,
                                CONNECT_RETRY_S)
                    self.health.on_state("down")
                await asyncio.sleep(CONNECT_RETRY_S)
        self.queues.start()
        if self.runtime is not None:
            self.runtime.start()
        self._stored_task = asyncio.get_running_loop().create_task(load_stored(self))
        self.started = True

    def pin_camera(self, camera_id: str | None) -> None:
        """Follow this camera too (or no longer, with None), wherever the wall is."""
        if camera_id != self.pinned:
            self.pinned = camera_id
            self._follow(self.wall.cameras_on_screen())

    def _wanted(self, on_screen: set[str]) -> set[str]:
        return on_screen | ({self.pinned} if self.pinned else set())

    def _follow(self, cameras: set[str]) -> None:
        if self.adapter.bus is None:
            return  # attach() follows what is on screen once connected
        task = asyncio.get_running_loop().create_task(self.adapter.follow(self._wanted(cameras)))
        self._follow_tasks.add(task)
        task.add_done_callback(self._follow_tasks.discard)

    def _load_counted_before(self, camera_id: str, since: datetime) -> None:
        task = asyncio.get_running_loop().create_task(
            load_counted_before(self, camera_id, since))
        self._counted_tasks.add(task)
        task.add_done_callback(self._counted_tasks.discard)

    async def _publish_ack(self, ack: AlertAcknowledgement) -> None:
        await self.bus.publish(self.bus.topology.alert_acks, "", ack)

    async def stop(self) -> None:
        """Local workers first (they finish what they hold), then our subscriptions, the
        dead letters we hold (back to their queue), the poller, and the connection."""
        await cancel_and_wait(self._connect_task, self._stored_task, *self._counted_tasks)
        if self.runtime is not None:
            await self.runtime.stop()
        await self.queues.stop()
        await self.analytics.stop()
        await self.reports.stop()
        await self.bucket_events.stop()
        await self.snapshots.stop()
        await self.heatmaps.stop()
        await asyncio.gather(*self._follow_tasks, return_exceptions=True)
        await self.adapter.detach()
        await self.dead_letters.source.close()
        if self.queues.management is not None:
            await self.queues.management.close()
        await self.bus.close()
        self.adapter.shutdown()
        self.started = False
