"""Tables of the analytics store. The migrations in ``migrations/versions`` create exactly these.

Times are aware UTC everywhere (``UTCDateTime``); local time only exists in bucket boundaries,
which are stored as the UTC instants they begin and end at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from workers.storage.sql import BigId, JSONDoc, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CameraId = sa.String(64)
ShapeId = sa.String(64)
MessageId = sa.String(64)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONDoc}


class CameraRecord(Base):
    """A camera the system has heard of: configured by an admin, or first seen in a result."""

    __tablename__ = "cameras"

    camera_id: Mapped[str] = mapped_column(CameraId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: the last ``CameraConfig`` seen, with any password in the source address removed
    config: Mapped[dict[str, Any] | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    first_seen_at: Mapped[datetime]
    #: timestamp of the last control message applied (older ones arriving late are ignored);
    #: None until an admin configured the camera
    updated_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]


class ZoneSetRow(Base):
    """One camera's lines and zones at one version, as the ``ZoneSet`` the admin sent."""

    __tablename__ = "zone_sets"

    camera_id: Mapped[str] = mapped_column(CameraId, sa.ForeignKey("cameras.camera_id"),
                                           primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    definition: Mapped[dict[str, Any]]
    message_id: Mapped[str] = mapped_column(MessageId)
    received_at: Mapped[datetime]


class Zone(Base):
    """One line or zone of a zone set version; count events point here by (camera, version, shape)."""

    __tablename__ = "zones"
    __table_args__ = (
        sa.ForeignKeyConstraint(["camera_id", "version"],
                                ["zone_sets.camera_id", "zone_sets.version"], ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('line', 'zone')", name="kind"),
    )

    camera_id: Mapped[str] = mapped_column(CameraId, primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    shape_id: Mapped[str] = mapped_column(ShapeId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    classes: Mapped[list[str]] = mapped_column(sa.JSON)
    points: Mapped[list[list[float]]] = mapped_column(sa.JSON)


class CountEventRow(Base):
    """One line crossing, zone entry/exit or route completed. The unique key makes a
    redelivered result a no-op."""

    __tablename__ = "count_events"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "shape_id", "track_id", "kind", "direction",
                            name="uq_count_events_delivery"),
        sa.Index("ix_count_events_camera_at", "camera_id", "at"),
        sa.CheckConstraint("kind IN ('line', 'zone', 'route')", name="kind"),
        sa.CheckConstraint("direction IN ('in', 'out')", name="direction"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(MessageId)
    trace_id: Mapped[str | None] = mapped_column(sa.String(64))
    camera_id: Mapped[str] = mapped_column(CameraId, sa.ForeignKey("cameras.camera_id"))
    #: the zone set version the detector counted with (0: none known)
    zones_version: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(8))
    shape_id: Mapped[str] = mapped_column(ShapeId)
    direction: Mapped[str] = mapped_column(sa.String(3))
    class_name: Mapped[str] = mapped_column(sa.String(64))
    track_id: Mapped[int] = mapped_column(sa.BigInteger)
    at: Mapped[datetime]
    #: on a zone exit, seconds inside; on a route, its transit time
    dwell_seconds: Mapped[float | None]
    received_at: Mapped[datetime]
    #: a route's first and last shapes (its ``shape_id`` is the route's id)
    origin: Mapped[str | None] = mapped_column(ShapeId)
    destination: Mapped[str | None] = mapped_column(ShapeId)


class SnapshotRow(Base):
    """The drawn frame of one count-events message: evidence, pruned by age and total size
    (``workers.storage.snapshots``). Not a foreign key to the events: a snapshot may arrive
    before its events are stored, and is pruned long before them."""

    __tablename__ = "snapshots"
    __table_args__ = (sa.Index("ix_snapshots_camera_taken_at", "camera_id", "taken_at"),
                      sa.Index("ix_snapshots_taken_at", "taken_at"))

    #: ``CountEvents.message_id`` of the events it shows
    event_message_id: Mapped[str] = mapped_column(MessageId, primary_key=True)
    camera_id: Mapped[str] = mapped_column(CameraId)
    frame_id: Mapped[str] = mapped_column(sa.String(200))
    taken_at: Mapped[datetime]
    width: Mapped[int]
    height: Mapped[int]
    shape_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    size_bytes: Mapped[int]
    jpeg: Mapped[bytes] = mapped_column(sa.LargeBinary)
    received_at: Mapped[datetime]


class CameraStateRow(Base):
    """A camera going online, reconnecting or offline, as its camera worker saw it: the outage
    history reports are made from. The message id makes a redelivered change a no-op."""

    __tablename__ = "camera_states"
    __table_args__ = (sa.Index("ix_camera_states_camera_at", "camera_id", "at"),)

    message_id: Mapped[str] = mapped_column(MessageId, primary_key=True)
    camera_id: Mapped[str] = mapped_column(CameraId, sa.ForeignKey("cameras.camera_id"))
    state: Mapped[str] = mapped_column(sa.String(16))
    detail: Mapped[str] = mapped_column(sa.String(500))
    worker_id: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[datetime]


class AggregateBucket(Base):
    """A period bucket that has been aggregated (also when it held no events), so a query knows
    which buckets it can read from ``aggregates`` and which it must count from the events."""

    __tablename__ = "aggregate_buckets"

    camera_id: Mapped[str] = mapped_column(CameraId, primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(primary_key=True)
    bucket_end: Mapped[datetime]
    events: Mapped[int]
    computed_at: Mapped[datetime]


class Aggregate(Base):
    """Counts of one bucket by shape, direction and class."""

    __tablename__ = "aggregates"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["camera_id", "period", "timezone", "bucket_start"],
            ["aggregate_buckets.camera_id", "aggregate_buckets.period",
             "aggregate_buckets.timezone", "aggregate_buckets.bucket_start"],
            ondelete="CASCADE"),
    )

    camera_id: Mapped[str] = mapped_column(CameraId, primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    shape_id: Mapped[str] = mapped_column(ShapeId, primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    class_name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int]
    dwell_seconds_sum: Mapped[float] = mapped_column(default=0.0)
    dwell_samples: Mapped[int] = mapped_column(default=0)


class ScheduleMark(Base):
    """Up to where the scheduler has published aggregation jobs; a conditional update on this
    row lets exactly one of several analytics workers publish each period's jobs."""

    __tablename__ = "schedule_marks"

    period: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    done_until: Mapped[datetime]


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (sa.Index("ix_alerts_raised_at", "raised_at"),)

    #: the message id of the ``SystemEvent`` that raised it
    alert_id: Mapped[str] = mapped_column(MessageId, primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(200))
    severity: Mapped[str] = mapped_column(sa.String(16))
    camera_id: Mapped[str | None] = mapped_column(CameraId)
    zone_id: Mapped[str | None] = mapped_column(ShapeId)
    data: Mapped[dict[str, Any]]
    raised_at: Mapped[datetime]
    trace_id: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(200))
    acknowledged_at: Mapped[datetime | None]
    #: what the operator wrote when acknowledging
    acknowledge_note: Mapped[str | None] = mapped_column(sa.Text)
    #: the alert rule that raised it (None: raised by something else)
    rule_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: when its condition ended (the "resolved" event)
    resolved_at: Mapped[datetime | None]


class AlertingConfigVersion(Base):
    """Every saved version of the alert rules and notification targets (``AlertingConfig``, which
    holds secret references, never secret values); the highest version is the one in force."""

    __tablename__ = "alerting_config"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]]
    #: "seed" (read from the file a worker was started with) or "console" (an admin's edit)
    origin: Mapped[str] = mapped_column(sa.String(16))
    #: SHA-256 of the document: a seed file is imported again only when it changed
    digest: Mapped[str] = mapped_column(sa.String(64))
    saved_by: Mapped[str] = mapped_column(sa.String(200), default="")
    saved_at: Mapped[datetime]


class Report(Base):
    """A report request, recorded before it is acknowledged, and the lease of the run on it."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.Index("ix_reports_state_lease_until", "state", "lease_until"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    )

    report_id: Mapped[str] = mapped_column(MessageId, primary_key=True)
    report_type: Mapped[str] = mapped_column(sa.String(32))
    format: Mapped[str] = mapped_column(sa.String(8))
    request: Mapped[dict[str, Any]]
    requested_by: Mapped[str] = mapped_column(sa.String(200), default="")
    state: Mapped[str] = mapped_column(sa.String(16))
    #: runs started so far; a run whose worker died is started again when its lease expires
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(200))
    lease_until: Mapped[datetime | None]
    path: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class NotificationLog(Base):
    """One row per notification: where it stands (scheduled, waiting, sent, failed...).

    ``alert_id`` and ``report_id`` are not foreign keys: a notification may be delivered and
    logged before the alert it tells of reaches the store, or for an alert never stored."""

    __tablename__ = "notification_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(MessageId, unique=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    recipients: Mapped[list[str]] = mapped_column(sa.JSON)
    subject: Mapped[str] = mapped_column(sa.String(500))
    state: Mapped[str] = mapped_column(sa.String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    report_id: Mapped[str | None] = mapped_column(MessageId)
    alert_id: Mapped[str | None] = mapped_column(MessageId)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class NotificationAttempt(Base):
    """Every delivery attempt of a notification, successful or not."""

    __tablename__ = "notification_attempts"
    __table_args__ = (sa.Index("ix_notification_attempts_message_id", "message_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(MessageId)
    attempt: Mapped[int]
    channel: Mapped[str] = mapped_column(sa.String(16))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime]
    ok: Mapped[bool]
    #: HTTP status or SMTP reply code; None when nothing answered
    status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[float] = mapped_column(sa.Float)


class HeatmapRow(Base):
    """One heatmap fact of a camera: where its tracks were during part of an hour (sparse
    ``[cell, value]`` lists of a ``cols`` x ``rows`` grid). A period's heatmap is the sum of its
    rows; the message id makes a redelivered fact a no-op."""

    __tablename__ = "heatmaps"
    __table_args__ = (sa.Index("ix_heatmaps_camera_hour", "camera_id", "hour_start"),)

    message_id: Mapped[str] = mapped_column(MessageId, primary_key=True)
    camera_id: Mapped[str] = mapped_column(CameraId)
    hour_start: Mapped[datetime]
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    cols: Mapped[int]
    rows: Mapped[int]
    frame_width: Mapped[int]
    frame_height: Mapped[int]
    frames: Mapped[int]
    visits: Mapped[list[Any]] = mapped_column(sa.JSON)
    dwell: Mapped[list[Any]] = mapped_column(sa.JSON)
    #: a small JPEG of the scene with people hidden (None: the fact came without one)
    reference_jpeg: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    received_at: Mapped[datetime]


class FacesView(Base):
    """Who looked at a camera's pictures with people showing, and when (the "see faces" right):
    one row per start and stop, by the broker account that sent it."""

    __tablename__ = "faces_views"
    __table_args__ = (sa.Index("ix_faces_views_camera_at", "camera_id", "at"),)

    message_id: Mapped[str] = mapped_column(MessageId, primary_key=True)
    camera_id: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(8))
    viewer: Mapped[str] = mapped_column(sa.String(200))
    console: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[datetime]
    received_at: Mapped[datetime]


class SiteRow(Base):
    """A site (``workers.contracts.sites.Site``): a named set of doors and zones with its own
    occupancy settings, as the admin saved it."""

    __tablename__ = "sites"

    site_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[dict[str, Any]]
    updated_by: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime]
