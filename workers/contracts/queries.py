"""Queries to the analytics worker over request/reply (``rpc.analytics``), and their replies.

One request contract carries one of several query kinds (a discriminated union on ``kind``), so
an unknown kind or a bad field is refused with the reason like any other invalid message: the
requester gets a ``RemoteError`` naming the field.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from workers.contracts.analytics import Period, _check_tz
from workers.contracts.base import Contract
from workers.contracts.camera import CameraConfig
from workers.contracts.heatmap import Base64Bytes
from workers.contracts.phrases import Phrase, refuse
from workers.contracts.routes import RoutesQuery, RoutesReply
from workers.contracts.sites import Site, SiteDoor, SiteZone
from workers.contracts.zones import OccupancySettings, ZoneSet

#: longest range a series may span, so one request cannot ask for millions of buckets
MAX_SERIES_SPAN: dict[str, timedelta] = {
    "hourly": timedelta(days=400), "daily": timedelta(days=3700),
    "weekly": timedelta(days=3700), "monthly": timedelta(days=3700),
}


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _BucketedQuery(_Query):
    """A query over [start, end) in buckets of ``period``, in a time zone (default: the analytics
    worker's)."""

    period: Period
    start: AwareDatetime
    end: AwareDatetime
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_tz(cls, v: str | None) -> str | None:
        return v if v is None else _check_tz(v)

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.end <= self.start:
            raise refuse("end_before_start")
        if self.end - self.start > MAX_SERIES_SPAN[self.period]:
            raise refuse("series_too_long", period=self.period,
                         days=MAX_SERIES_SPAN[self.period].days)
        return self


class SeriesQuery(_BucketedQuery):
    """Counts per bucket for one camera, optionally one shape (or every line, or every zone)
    and one class, in a time zone."""

    kind: Literal["series"] = "series"
    camera_id: str = Field(min_length=1)
    shape_id: str | None = None
    #: only lines, or only zones: a camera's crossings and its zone entries are different counts
    shape_kind: Literal["line", "zone", "route"] | None = None
    class_name: str | None = None


class OccupancyQuery(SeriesQuery):
    """People in a camera's zones (one zone, or all of them) per bucket, from entries and exits."""

    kind: Literal["occupancy"] = "occupancy"  # type: ignore[assignment]
    shape_kind: Literal["zone"] = "zone"  # type: ignore[assignment]


class TotalsQuery(_Query):
    """In/out counts per camera, shape and class in [since, until) (default: local midnight to
    now)."""

    kind: Literal["totals"] = "totals"
    camera_id: str | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class AlertsQuery(_Query):
    kind: Literal["alerts"] = "alerts"
    camera_id: str | None = None
    unacknowledged_only: bool = False
    limit: int = Field(default=50, ge=1, le=1000)


class AcknowledgeAlert(_Query):
    """Acknowledged by the broker account that sends the request (``Delivery.user_id``)."""

    kind: Literal["acknowledge_alert"] = "acknowledge_alert"
    alert_id: str = Field(min_length=1)
    note: str = Field(default="", max_length=500)


class SnapshotQuery(_Query):
    """The snapshot of one count-events message (``CountEvents.message_id``)."""

    kind: Literal["snapshot"] = "snapshot"
    event_message_id: str = Field(min_length=1, max_length=64)


class AlertSnapshotQuery(_Query):
    """The picture of an alert: its camera's newest snapshot taken at or before the alert was
    raised (of the alert's zone, when it names one and such a snapshot exists)."""

    kind: Literal["alert_snapshot"] = "alert_snapshot"
    alert_id: str = Field(min_length=1, max_length=64)


class CountEventsQuery(_Query):
    """The count events of a camera in [start, end) (one bucket of a chart), newest first, each
    saying whether its snapshot is stored."""

    kind: Literal["count_events"] = "count_events"
    camera_id: str = Field(min_length=1)
    start: AwareDatetime
    end: AwareDatetime
    shape_kind: Literal["line", "zone"] | None = None
    shape_id: str | None = None
    class_name: str | None = None
    limit: int = Field(default=200, ge=1, le=1000)

    @model_validator(mode="after")
    def _range(self) -> CountEventsQuery:
        if self.end <= self.start:
            raise refuse("end_before_start")
        return self


class CamerasQuery(_Query):
    kind: Literal["cameras"] = "cameras"
    include_removed: bool = False


class ZoneSetQuery(_Query):
    """A camera's zone set at a version, or its newest (what a detector asks for at start)."""

    kind: Literal["zone_set"] = "zone_set"
    camera_id: str = Field(min_length=1)
    version: int | None = Field(default=None, ge=1)


class SaveZoneSet(_Query):
    """Store a camera's lines and zones as the version after ``base_version``, the one the admin
    drew on (0: none stored yet). Refused, with the reason, when another version was stored since
    or a shape takes the id of a line or zone retired earlier; once stored, the analytics worker
    announces it (``zones_stored`` on ``camera.control.{id}``) and detectors count with it."""

    kind: Literal["save_zone_set"] = "save_zone_set"
    zone_set: ZoneSet
    base_version: int = Field(ge=0)
    requested_by: str = ""

    @model_validator(mode="after")
    def _next_version(self) -> SaveZoneSet:
        if self.zone_set.version != self.base_version + 1:
            raise ValueError(f"a zone set drawn on version {self.base_version} is saved as version "
                             f"{self.base_version + 1}, not {self.zone_set.version}")
        return self


# -- sites: people inside a place with several doors, maybe on several cameras ----------------
class SiteOccupancyQuery(_BucketedQuery):
    """A stored site's occupancy (``site_id``), or that of the doors and zones the request
    carries, so any console or script can ask about any set of doors."""

    kind: Literal["site_occupancy"] = "site_occupancy"
    site_id: str | None = Field(default=None, min_length=1, max_length=64)
    name: str = ""
    doors: list[SiteDoor] = Field(default_factory=list, max_length=64)
    zones: list[SiteZone] = Field(default_factory=list, max_length=64)
    occupancy: OccupancySettings = Field(default_factory=OccupancySettings)
    class_name: str | None = None

    @model_validator(mode="after")
    def _a_site(self) -> Self:
        if self.site_id is None and not self.doors and not self.zones:
            raise ValueError("name a stored site (site_id) or give its doors or zones")
        return self


class SitesQuery(_Query):
    kind: Literal["sites"] = "sites"


class SaveSite(_Query):
    """Add a site, or replace the one with id ``replaces`` (its old id when it was renamed)."""

    kind: Literal["save_site"] = "save_site"
    site: Site
    replaces: str | None = None


class DeleteSite(_Query):
    kind: Literal["delete_site"] = "delete_site"
    site_id: str = Field(min_length=1, max_length=64)


class ReportsQuery(_Query):
    kind: Literal["reports"] = "reports"
    limit: int = Field(default=20, ge=1, le=500)


class HeatmapQuery(_Query):
    """A camera's heatmap summed over [start, end) (whole UTC hours: an hour counts when it
    starts inside), with the newest reference picture from before ``end``."""

    kind: Literal["heatmap"] = "heatmap"
    camera_id: str = Field(min_length=1)
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _range(self) -> HeatmapQuery:
        if self.end <= self.start:
            raise refuse("end_before_start")
        if self.end - self.start > MAX_SERIES_SPAN["hourly"]:
            raise refuse("heatmap_too_long", days=MAX_SERIES_SPAN["hourly"].days)
        return self


class FacesViewsQuery(_Query):
    """The log of who viewed pictures with people showing (newest first)."""

    kind: Literal["faces_views"] = "faces_views"
    camera_id: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)


AnalyticsQuery = Annotated[
    SeriesQuery | OccupancyQuery | TotalsQuery | AlertsQuery | AcknowledgeAlert | CamerasQuery
    | ZoneSetQuery | SaveZoneSet | ReportsQuery | RoutesQuery | SnapshotQuery
    | AlertSnapshotQuery | CountEventsQuery | HeatmapQuery | FacesViewsQuery
    | SiteOccupancyQuery | SitesQuery | SaveSite | DeleteSite,
    Field(discriminator="kind"),
]


class AnalyticsRequest(Contract):
    type_name: ClassVar[str] = "analytics_query"

    query: AnalyticsQuery


# -- replies ------------------------------------------------------------------------------------
class SeriesPoint(BaseModel):
    start: datetime
    end: datetime
    #: local start with its offset, e.g. 2026-10-25T02:00+01:00
    label: str
    count_in: int = 0
    count_out: int = 0
    mean_dwell_seconds: float | None = None


class SeriesReply(BaseModel):
    camera_id: str
    period: Period
    timezone: str
    points: list[SeriesPoint]

    @property
    def total_in(self) -> int:
        return sum(p.count_in for p in self.points)

    @property
    def total_out(self) -> int:
        return sum(p.count_out for p in self.points)


class OccupancyPoint(BaseModel):
    start: datetime
    end: datetime
    label: str
    #: inside when the bucket ends (or now, for the current bucket)
    at_end: int
    #: the most inside at once during the bucket
    peak: int
    #: ``at_end`` corrected by the zones' average visit times (None: no zone has one); see
    #: ``workers/analytics/occupancy.py``
    corrected: int | None = None


class OccupancyReply(BaseModel):
    camera_id: str
    period: Period
    timezone: str
    points: list[OccupancyPoint]


class SiteOccupancyReply(BaseModel):
    name: str
    site_id: str | None = None
    #: the site's maximum occupancy, when it has one
    max_occupancy: int | None = None
    period: Period
    timezone: str
    #: ``at_end`` and ``peak`` raw (entries minus exits), ``corrected`` with an average visit
    points: list[OccupancyPoint]


class TotalRow(BaseModel):
    camera_id: str
    kind: Literal["line", "zone", "route"]
    shape_id: str
    class_name: str
    count_in: int = 0
    count_out: int = 0


class TotalsReply(BaseModel):
    since: datetime
    until: datetime
    rows: list[TotalRow]


class AlertInfo(BaseModel):
    alert_id: str
    source: str
    severity: str
    camera_id: str | None
    zone_id: str | None
    data: dict[str, Any]
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None = None
    acknowledge_note: str | None = None


class AlertsReply(BaseModel):
    alerts: list[AlertInfo]


class SnapshotReply(BaseModel):
    """A stored snapshot, or why there is none (``missing``: never made, dropped or pruned)."""

    # the JPEG as base64 in the JSON reply (a capped snapshot fits well within a reply)
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    found: bool
    missing: str = ""
    event_message_id: str | None = None
    camera_id: str | None = None
    taken_at: datetime | None = None
    width: int = 0
    height: int = 0
    shape_ids: list[str] = Field(default_factory=list)
    jpeg: bytes = Field(default=b"", repr=False)


class CountEventInfo(BaseModel):
    event_message_id: str
    camera_id: str
    kind: Literal["line", "zone"]
    shape_id: str
    direction: Literal["in", "out"]
    class_name: str
    track_id: int
    at: datetime
    dwell_seconds: float | None = None
    has_snapshot: bool


class CountEventsReply(BaseModel):
    events: list[CountEventInfo]
    #: more events than ``limit`` fell in the range
    truncated: bool = False


class CameraInfo(BaseModel):
    camera_id: str
    name: str
    enabled: bool
    #: as last configured, with any password in the source removed; None if never configured
    config: CameraConfig | None
    zones_version: int | None
    first_seen_at: datetime
    removed_at: datetime | None


class CamerasReply(BaseModel):
    cameras: list[CameraInfo]


class ZoneSetReply(BaseModel):
    zone_set: ZoneSet | None


class ZoneSetSaved(BaseModel):
    """The answer to ``SaveZoneSet``: ``saved`` and the stored set, or why not (``error``) and the
    version stored now (``current``, None when there is none), to draw on instead."""

    saved: bool
    current: ZoneSet | None
    error: str | None = None
    #: the same as a code and values, said in the reader's language (``error`` is for logs and
    #: older consoles)
    error_phrase: Phrase | None = None


class ReportInfo(BaseModel):
    report_id: str
    report_type: str
    format: str
    state: Literal["queued", "running", "done", "failed"]
    attempts: int
    path: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ReportsReply(BaseModel):
    reports: list[ReportInfo]


#: query kinds that change what is stored: never taken through the read-only query exchange
WRITES = frozenset({"save_zone_set", "acknowledge_alert", "save_site", "delete_site"})
#: questions only admins may ask: never answered on the read-only query exchange either (the
#: faces-view log says who looked at whom: a privacy audit, not an operator's business)
ADMIN_READS = frozenset({"faces_views"})
#: what an operator's account may not have answered (it can reach only the read-only exchange)
ADMIN_ONLY = WRITES | ADMIN_READS


class HeatmapReply(BaseModel):
    """Dense, row-major grids (``rows`` x ``cols``, row 0 at the top of the frame)."""

    camera_id: str
    start: datetime
    end: datetime
    cols: int
    rows: int
    frame_width: int
    frame_height: int
    #: hours with data, frames summed
    hours: int
    frames: int
    #: tracks that came into each cell (where people walk)
    visits: list[int]
    #: seconds spent in each cell (where people stand longest)
    dwell: list[float]
    reference_jpeg: Base64Bytes | None = Field(default=None, repr=False)
    reference_at: datetime | None = None
    #: facts of another grid size in the period, left out of the sum
    skipped: int = 0


class FacesViewInfo(BaseModel):
    camera_id: str
    action: Literal["start", "stop"]
    viewer: str
    console: str
    at: datetime


class FacesViewsReply(BaseModel):
    views: list[FacesViewInfo]


class SitesReply(BaseModel):
    sites: list[Site]


class SiteSaved(BaseModel):
    """The answer to ``SaveSite`` and ``DeleteSite``: the sites stored now, and why nothing was
    changed when it was refused (``error``)."""

    saved: bool
    sites: list[Site]
    error: str | None = None
    #: the same as a code and values, said in the reader's language (``error`` is for logs and
    #: older consoles)
    error_phrase: Phrase | None = None


#: the reply model of each query kind
REPLIES: dict[str, type[BaseModel]] = {
    "series": SeriesReply, "occupancy": OccupancyReply, "totals": TotalsReply,
    "alerts": AlertsReply, "acknowledge_alert": AlertInfo, "cameras": CamerasReply, "zone_set": ZoneSetReply,
    "save_zone_set": ZoneSetSaved,
    "reports": ReportsReply, "routes": RoutesReply,
    "snapshot": SnapshotReply, "alert_snapshot": SnapshotReply, "count_events": CountEventsReply,
    "heatmap": HeatmapReply, "faces_views": FacesViewsReply,
    "site_occupancy": SiteOccupancyReply, "sites": SitesReply, "save_site": SiteSaved,
    "delete_site": SiteSaved,
}
