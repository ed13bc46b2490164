"""Every message the processes exchange, one module per family, validated on receipt."""

from workers.contracts.analytics import (
    AnalyticsJob,
    JobParameters,
    ReportParameters,
    ReportProgress,
    ReportRequest,
    TimeRange,
)
from workers.contracts.base import (
    SCHEMA_VERSION,
    TYPE_HEADER,
    Contract,
    ContractError,
    Metadata,
    new_id,
    utcnow,
)
from workers.contracts.camera import CameraConfig, CameraControl, CameraError, CameraStatus
from workers.contracts.counts import CountEvents
from workers.contracts.detection import (
    CountEvent,
    CountingData,
    Detection,
    DetectionBlock,
    DetectionResult,
    LineCounts,
    ZoneAnalysis,
)
from workers.contracts.frames import Frame
from workers.contracts.heatmap import HeatmapFact
from workers.contracts.notifications import (
    AlertFacts,
    EmailNotification,
    ReportFacts,
    WebhookNotification,
)
from workers.contracts.privacy import FacesViewed
from workers.contracts.snapshots import Snapshot
from workers.contracts.system import AlertAcknowledgement, SystemEvent
from workers.contracts.zones import LineDef, MaskDef, ZoneDef, ZoneSet

#: contract by its ``x-camcount-type`` header value
BY_TYPE: dict[str, type[Contract]] = {
    c.type_name: c
    for c in (Frame, DetectionResult, CountEvents, CameraStatus, CameraError, CameraControl,
              AnalyticsJob, ReportRequest, ReportProgress, EmailNotification, WebhookNotification,
              SystemEvent, AlertAcknowledgement, Snapshot, HeatmapFact, FacesViewed)
}

__all__ = [
    "BY_TYPE", "SCHEMA_VERSION", "TYPE_HEADER", "AlertAcknowledgement", "AlertFacts",
    "AnalyticsJob", "CameraConfig",
    "CameraControl", "CameraError", "CameraStatus", "Contract", "ContractError", "CountEvent",
    "CountEvents",
    "CountingData", "Detection", "FacesViewed", "HeatmapFact", "MaskDef", "DetectionBlock",
    "DetectionResult", "EmailNotification", "Frame",
    "JobParameters", "LineCounts", "LineDef", "Metadata", "ReportParameters", "ReportProgress",
    "ReportFacts", "ReportRequest", "Snapshot", "SystemEvent", "TimeRange", "WebhookNotification",
    "ZoneAnalysis", "ZoneDef", "ZoneSet", "new_id", "utcnow",
]
