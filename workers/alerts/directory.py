"""What the alert engine knows of the saved cameras: their names and groups, and the names of
their lines and zones, so an alert says "Zone Queue on camera Front door" (ids stay in the logs),
and a saved camera that no camera worker serves is noticed.

Filled from the analytics store at start and kept current from the control messages an admin's
console sends (``configure``, ``remove``, ``zones_stored``); the stored sites too, read again when
a ``config`` event says they changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from workers.contracts import CameraControl, ZoneSet
from workers.contracts.sites import Site
from workers.storage.cameras import list_cameras, stored_zone_set
from workers.storage.sites import list_sites


@dataclass
class SavedCamera:
    name: str = ""
    group: str = ""
    enabled: bool = True


@dataclass
class CameraDirectory:
    #: cameras an admin saved, by id
    saved: dict[str, SavedCamera] = field(default_factory=dict)
    #: line, zone and route names of each camera's newest zone set: camera id -> id -> name
    shapes: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the stored sites, by id (``site_occupancy`` rules watch them)
    sites: dict[str, Site] = field(default_factory=dict)

    def camera(self, camera_id: str) -> str:
        """What people call the camera: its name, else its id."""
        cam = self.saved.get(camera_id)
        return cam.name if cam is not None and cam.name else camera_id

    def shape(self, camera_id: str, shape_id: str) -> str:
        return self.shapes.get(camera_id, {}).get(shape_id) or shape_id

    def set_zones(self, zones: ZoneSet) -> None:
        self.shapes[zones.camera_id] = {
            s.id: s.name for s in [*zones.lines, *zones.zones, *zones.routes] if s.name}

    def on_control(self, control: CameraControl) -> None:
        if control.action == "configure" and control.config is not None:
            c = control.config
            self.saved[c.camera_id] = SavedCamera(c.name, c.group, c.enabled)
        elif control.action == "remove":
            self.saved.pop(control.camera_id, None)
        elif control.action in ("start", "stop") and control.camera_id in self.saved:
            self.saved[control.camera_id].enabled = control.action == "start"
        elif control.action == "zones_stored" and control.zones is not None:
            self.set_zones(control.zones)


async def load_directory(session: AsyncSession) -> CameraDirectory:
    """The saved cameras and their newest zone sets, as the analytics store has them."""
    directory = CameraDirectory()
    for record, version in await list_cameras(session):
        if record.updated_at is None:  # heard of in a result, never saved by an admin
            continue
        group = str((record.config or {}).get("group", ""))
        directory.saved[record.camera_id] = SavedCamera(record.name, group, record.enabled)
        if version is not None:
            definition = await stored_zone_set(session, record.camera_id, version)
            if definition is not None:
                directory.shapes[record.camera_id] = {
                    s["id"]: s["name"] for s in [*definition.get("lines", []),
                                                 *definition.get("zones", [])] if s.get("name")}
    directory.sites = await load_sites(session)
    return directory


async def load_sites(session: AsyncSession) -> dict[str, Site]:
    return {s.id: s for s in await list_sites(session)}
