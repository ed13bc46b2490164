"""Zone set versions: the analytics worker stores them and is the only one that gives them out.

A save is a request with the version the admin drew on (``SaveZoneSet`` over ``rpc.analytics``,
or a ``set_zones`` control message from a script). It is stored as the next version only if that
is still the newest, so a version number never names two different shape sets; then it is
announced as ``zones_stored`` on ``camera.control.{id}``, which is what detectors and consoles
apply. A refused save says why: to the requester, or (for a control message) in the camera's
errors and the error queue.
"""

from __future__ import annotations

import logging

from workers.bus import Bus, PermanentError
from workers.contracts import CameraControl, CameraError, ZoneSet, new_id, utcnow
from workers.contracts.phrases import Phrase, say
from workers.contracts.queries import SaveZoneSet, ZoneSetSaved
from workers.storage import Database
from workers.storage.cameras import (
    add_zone_set,
    latest_zone_version,
    retired_shape_ids,
    stored_zone_set,
)

log = logging.getLogger(__name__)


class ZoneStore:
    def __init__(self, db: Database, bus: Bus, worker_id: str):
        self.db, self.bus, self.worker_id = db, bus, worker_id

    async def save(self, request: SaveZoneSet) -> ZoneSetSaved:
        """Store and announce, or say why not (nothing stored, nothing announced then)."""
        zs = request.zone_set
        error = await self._store(zs, request.base_version, request.requested_by or "?", new_id())
        if error is not None:
            log.warning("camera %s: zones version %d refused: %s", zs.camera_id, zs.version,
                        error.english())
            return ZoneSetSaved(saved=False, current=await self.current(zs.camera_id),
                                error=error.english(), error_phrase=error)
        await self._announce(zs, request.requested_by)
        return ZoneSetSaved(saved=True, current=zs)

    async def on_set_zones(self, msg: CameraControl) -> None:
        """A ``set_zones`` control message: a request to store ``msg.zones`` as its version."""
        assert msg.zones is not None  # the contract requires it for set_zones
        zs = msg.zones
        async with self.db.transaction() as session:
            stored = await stored_zone_set(session, zs.camera_id, zs.version)
            latest = await latest_zone_version(session, zs.camera_id)
        if stored == zs.model_dump(mode="json"):  # delivered again: announce it if still newest
            if zs.version == latest:
                await self._announce(zs, msg.requested_by)
            return
        error = await self._store(zs, zs.version - 1, msg.requested_by or msg.metadata.source,
                                  msg.message_id)
        if error is not None:
            reason = f"zones version {zs.version} not stored: {error.english()}"
            err = CameraError(camera_id=zs.camera_id, code="config", error=reason)
            err.metadata.source = self.worker_id
            await self.bus.publish(self.bus.topology.camera_events,
                                   self.bus.topology.error_key(zs.camera_id), err, mandatory=False)
            raise PermanentError(reason)
        await self._announce(zs, msg.requested_by)

    async def seed(self, zs: ZoneSet) -> bool:
        """Store ``zs`` as version 1 of a camera that has no zones yet (the sample's)."""
        zs = zs.model_copy(update={"version": 1})
        if await self._store(zs, 0, "camcount", new_id()) is not None:
            return False
        await self._announce(zs, "camcount")
        return True

    async def current(self, camera_id: str) -> ZoneSet | None:
        async with self.db.transaction() as session:
            stored = await stored_zone_set(session, camera_id)
        return None if stored is None else ZoneSet.model_validate(stored)

    async def _store(self, zs: ZoneSet, base_version: int, by: str,
                     message_id: str) -> Phrase | None:
        """Store ``zs`` as the version after ``base_version``; None when stored, else why not."""
        cam = zs.camera_id
        async with self.db.transaction() as session:
            latest = await latest_zone_version(session, cam)
            if latest != base_version:
                if not latest:
                    return say("zones_none_stored", camera=cam, version=zs.version)
                if zs.version <= latest:
                    return say("zones_version_taken", version=zs.version, camera=cam,
                               latest=latest)
                return say("zones_drawn_on_old", base=base_version, camera=cam, latest=latest)
            shapes = [*zs.lines, *zs.zones]
            if retired := await retired_shape_ids(session, cam, (s.id for s in shapes), latest):
                return say("zones_id_retired", ids=", ".join(sorted(retired)))
            if not await add_zone_set(session, cam, zs.version, zs.model_dump(mode="json"),
                                      message_id, utcnow()):
                return say("zones_stored_meanwhile", version=zs.version, camera=cam)
        log.info("camera %s: zones version %d stored (by %s)", cam, zs.version, by)
        return None

    async def _announce(self, zs: ZoneSet, requested_by: str) -> None:
        control = CameraControl(camera_id=zs.camera_id, action="zones_stored", zones=zs,
                                requested_by=requested_by)
        control.metadata.source = self.worker_id
        t = self.bus.topology
        await self.bus.publish(t.camera_events, t.control_key(zs.camera_id), control)
