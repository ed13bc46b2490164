"""``camera_offline``: a camera not online, or whose camera worker stopped reporting, for a
while; and a saved camera that no camera worker serves (nobody runs a worker for its group), as
offline as one whose source is down."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from workers.alerts.rules.base import (
    Condition,
    EngineSettings,
    Observation,
    RuleKind,
    Subject,
    register,
    watched,
)
from workers.contracts import CameraStatus, SystemEvent
from workers.contracts.alerting import AlertRule, CameraOfflineRule
from workers.i18n import N_

#: a camera's states as an alert names them (camera workers report the English words)
STATES = {"offline": N_("offline"), "reconnecting": N_("reconnecting"), "unknown": N_("unknown")}


@dataclass
class _CameraState:
    state: str = "online"
    detail: str = ""
    changed_at: float = 0.0
    heard_at: float = 0.0


@register
class CameraOffline(RuleKind):
    rule_type = CameraOfflineRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        self._cameras: dict[str, _CameraState] = {}
        #: running camera workers: worker id -> (its group, None for every group; heard at)
        self._workers: dict[str, tuple[str | None, float]] = {}
        #: saved cameras no camera worker serves: camera id -> since when
        self._unserved: dict[str, float] = {}
        self._started: float | None = None

    def observe(self, seen: Observation, now: float) -> None:
        if isinstance(seen, SystemEvent):
            if seen.event_type == "health" and seen.data.get("role") == "camera":
                if seen.data.get("state") == "stopped":
                    self._workers.pop(seen.source, None)
                else:
                    group = seen.data.get("group", "")
                    self._workers[seen.source] = (None if group is None else str(group), now)
            return
        if not isinstance(seen, CameraStatus):
            return
        cam = self._cameras.get(seen.camera_id)
        if cam is None:
            cam = self._cameras[seen.camera_id] = _CameraState(seen.state, seen.detail, now, now)
        elif cam.state != seen.state:
            cam.state, cam.changed_at = seen.state, now
        cam.detail, cam.heard_at = seen.detail, now

    def _served(self, group: str, now: float) -> bool:
        alive = self.settings.worker_silence_s
        return any(g in (None, group) and now - heard <= alive
                   for g, heard in self._workers.values())

    def _track_unserved(self, now: float) -> None:
        """Which saved cameras no camera worker serves, judged once the workers have had the
        time to say they run (``worker_silence_s`` after the engine started)."""
        if self._started is None:
            self._started = now
        if now - self._started < self.settings.worker_silence_s:
            return
        directory = self.settings.directory
        for cam_id, saved in directory.saved.items():
            if saved.enabled and not self._served(saved.group, now):
                self._unserved.setdefault(cam_id, now)
            else:
                self._unserved.pop(cam_id, None)
        for cam_id in [c for c in self._unserved if c not in directory.saved]:
            del self._unserved[cam_id]

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, CameraOfflineRule)
        self._track_unserved(now)
        directory = self.settings.directory
        for cam_id in sorted({*self._cameras, *self._unserved}):
            if not watched(rule.cameras, cam_id):
                continue
            cam = self._cameras.get(cam_id)
            unserved_since = self._unserved.get(cam_id)
            if unserved_since is not None and (cam is None or cam.state != "online"
                                               or now >= cam.heard_at
                                               + self.settings.camera_silence_s):
                group = directory.saved[cam_id].group
                bad, since = True, unserved_since
                why = (self._("has no camera worker: none runs for its group %(group)s") % {
                    "group": repr(group)} if group else self._("has no camera worker running"))
            elif cam is None:
                bad, since, why = False, None, ""
            elif cam.state != "online":
                bad, since = True, cam.changed_at
                why = self._(STATES.get(cam.state, cam.state)) + (
                    f" ({cam.detail})" if cam.detail else "")
            elif now >= cam.heard_at + self.settings.camera_silence_s:
                bad, since = True, cam.heard_at + self.settings.camera_silence_s
                why = self._("silent (its camera worker stopped reporting)")
            else:
                bad, since, why = False, None, ""
            yield Condition(Subject(cam_id), bad, since, None,
                            self._("Camera %(camera)s %(why)s for more than %(seconds)s s") % {
                                "camera": directory.camera(cam_id), "why": why,
                                "seconds": f"{rule.for_seconds:g}"})

    def adopt(self, rule: AlertRule, subject: Subject, raised_ago_s: float, now: float) -> bool:
        if subject.camera_id is None or subject.camera_id in self._cameras:
            return False
        # heard of now: resolved by its next "online" status, still offline if none comes
        # within camera_silence_s
        self._cameras[subject.camera_id] = _CameraState("online", "", now, now)
        return True
