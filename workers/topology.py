"""The RabbitMQ topology as data: exchanges, queues, their arguments and bindings.

Every process declares it at start (idempotent). Deviations from the seed queue design, and why,
are in docs/topology.md. A ``namespace`` prefixes every name so test runs (and sites sharing a
vhost) never collide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

ExchangeType = Literal["direct", "topic", "fanout"]
QueueType = Literal["classic", "quorum"]

MINUTE = 60_000
HOUR = 60 * MINUTE

#: Our own header counting failed attempts (RabbitMQ owns ``x-death``).
ATTEMPT_HEADER = "x-camcount-attempts"
ERROR_HEADER = "x-camcount-error"
ORIGIN_EXCHANGE_HEADER = "x-camcount-original-exchange"
ORIGIN_KEY_HEADER = "x-camcount-original-routing-key"
ORIGIN_QUEUE_HEADER = "x-camcount-original-queue"
FAILED_AT_HEADER = "x-camcount-failed-at"

#: Facts (count events, notifications, jobs, errors) are never dropped: their queues refuse new
#: messages when full (``reject-publish``: the publisher's confirm is a nack, and it buffers or
#: slows down) instead of evicting the oldest. Caps are sized for hours of backlog; the alerts
#: worker raises an alarm at ``FACT_ALARM_FRACTION`` of any cap, long before it is reached.
FACT_ALARM_FRACTION = 0.1
#: count events waiting for analytics: about 14 h at 100 events/s, 80 min at 1,000/s
COUNT_EVENTS_CAP = 5_000_000
#: work queues (jobs, reports, notifications, camera controls)
WORK_CAP = 100_000
#: the error queue keeps every error until an admin requeues or discards it
ERROR_CAP = 100_000
#: snapshots waiting for analytics: evidence, not facts, so the oldest give way (drop-head) and
#: a backlog is bounded in bytes as well as in number (a snapshot is up to 512 KiB)
SNAPSHOTS_CAP = 5_000
SNAPSHOTS_CAP_BYTES = 512 << 20

#: On a cluster (``queue_type="quorum"``): deliveries of one message before a quorum queue
#: dead-letters it to the error queue by itself. Our attempt header counts handler failures; this
#: catches what it cannot: a message that kills its consumer's process each time it is delivered.
DELIVERY_LIMIT = 20

#: Retry delays (ms). A failed message is parked in the delay queue of its level and, when its TTL
#: runs out, dead-lettered through the default exchange straight back to the queue it came from.
RETRY_DELAYS_MS = (1_000, 2_000, 4_000, 8_000, 16_000, 30_000)


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    type: ExchangeType
    durable: bool = True


@dataclass(frozen=True)
class Binding:
    exchange: str
    routing_key: str


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    bindings: tuple[Binding, ...] = ()
    durable: bool = True
    #: what it holds is worth nothing once old (frames, requests): stays a classic queue on a
    #: cluster, and is not durable there, so it can be declared again on a live node
    live: bool = False

    @property
    def cap(self) -> int | None:
        """The most messages a fact queue takes before refusing more (None: live or uncapped)."""
        if self.arguments.get("x-overflow") == "reject-publish":
            return self.arguments.get("x-max-length")
        return None


def _args(ttl_ms: int | None, max_length: int | None, *, dlx: str | None, dl_key: str | None = None,
          max_priority: int | None = None, sac: bool = False, fact: bool = False) -> dict[str, Any]:
    """Queue arguments. ``fact``: refuse publishes when full rather than drop the oldest, and
    keep the backlog on disk (a long analytics outage must not fill the broker's memory)."""
    a: dict[str, Any] = {}
    if ttl_ms is not None:
        a["x-message-ttl"] = ttl_ms
    if max_length is not None:
        a["x-max-length"] = max_length
        a["x-overflow"] = "reject-publish" if fact else "drop-head"
    if fact:
        a["x-queue-mode"] = "lazy"
    if dlx is not None:
        a["x-dead-letter-exchange"] = dlx
        if dl_key is not None:
            a["x-dead-letter-routing-key"] = dl_key
    if max_priority is not None:
        a["x-max-priority"] = max_priority
    if sac:
        a["x-single-active-consumer"] = True
    return a


class Topology:
    """Names and declarations, optionally under a namespace prefix."""

    def __init__(self, namespace: str = "", *, queue_type: QueueType = "classic",
                 caps: Mapping[str, int] | None = None):
        """``caps``: other capacities for fact queues, by name without namespace (every process
        of a site must use the same: the broker refuses a queue declared two ways)."""
        self.namespace = namespace
        self.queue_type = queue_type
        self._caps = dict(caps or {})
        n = self.name
        # Exchanges. camera.events is a topic exchange (the seed has direct): consumers follow
        # cameras they do not know in advance (camera.status.*, camera.detection.*); exact keys
        # route the same way on a topic exchange.
        self.camera_events = n("camera.events")
        self.analytics_jobs = n("analytics.jobs")
        self.system_events = n("system.events")
        self.dead_letter = n("dead.letter")
        # The one exchange an operator account may write (docs/admin.md): acknowledgements, taken
        # by the analytics worker with the acknowledger from the broker-validated user_id.
        self.alert_acks = n("alert.acknowledgements")
        # Read-only questions to analytics (charts, totals, zone sets): an operator account may
        # write here, not to the default exchange; analytics answers nothing here that writes.
        self.queries = n("rpc.queries")
        # Pictures as the camera took them, for accounts with the "see faces" right only, when
        # the site hides people (docs/privacy.md); and their log of who looked at which camera.
        self.camera_faces = n("camera.faces")
        self.privacy_audit = n("privacy.audit")
        self.exchanges: tuple[ExchangeSpec, ...] = (
            ExchangeSpec(self.camera_events, "topic"),
            ExchangeSpec(self.analytics_jobs, "topic"),
            ExchangeSpec(self.system_events, "fanout"),
            ExchangeSpec(self.dead_letter, "direct"),
            ExchangeSpec(self.alert_acks, "fanout"),
            ExchangeSpec(self.queries, "direct"),
            ExchangeSpec(self.camera_faces, "topic"),
            ExchangeSpec(self.privacy_audit, "fanout"),
            *(ExchangeSpec(self.delay_exchange(ms), "fanout") for ms in RETRY_DELAYS_MS),
        )

        dl, retry_key, error_key = self.dead_letter, "dead.letter.retry", "dead.letter.error"
        self.retry_queue = n("dead.letter.retry")
        self.error_queue = n("dead.letter.error")
        self.error_routing_key = error_key
        self.count_events = n("camera.count.events")
        self.snapshots = n("camera.snapshots")
        self.camera_states = n("camera.state.changes")
        self.analytics_processing = n("analytics.processing")
        self.report_generation = n("analytics.report.generation")
        self.email_queue = n("notification.email")
        self.webhook_queue = n("notification.webhook")
        self.rpc_analytics = n("rpc.analytics")
        self.rpc_notifier = n("rpc.notifier")
        self.alert_acks_queue = n("alert.acknowledgements")
        self.heatmaps = n("camera.heatmaps")
        self.privacy_audit_queue = n("privacy.audit")
        # Kept as the seed declares it, but unbound: frames go to the per-camera shards.
        self.frame_processing = n("camera.frame.processing")

        def q(name: str, args: dict[str, Any], *bindings: Binding, live: bool = False) -> QueueSpec:
            return QueueSpec(name, args, tuple(bindings), live=live)

        ce, aj = self.camera_events, self.analytics_jobs
        self.queues: tuple[QueueSpec, ...] = (
            q(self.frame_processing,
              _args(5 * MINUTE, 1000, dlx=dl, dl_key=retry_key, max_priority=10), live=True),
            q(self.count_events, self._facts("camera.count.events", COUNT_EVENTS_CAP),
              Binding(ce, "camera.counts.*")),
            q(self.camera_states, self._facts("camera.state.changes"), Binding(ce, "camera.state.*")),
            # Evidence of count events, apart from them (docs/messages.md#snapshots): a full
            # queue drops its oldest, which the error queue never hears of (no DLX).
            q(self.snapshots, {"x-max-length": SNAPSHOTS_CAP, "x-max-length-bytes":
                               SNAPSHOTS_CAP_BYTES, "x-overflow": "drop-head",
                               "x-queue-mode": "lazy"}, Binding(ce, "camera.snapshot.*")),
            q(self.analytics_processing, self._facts("analytics.processing", max_priority=5),
              *(Binding(aj, f"analytics.{p}.*") for p in ("hourly", "daily", "weekly", "monthly"))),
            q(self.report_generation, self._facts("analytics.report.generation"),
              Binding(aj, "analytics.report.*")),
            # Notifications are addressed to their queue through the default exchange.
            q(self.email_queue, self._facts("notification.email")),
            q(self.webhook_queue, self._facts("notification.webhook")),
            # What a queue dead-letters by itself (only the unbound seed frame queue still does)
            # passes through here to the error queue; no cap, so nothing is evicted on the way.
            q(self.retry_queue, _args(5 * MINUTE, None, dlx=dl, dl_key=error_key),
              Binding(dl, retry_key)),
            q(self.error_queue, _args(None, self._cap("dead.letter.error", ERROR_CAP), dlx=None,
                                      fact=True), Binding(dl, error_key)),
            # Request/reply: a stale request is useless, so it expires instead of dead-lettering.
            q(self.rpc_analytics, _args(MINUTE, 1000, dlx=None),
              Binding(self.queries, self.rpc_analytics), live=True),
            q(self.rpc_notifier, _args(MINUTE, 1000, dlx=None), live=True),
            q(self.alert_acks_queue, self.fact_arguments(), Binding(self.alert_acks, "")),
            q(self.heatmaps, self._facts("camera.heatmaps"), Binding(ce, "camera.heatmap.*")),
            q(self.privacy_audit_queue, self._facts("privacy.audit"),
              Binding(self.privacy_audit, "")),
            *(q(self.delay_queue(ms), {"x-message-ttl": ms, "x-dead-letter-exchange": ""},
                Binding(self.delay_exchange(ms), ""))
              for ms in RETRY_DELAYS_MS),
        )
        #: bindings of earlier versions that ``topology declare`` removes: the seed's
        #: ``camera.detection.results`` held every frame's result with drop-head (counts were
        #: lost when analytics fell behind); results are live now, count events are facts.
        self.retired_bindings: tuple[tuple[str, Binding], ...] = (
            (n("camera.detection.results"), Binding(ce, "camera.detection.*")),
        )

    def name(self, base: str) -> str:
        return f"{self.namespace}{base}"

    def _cap(self, base: str, default: int = WORK_CAP) -> int:
        return self._caps.get(base, default)

    def _facts(self, base: str, default_cap: int = WORK_CAP, **kw: Any) -> dict[str, Any]:
        return self.fact_arguments(self._cap(base, default_cap), **kw)

    def fact_arguments(self, cap: int = WORK_CAP, **kw: Any) -> dict[str, Any]:
        """Arguments of a queue of facts or work. No TTL: an hour-old count or alert email is
        late, not void. What a consumer rejects outright lands in the error queue."""
        return _args(None, cap, dlx=self.dead_letter, dl_key=self.error_routing_key, fact=True,
                     **kw)

    # -- per-camera shards -------------------------------------------------------------------
    def frame_queue(self, camera_id: str) -> QueueSpec:
        """One frame queue per camera with a single active consumer, so a tracker sees its
        camera's frames in order and another detector takes over when the active one dies.
        Overflowing frames are discarded (``dead.letter.discard`` has no queue): frames are
        at-most-once by design and must not flood the error queue."""
        return QueueSpec(
            self.name(f"camera.frame.processing.{camera_id}"),
            _args(5 * MINUTE, 1000, dlx=self.dead_letter, dl_key="dead.letter.discard",
                  max_priority=10, sac=True),
            (Binding(self.camera_events, f"camera.frame.{camera_id}"),),
            live=True,
        )

    # -- retries -------------------------------------------------------------------------------
    def delay_exchange(self, delay_ms: int) -> str:
        return self.name(f"retry.delay.{delay_ms}")

    def delay_queue(self, delay_ms: int) -> str:
        return self.name(f"retry.delay.{delay_ms}")

    @staticmethod
    def retry_delay_ms(attempt: int, base_ms: int = 1_000, cap_ms: int = 30_000) -> int:
        """Delay before retry ``attempt`` (1-based): base doubling, capped, snapped to a level."""
        want = min(base_ms * 2 ** (attempt - 1), cap_ms)
        return min((d for d in RETRY_DELAYS_MS if d >= want), default=RETRY_DELAYS_MS[-1])

    # -- routing keys -------------------------------------------------------------------------
    @staticmethod
    def frame_key(camera_id: str) -> str:
        return f"camera.frame.{camera_id}"

    @staticmethod
    def view_key(camera_id: str) -> str:
        """Frames the detector publishes for the wall with people hidden (privacy on)."""
        return f"camera.view.{camera_id}"

    @staticmethod
    def faces_key(camera_id: str) -> str:
        """Frames as taken, on ``camera_faces`` (privacy ``blur``), for the "see faces" right."""
        return f"camera.faces.{camera_id}"

    @staticmethod
    def heatmap_key(camera_id: str) -> str:
        return f"camera.heatmap.{camera_id}"

    @staticmethod
    def detection_key(camera_id: str) -> str:
        return f"camera.detection.{camera_id}"

    @staticmethod
    def counts_key(camera_id: str) -> str:
        return f"camera.counts.{camera_id}"

    @staticmethod
    def snapshot_key(camera_id: str) -> str:
        return f"camera.snapshot.{camera_id}"

    @staticmethod
    def state_key(camera_id: str) -> str:
        """A camera's state changes, as facts (its periodic status is ``status_key``)."""
        return f"camera.state.{camera_id}"

    @staticmethod
    def status_key(camera_id: str) -> str:
        return f"camera.status.{camera_id}"

    @staticmethod
    def error_key(camera_id: str) -> str:
        return f"camera.error.{camera_id}"

    @staticmethod
    def control_key(camera_id: str) -> str:
        return f"camera.control.{camera_id}"

    def queue(self, name: str) -> QueueSpec:
        for spec in self.queues:
            if spec.name == name:
                return spec
        raise KeyError(f"no queue {name!r} in the topology")

    def queue_type_of(self, spec: QueueSpec, queue_type: QueueType | None = None) -> QueueType:
        """The type this build declares ``spec`` with: on a cluster everything that holds facts,
        work or retries is a quorum queue; live queues stay classic (docs/topology.md)."""
        cluster = (queue_type or self.queue_type) == "quorum"
        return "quorum" if cluster and not spec.live and spec.durable else "classic"

    def declaration(self, spec: QueueSpec, queue_type: QueueType | None = None) -> QueueSpec:
        """``spec`` as declared on this broker: per-queue decisions for a cluster.

        A quorum queue takes no priorities (3.10 refuses ``x-max-priority``: jobs run in
        arrival order) and no ``x-queue-mode`` (its log is on disk anyway); it dead-letters
        at-least-once (which needs ``reject-publish``: a fact queue has it, a delay queue gets
        it) and after ``DELIVERY_LIMIT`` deliveries. A classic durable queue is unusable while
        its node is down — RabbitMQ refuses to declare it elsewhere — so live queues are not
        durable on a cluster: they vanish with their node and are declared again on a live one.
        """
        if (queue_type or self.queue_type) != "quorum":
            return spec
        args = dict(spec.arguments)
        if self.queue_type_of(spec, "quorum") == "classic":
            return replace(spec, durable=False) if spec.live else spec
        args["x-queue-type"] = "quorum"
        args.pop("x-queue-mode", None)
        args.pop("x-max-priority", None)
        if "x-dead-letter-exchange" in args:
            args["x-dead-letter-strategy"] = "at-least-once"
            args["x-overflow"] = "reject-publish"
        if args.get("x-overflow") == "reject-publish" and "x-max-length" in args:
            args["x-delivery-limit"] = DELIVERY_LIMIT  # a consumed fact or work queue
        return replace(spec, arguments=args)
