"""The privacy masks of a camera worker's cameras, filled before a frame leaves the worker.

A mask is a fixed region nobody may see, whatever the site's privacy setting, so it is hidden
where the picture is taken: the broker, the detectors and every console only ever get it filled.
The worker learns each camera's masks from the zone set analytics stored (asked when the camera
is added) and follows every version announced after (``zones_stored``); the newest version wins.

A camera's source is opened once the answer came (``FIRST_ANSWER_S`` at most). On a broker, the
worker keeps the newest masks it learnt in a file of its own (``masks_cache``), so a worker
restarted while analytics is down or unreachable fills the masks it knew from its first frame.
With no masks known either way, frames go out as taken, said in the log and the worker's health
(``masks_unknown``), and the masks apply from the answer that comes on a later try.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus, BusError
from workers.contracts import ZoneSet
from workers.paths import data_dir
from workers.privacy import obscure

log = logging.getLogger(__name__)

#: how long a camera's first frames wait for its stored masks
FIRST_ANSWER_S = 2.0
#: the pause before asking analytics again when none answered
ASK_AGAIN_S = 5.0


def masks_cache(bus: Bus) -> Path | None:
    """The folder of the masks a camera worker on ``bus`` learnt; None on a bus that keeps
    nothing itself (in one process, analytics answers at once)."""
    if not bus.durable:
        return None
    return data_dir() / "masks" / (bus.topology.namespace or "default")


class MaskBook:
    def __init__(self, bus: Bus, cache: Path | None = None):
        """``cache``: where each camera's newest zone set is kept (``masks_cache``)."""
        self._client = AnalyticsClient(bus, timeout=FIRST_ANSWER_S)
        self._cache = cache
        # one writer, so versions reach the disk in the order they were learnt
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="masks-cache")
        #: camera id -> its newest stored zone set (None: it has none)
        self._masks: dict[str, ZoneSet | None] = {}
        #: set once the camera's first question ended (answered or not)
        self._settled: dict[str, asyncio.Event] = {}
        self._asking: dict[str, asyncio.Task[None]] = {}

    def learn(self, zones: ZoneSet, *, from_disk: bool = False) -> None:
        """A stored version (asked for, announced, or ``from_disk``): kept unless a newer one is
        known. Written to the cache for the cameras this worker follows only: announcements of
        every camera reach it, and a camera id from a message never names a file."""
        known = self._masks.get(zones.camera_id)
        if known is not None and known.version > zones.version:
            return
        if known is None or known.privacy_masks != zones.privacy_masks:
            log.info("camera %s: %d privacy mask(s) from zones version %d", zones.camera_id,
                     len(zones.privacy_masks), zones.version)
        self._masks[zones.camera_id] = zones
        self._settled.setdefault(zones.camera_id, asyncio.Event()).set()
        if (self._cache is not None and not from_disk and known != zones
                and zones.camera_id in self._asking):
            asyncio.get_running_loop().run_in_executor(self._disk, self._save, zones)

    def _file(self, camera_id: str) -> Path:
        assert self._cache is not None
        return self._cache / f"{camera_id}.json"

    def _save(self, zones: ZoneSet) -> None:
        path = self._file(zones.camera_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_suffix(".part")
            part.write_text(zones.model_dump_json(), encoding="utf-8")
            os.replace(part, path)  # never half a file, should the worker stop while writing
        except OSError as exc:
            log.warning("camera %s: its privacy masks could not be kept on this machine (%s); "
                        "a restart while analytics is down sends frames unmasked", zones.camera_id,
                        exc)

    def _load(self, camera_id: str) -> ZoneSet | None:
        path = self._file(camera_id)
        try:
            return ZoneSet.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as exc:
            log.warning("camera %s: the privacy masks kept in %s cannot be read (%s)", camera_id,
                        path, exc)
            return None

    def ask(self, camera_id: str) -> None:
        """Ask analytics for the camera's stored masks, in the background, until it answers."""
        if camera_id not in self._asking:
            self._settled.setdefault(camera_id, asyncio.Event())
            self._asking[camera_id] = asyncio.get_running_loop().create_task(
                self._ask(camera_id), name=f"masks-{camera_id}")

    async def settled(self, camera_id: str) -> None:
        """Returns once the camera's masks are known, or analytics was asked once in vain."""
        await self._settled.setdefault(camera_id, asyncio.Event()).wait()

    def unknown(self) -> list[str]:
        return sorted(c for c in self._settled if c not in self._masks)

    def hide(self, camera_id: str, image: np.ndarray) -> np.ndarray:
        """The picture with the camera's masks filled. Blocking: run in an executor."""
        zones = self._masks.get(camera_id)
        if zones is None or not zones.privacy_masks:
            return image
        h, w = image.shape[:2]
        return obscure(image, [], [m.points for m in zones.scaled_to(w, h).privacy_masks])

    async def close(self) -> None:
        tasks = list(self._asking.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._disk.shutdown(wait=True)  # the last version learnt is on disk

    async def _ask(self, camera_id: str) -> None:
        if self._cache is not None:
            kept = await asyncio.get_running_loop().run_in_executor(
                self._disk, self._load, camera_id)
            if kept is not None:
                log.info("camera %s: privacy masks of zones version %d, as last learnt, until "
                         "analytics answers", camera_id, kept.version)
                self.learn(kept, from_disk=True)
        warned = False
        while True:
            try:
                if not await self._anyone_answers():
                    raise RequestFailed("no analytics worker is running", "no_answer")
                zones = await self._client.latest_zone_set(camera_id)
            except RequestFailed as exc:
                if not warned and camera_id not in self._masks:
                    log.warning("camera %s: its privacy masks are not known (%s); its frames go "
                                "out as taken until analytics answers (asking every %g s)",
                                camera_id, exc, ASK_AGAIN_S)
                    warned = True
                self._settled[camera_id].set()
                await asyncio.sleep(ASK_AGAIN_S)
                continue
            if zones is not None:
                self.learn(zones)
            elif camera_id not in self._masks:  # none stored (yet: an announcement may follow)
                self._masks[camera_id] = None
            self._settled[camera_id].set()
            return

    async def _anyone_answers(self) -> bool:
        """False when no analytics worker consumes its queue: a question would only time out.
        Known for sure in one process only (a broker's management figures lag by seconds)."""
        if self._client.bus.leaves_process:
            return True
        queue = self._client.bus.topology.rpc_analytics
        try:
            depth = (await self._client.bus.queue_depths([queue])).get(queue)
        except BusError:  # this account may not look: ask, and wait for the answer
            return True
        return depth is None or depth.consumers > 0
