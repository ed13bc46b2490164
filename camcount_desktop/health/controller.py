"""Health of everything the console depends on: the broker connection and each worker's
heartbeat. A worker silent for more than three heartbeat intervals is gone."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from camcount_desktop import i18n
from camcount_desktop.i18n import number
from workers.contracts import SystemEvent
from workers.contracts.phrases import Phrase
from workers.service import HEARTBEAT_SECONDS

MISSED_BEATS = 3


@dataclass
class WorkerHealth:
    worker_id: str
    role: str
    #: running / stopped as the worker says; gone when it went silent
    state: str
    last_seen: float  # monotonic
    interval: float = HEARTBEAT_SECONDS
    data: dict[str, Any] = field(default_factory=dict)

    def facts_waiting(self) -> str:
        """Counts the worker holds because the broker has not taken them, in words, or ""."""
        n = int(self.data.get("facts_buffered") or 0)
        if not n:
            return ""
        age = float(self.data.get("facts_oldest_s") or 0)
        why = str(self.data.get("facts_error") or "")
        return (QCoreApplication.translate(
            "HealthController", "{n} counts waiting on disk for the broker, the oldest {age} s")
            .format(n=f"{n:,}", age=f"{age:.0f}") + (f" ({why})" if why else ""))


@dataclass(frozen=True)
class DetectorSummary:
    text: str
    fallback: bool
    #: the long story (the fallback's reason, every detector's model) for a tooltip
    detail: str = ""


class HealthController(QObject):
    changed = Signal()

    def __init__(self, broker_label: str, *, clock=time.monotonic, parent: QObject | None = None):
        super().__init__(parent)
        self.broker_label = broker_label
        #: "down" only once a connection attempt failed
        self.bus_state = "connecting"
        self.workers: dict[str, WorkerHealth] = {}
        #: roles local mode could not start, with the reason (e.g. a module not installed)
        self.missing: dict[str, str] = {}
        #: roles local mode is still starting (loading a model takes a while)
        self.starting: set[str] = set()
        self._clock = clock
        #: until the first heartbeats can have come, no worker is "none running" yet
        self._listening_since = clock()
        self._was_early = True
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    def on_state(self, state: str) -> None:
        if state == "connected" and self.bus_state != "connected":
            self._listening_since = self._clock()
        self.bus_state = state
        self.changed.emit()

    def early(self) -> bool:
        """Too soon after connecting for a missing heartbeat to mean anything."""
        return self._clock() - self._listening_since <= MISSED_BEATS * HEARTBEAT_SECONDS

    def on_health(self, event: SystemEvent) -> None:
        data = event.data
        role = str(data.get("role", "worker"))
        state = str(data.get("state", "running"))
        self.workers[event.source] = WorkerHealth(
            event.source, role, state, self._clock(),
            float(data.get("interval_s") or HEARTBEAT_SECONDS), dict(data))
        if state == "running":
            # a worker that said goodbye and has a running successor (a restart, a new id) is
            # history, not health: its chip would only pile up. One that went silent stays.
            for old in [w for w in self.workers.values()
                        if w.role == role and w.state == "stopped"]:
                del self.workers[old.worker_id]
        self.starting.discard(role)
        self.changed.emit()

    def forget(self, worker_id: str) -> None:
        """An operator dismisses a gone worker (replaced by a restart under a new id, or
        retired): its red chip would otherwise stay until the console restarts. It comes back
        with its next heartbeat."""
        if self.workers.pop(worker_id, None) is not None:
            self.changed.emit()

    def set_missing(self, role: str, reason: str) -> None:
        self.missing[role] = reason
        self.starting.discard(role)
        self.changed.emit()

    def set_starting(self, role: str) -> None:
        self.starting.add(role)
        self.changed.emit()

    def tick(self) -> None:
        now = self._clock()
        gone = [w for w in self.workers.values()
                if w.state == "running" and now - w.last_seen > MISSED_BEATS * w.interval]
        for w in gone:
            w.state = "gone"
        early = self.early()
        if gone or early != self._was_early:
            self._was_early = early
            self.changed.emit()

    def serves_group(self, group: str) -> bool | None:
        """Whether a running camera worker adopts cameras of ``group`` (one started without
        --group serves the default group "", local mode's serves every group); None while it is
        too early to tell."""
        running = [w for w in self.workers.values() if w.role == "camera" and w.state == "running"]
        if any(w.data.get("group", "") in (None, group) for w in running):
            return True
        return None if not running and self.early() else False

    def detector(self) -> DetectorSummary | None:
        """Which detector is in use and how fast, from the running detector workers."""
        running = [w for w in self.workers.values() if w.role == "detector" and w.state == "running"]
        if not running:
            return None
        w = running[0]
        d = w.data
        fps = d.get("fps")
        total_fps = sum(fps.values()) if isinstance(fps, dict) else float(fps or 0)
        speed = self.tr("{ms} ms/frame").format(ms=f"{d['inference_ms']:.0f}") + " · " \
            if d.get("inference_ms") is not None else ""
        more = " " + self.tr("(+{n} more)").format(n=len(running) - 1) if len(running) > 1 else ""
        fps_text = self.tr("{fps} fps").format(fps=number(total_fps, 1))
        detail = "\n".join(f"{r.worker_id}: {r.data.get('model_version', '?')}" for r in running)
        if d.get("fallback"):
            reason = str(d.get("fallback_reason") or "")
            short = self.tr("no YOLO weights") if "weights" in reason.lower() or not reason \
                else self.tr("YOLO unavailable")
            if isinstance(d.get("fallback_phrase"), dict):  # absent from older workers
                with contextlib.suppress(ValidationError):
                    reason = i18n.say(Phrase.model_validate(d["fallback_phrase"]), reason)
            return DetectorSummary(self.tr("HOG fallback — {why}").format(why=short)
                                   + f" · {speed}{fps_text}{more}", True,
                                   f"{reason}\n{detail}".strip())
        model = d.get("model_version") or "YOLO"
        # HOG chosen on purpose (--detector hog) is no fallback, and no YOLO either
        what = self.tr("HOG people detector") if model.startswith("opencv-hog") else f"YOLO {model}"
        return DetectorSummary(f"{what} · {speed}{fps_text}{more}", False, detail)
