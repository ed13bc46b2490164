"""``camera_offline``: a camera not online, or whose camera worker stopped reporting, for a
while."""

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
from workers.contracts import CameraStatus
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

    def observe(self, seen: Observation, now: float) -> None:
        if not isinstance(seen, CameraStatus):
            return
        cam = self._cameras.get(seen.camera_id)
        if cam is None:
            cam = self._cameras[seen.camera_id] = _CameraState(seen.state, seen.detail, now, now)
        elif cam.state != seen.state:
            cam.state, cam.changed_at = seen.state, now
        cam.detail, cam.heard_at = seen.detail, now

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, CameraOfflineRule)
        for cam_id, cam in self._cameras.items():
            if not watched(rule.cameras, cam_id):
                continue
            silent_since = cam.heard_at + self.settings.camera_silence_s
            if cam.state != "online":
                bad, since = True, cam.changed_at
                why = self._(STATES.get(cam.state, cam.state)) + (
                    f" ({cam.detail})" if cam.detail else "")
            elif now >= silent_since:
                bad, since, why = True, silent_since, self._(
                    "silent (its camera worker stopped reporting)")
            else:
                bad, since, why = False, None, ""
            yield Condition(Subject(cam_id), bad, since, None,
                            self._("Camera %(camera)s %(why)s for more than %(seconds)s s") % {
                                "camera": cam_id, "why": why, "seconds": f"{rule.for_seconds:g}"})

    def adopt(self, rule: AlertRule, subject: Subject, raised_ago_s: float, now: float) -> bool:
        if subject.camera_id is None or subject.camera_id in self._cameras:
            return False
        # heard of now: resolved by its next "online" status, still offline if none comes
        # within camera_silence_s
        self._cameras[subject.camera_id] = _CameraState("online", "", now, now)
        return True
