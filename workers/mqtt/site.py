"""What the MQTT bridge knows of the site, and the retained topics that follow from it.

No I/O here: the bridge feeds in bus messages and zone sets, and ``retained()`` says what every
retained topic should hold now (state and Home Assistant discovery). The publisher sends the
difference, so a broker that lost everything gets exactly the latest state again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from workers import __version__
from workers.contracts import CameraControl, CameraStatus, DetectionResult, SystemEvent, ZoneSet
from workers.contracts.detection import LineCounts, ZoneAnalysis
from workers.mqtt.settings import MqttSettings

LINE_MEASURES = ("in", "out")
ZONE_MEASURES = ("occupancy", "entries", "exits")
_ICONS = {"in": "mdi:account-arrow-right", "out": "mdi:account-arrow-left",
          "occupancy": "mdi:account-group", "entries": "mdi:login", "exits": "mdi:logout"}


def segment(name: str) -> str:
    """An id as one topic level: MQTT wildcards, separators and spaces become ``_``."""
    return re.sub(r"[/+#\s]", "_", name) or "_"


@dataclass
class CameraView:
    camera_id: str
    name: str = ""
    classes: list[str] = field(default_factory=lambda: ["person"])
    zone_set: ZoneSet | None = None
    lines: dict[str, LineCounts] = field(default_factory=dict)
    zones: dict[str, ZoneAnalysis] = field(default_factory=dict)
    #: "online" / "offline"; None until the camera worker has said
    state: str | None = None
    status_at: float = 0.0
    open_alerts: set[str] = field(default_factory=set)
    removed: bool = False

    @property
    def label(self) -> str:
        return self.name or self.camera_id

    def shapes(self) -> tuple[dict[str, str], dict[str, str]]:
        """Lines and zones by id with their names: the stored zone set's once known, else the
        ids the detector reports."""
        if self.zone_set is not None:
            return ({ln.id: ln.label for ln in self.zone_set.lines},
                    {z.id: z.label for z in self.zone_set.zones})
        return {i: i for i in self.lines}, {i: i for i in self.zones}

    def unit(self, shape_classes: list[str]) -> str:
        return "people" if (shape_classes or self.classes) == ["person"] else "objects"


class Site:
    def __init__(self, settings: MqttSettings):
        self.s = settings
        self.cameras: dict[str, CameraView] = {}
        #: discovery configs per camera, with what they were built from
        self._discovery: dict[str, tuple[tuple[Any, ...], dict[str, bytes]]] = {}

    def camera(self, camera_id: str) -> CameraView:
        return self.cameras.setdefault(camera_id, CameraView(camera_id))

    # -- what the bus says ------------------------------------------------------------------------
    def on_result(self, r: DetectionResult) -> bool:
        """True when the result names a newer zone set than the one known (fetch it)."""
        cam = self.camera(r.camera_id)
        cam.removed = False
        cam.lines = dict(r.counting_data.lines)
        cam.zones = dict(r.counting_data.zone_analysis)
        known = cam.zone_set.version if cam.zone_set else 0
        return r.counting_data.zones_version > known

    def on_status(self, status: CameraStatus, now: float) -> None:
        cam = self.camera(status.camera_id)
        cam.state = "online" if status.state == "online" else "offline"
        cam.status_at = now

    def on_control(self, c: CameraControl) -> None:
        cam = self.camera(c.camera_id)
        if c.action == "remove":
            cam.removed = True
        elif c.action == "configure" and c.config is not None:
            cam.removed = False
            cam.name, cam.classes = c.config.name, list(c.config.classes)
        elif c.action == "set_zones" and c.zones is not None:
            self.set_zone_set(c.zones)

    def set_zone_set(self, zones: ZoneSet) -> None:
        cam = self.camera(zones.camera_id)
        if cam.zone_set is None or zones.version >= cam.zone_set.version:
            cam.zone_set = zones

    def on_alert(self, event: SystemEvent) -> dict[str, Any] | None:
        """The alert event to publish (not retained); the camera's problem sensor follows it."""
        action, alert_id = event.data.get("action"), event.data.get("alert_id") or event.message_id
        if action not in ("raise", "resolve"):
            return None
        if event.camera_id:
            alerts = self.camera(event.camera_id).open_alerts
            if action == "raise":
                alerts.add(alert_id)
            else:
                alerts.discard(alert_id)
        return {"action": "raised" if action == "raise" else "resolved", "alert_id": alert_id,
                "severity": event.severity, "camera_id": event.camera_id,
                "zone_id": event.zone_id, "rule_id": event.data.get("rule_id"),
                "rule_name": event.data.get("rule_name"), "message": event.data.get("message"),
                "at": event.timestamp.isoformat()}

    def silent_cameras(self, now: float) -> list[str]:
        """Cameras said online whose status stopped: their camera worker went away."""
        gone = [c for c in self.cameras.values()
                if c.state == "online" and now - c.status_at > self.s.camera_silence_s]
        for cam in gone:
            cam.state = "offline"
        return [c.camera_id for c in gone]

    # -- what the broker should hold ------------------------------------------------------------
    def retained(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for cam in self.cameras.values():
            if not cam.removed:
                out.update(self._camera_topics(cam))
        return out

    def owner(self, topic: str, payload: bytes) -> str | None:
        """The camera a retained topic of ours belongs to (None: not one of ours)."""
        p = self.s.topic_prefix + "/"
        if topic.startswith(p):
            cam = topic[len(p):].split("/", 1)[0]
            return cam if cam != "bridge" else None
        if self.s.discovery_prefix and topic.startswith(self.s.discovery_prefix + "/"):
            try:
                ids = json.loads(payload)["device"]["identifiers"]
            except (ValueError, KeyError, TypeError):
                return None
            node = f"{self.s.node_id}_"
            return next((i[len(node):] for i in ids if isinstance(i, str) and i.startswith(node)),
                        None)
        return None

    def settled(self, camera_id: str) -> bool:
        """Whether everything this camera should have is known, so any other retained topic
        of it is stale (a shape removed in the zone editor, a removed camera)."""
        cam = self.cameras.get(camera_id)
        return cam is not None and (cam.removed or cam.zone_set is not None)

    def _camera_topics(self, cam: CameraView) -> dict[str, bytes]:
        p, c = self.s.topic_prefix, segment(cam.camera_id)
        out: dict[str, bytes] = {}
        lines, zones = cam.shapes()
        if cam.state is not None:
            out[f"{p}/{c}/status"] = cam.state.encode()
        out[f"{p}/{c}/alert"] = b"ON" if cam.open_alerts else b"OFF"
        for shapes, measures, values in ((lines, LINE_MEASURES, cam.lines),
                                         (zones, ZONE_MEASURES, cam.zones)):
            for shape_id in shapes:
                if (v := values.get(shape_id)) is None:
                    continue
                for m in measures:
                    n = v.count_in if m == "in" else v.count_out if m == "out" else getattr(v, m)
                    out[f"{p}/{c}/{segment(shape_id)}/{m}"] = str(n).encode()
        if self.s.discovery_prefix:
            # built again only when names or shapes change, not at every result
            key = (cam.label, tuple(cam.classes), cam.zone_set.version if cam.zone_set else 0,
                   tuple(lines.items()), tuple(zones.items()))
            cached = self._discovery.get(cam.camera_id)
            if cached is None or cached[0] != key:
                cached = self._discovery[cam.camera_id] = (key, self._configs(cam, lines, zones))
            out.update(cached[1])
        return out

    def _configs(self, cam: CameraView, lines: dict[str, str],
                 zones: dict[str, str]) -> dict[str, bytes]:
        p, c = self.s.topic_prefix, segment(cam.camera_id)
        out: dict[str, bytes] = {}
        classes = {s.id: s.classes for s in
                   [*cam.zone_set.lines, *cam.zone_set.zones]} if cam.zone_set else {}
        self._discover(out, cam, "binary_sensor", "status", "Camera", f"{p}/{c}/status",
                       {"device_class": "connectivity", "payload_on": "online",
                        "payload_off": "offline"})
        self._discover(out, cam, "binary_sensor", "alert", "Alert", f"{p}/{c}/alert",
                       {"device_class": "problem", "payload_on": "ON", "payload_off": "OFF"})
        for shapes, measures in ((lines, LINE_MEASURES), (zones, ZONE_MEASURES)):
            for shape_id, name in shapes.items():
                unit = cam.unit(classes.get(shape_id, []))
                for m in measures:
                    self._discover(out, cam, "sensor", f"{shape_id}_{m}", f"{name} {m}",
                                   f"{p}/{c}/{segment(shape_id)}/{m}", {
                                       "unit_of_measurement": unit, "icon": _ICONS[m],
                                       "state_class": "measurement" if m == "occupancy"
                                       else "total_increasing"})
        return out

    def _discover(self, out: dict[str, bytes], cam: CameraView, component: str, what: str,
                  name: str, state_topic: str, extra: dict[str, Any]) -> None:
        node = self.s.node_id
        object_id = segment(f"{cam.camera_id}_{what}")
        config = {
            "name": name, "unique_id": f"{node}_{object_id}", "state_topic": state_topic,
            "availability_topic": self.s.bridge_status_topic,
            "device": {"identifiers": [f"{node}_{cam.camera_id}"], "name": cam.label,
                       "manufacturer": "CamCount", "model": "Camera"},
            "origin": {"name": "CamCount", "sw_version": __version__},
            "qos": self.s.qos, **extra}
        topic = f"{self.s.discovery_prefix}/{component}/{node}/{object_id}/config"
        out[topic] = json.dumps(config, sort_keys=True).encode()
