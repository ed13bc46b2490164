"""One module per rule kind, each registered by the ``kind`` of its rules (``KINDS``)."""

from workers.alerts.rules import (  # noqa: F401  (registers each kind)
    camera_offline,
    crossings,
    error_queue,
    queue_depth,
    routes,
    site_occupancy,
    worker_silent,
    zone_occupancy,
)
from workers.alerts.rules.base import KINDS, Condition, QueueDepths, RuleKind, Subject

__all__ = ["KINDS", "Condition", "QueueDepths", "RuleKind", "Subject"]
