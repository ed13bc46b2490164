"""The analytics window's state: which cameras, lines and zones the analytics worker knows, the
chart on screen, and the queries behind it (asyncio tasks on qasync's loop; the Qt thread only
receives the answers)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from camcount_desktop import i18n
from camcount_desktop.analytics.model import ChartData, ChartRow, Selection, span_text, write_csv
from camcount_desktop.timezone import system_timezone
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus, NotAllowed
from workers.contracts.queries import CameraInfo

log = logging.getLogger(__name__)

#: "recent" for choosing the camera the window opens on: the days it shows at first
RECENT_DAYS = 7


@dataclass(frozen=True)
class Shape:
    kind: str  # line / zone
    shape_id: str
    label: str
    classes: tuple[str, ...]


class AnalyticsController(QObject):
    cameras_changed = Signal()
    shown = Signal(object)  # ChartData
    #: (text, level) with level info / warning / error; what the status line says
    message = Signal(str, str)
    busy_changed = Signal(bool)

    def __init__(self, bus: Bus, *, timezone: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.client = AnalyticsClient(bus)
        self.timezone = timezone or system_timezone()
        self.cameras: list[CameraInfo] = []
        #: cameras with counts in the last RECENT_DAYS days (what the window opens on)
        self.counted: set[str] = set()
        self.shapes: dict[str, list[Shape]] = {}
        self.data: ChartData | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}

    # -- asking -------------------------------------------------------------------------------
    def load_cameras(self) -> None:
        self._run("cameras", self._load_cameras())

    def show(self, selection: Selection, shape_label: str) -> None:
        """Query and show; a newer request replaces one still running."""
        self._run("chart", self._show(selection, shape_label))

    def track(self, what: str, coro) -> None:
        """Run ``coro`` with this window's queries: ``wait`` and ``stop`` include it."""
        self._run(what, coro)

    def _run(self, what: str, coro) -> None:
        if (old := self._tasks.get(what)) is not None:
            old.cancel()
        self._tasks[what] = asyncio.get_running_loop().create_task(self._guarded(coro))

    async def wait(self) -> None:
        """Until the queries under way have been answered (or failed)."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await self.wait()

    async def _guarded(self, coro) -> None:
        """Every way a query can fail ends as a sentence in the window, never as a hang."""
        self.busy_changed.emit(True)
        try:
            await coro
        except RequestFailed as exc:
            self.message.emit(i18n.refusal(exc), "error")
        except asyncio.CancelledError:
            raise
        except NotAllowed as exc:  # expected for some accounts: one line, no traceback
            log.info("analytics query not allowed: %s", exc)
            self.message.emit(self.tr("This account may not ask the analytics worker. Ask an "
                                      "admin to give it the operator permissions of "
                                      "docs/admin.md, or connect with an admin account."),
                              "error")
        except Exception as exc:
            log.warning("analytics query failed", exc_info=True)
            self.message.emit(self.tr("The query failed: {why}").format(why=exc), "error")
        finally:
            self.busy_changed.emit(False)

    async def _load_cameras(self) -> None:
        self.message.emit(self.tr("Asking the analytics worker for its cameras…"), "info")
        reply = await self.client.cameras()
        shapes: dict[str, list[Shape]] = {}
        for cam in reply.cameras:
            zone_set = await self.client.latest_zone_set(cam.camera_id)
            shapes[cam.camera_id] = [] if zone_set is None else [
                Shape(s.kind, s.id, s.label, tuple(s.classes))
                for s in [*zone_set.lines, *zone_set.zones]]
        since = datetime.now(UTC) - timedelta(days=RECENT_DAYS)
        totals = await self.client.totals(since=since)
        self.counted = {r.camera_id for r in totals.rows if r.count_in or r.count_out}
        self.cameras, self.shapes = reply.cameras, shapes
        self.cameras_changed.emit()
        if not self.cameras:
            self.message.emit(self.tr("The analytics worker has no cameras yet: nothing has "
                                      "been counted."), "warning")
        elif not self.counted:
            self.message.emit(self.tr("{n} cameras known to the analytics worker; none has "
                                      "counted anything in the last {days} days.").format(
                                          n=len(self.cameras), days=RECENT_DAYS), "warning")
        else:
            self.message.emit(self.tr("{n} cameras known to the analytics worker, {c} with counts "
                                      "in the last {days} days.").format(
                                          n=len(self.cameras), c=len(self.counted),
                                          days=RECENT_DAYS), "info")

    async def _show(self, sel: Selection, shape_label: str) -> None:
        self.message.emit(self.tr("Querying…"), "info")
        if sel.site_id is not None:
            await self._show_site(sel, shape_label)
            return
        common = {"camera_id": sel.camera_id, "period": sel.period, "start": sel.start,
                  "end": sel.end, "shape_id": sel.shape_id, "class_name": sel.class_name,
                  "timezone": sel.timezone}
        series = await self.client.series(shape_kind=sel.shape_kind, **common)
        occupancy = None
        if sel.shape_kind == "zone":
            occupancy = await self.client.occupancy(**common)
        span_start, span_end = series.points[0].start, series.points[-1].end
        totals = await self.client.totals(sel.camera_id, since=span_start, until=span_end)
        rows = [ChartRow(p.start, p.end, p.count_in, p.count_out,
                         occupancy.points[i].at_end if occupancy else None,
                         occupancy.points[i].peak if occupancy else None,
                         occupancy.points[i].corrected if occupancy else None)
                for i, p in enumerate(series.points)]
        breakdown = [r for r in totals.rows if r.kind == sel.shape_kind
                     and (sel.class_name is None or r.class_name == sel.class_name)
                     and (sel.shape_id is None or r.shape_id == sel.shape_id)]
        self.data = ChartData(sel, shape_label, rows, breakdown)
        self.shown.emit(self.data)
        span = span_text(*self.data.span, sel.tz)
        if self.data.empty:
            self.message.emit(self.tr("Nothing counted for {camera} · {shape} in {span}.").format(
                camera=sel.camera_id, shape=shape_label, span=span), "warning")
        else:
            periods = {"hourly": self.tr("{n} hourly bucket(s)"), "daily": self.tr("{n} daily bucket(s)"),
                       "weekly": self.tr("{n} weekly bucket(s)"),
                       "monthly": self.tr("{n} monthly bucket(s)")}
            self.message.emit(periods[sel.period].format(n=len(rows))
                              + f", {span} ({sel.timezone})", "info")

    async def _show_site(self, sel: Selection, site_label: str) -> None:
        """A site's occupancy per bucket: raw and corrected, against its maximum."""
        reply = await self.client.site_occupancy(site_id=sel.site_id, period=sel.period,
                                                 start=sel.start, end=sel.end,
                                                 class_name=sel.class_name,
                                                 timezone=sel.timezone)
        rows = [ChartRow(p.start, p.end, 0, 0, p.at_end, p.peak, p.corrected)
                for p in reply.points]
        self.data = ChartData(sel, site_label, rows, limit=reply.max_occupancy)
        self.shown.emit(self.data)
        span = span_text(*self.data.span, sel.tz)
        self.message.emit(self.tr("Site {name}: people inside, {span} ({tz})").format(
            name=reply.name, span=span, tz=sel.timezone), "info")

    # -- export -------------------------------------------------------------------------------
    async def export_csv(self, path: Path) -> bool:
        """Write what is on screen; the file is written in an executor thread."""
        if self.data is None:
            self.message.emit(self.tr("Nothing to export yet: show a chart first."), "warning")
            return False
        try:
            await asyncio.get_running_loop().run_in_executor(None, write_csv, self.data, path)
        except OSError as exc:
            self.message.emit(self.tr("Export failed: {why}").format(why=exc), "error")
            return False
        self.message.emit(self.tr("Exported {n} rows to {path}").format(n=len(self.data.rows),
                                                                         path=path), "info")
        return True
