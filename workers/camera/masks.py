"""The privacy masks of a camera worker's cameras, filled before a frame leaves the worker.

A mask is a fixed region nobody may see, whatever the site's privacy setting, so it is hidden
where the picture is taken: the broker, the detectors and every console only ever get it filled.
The worker learns each camera's masks from the zone set analytics stored (asked when the camera
is added) and follows every version announced after (``zones_stored``); the newest version wins.

A camera's source is opened once the answer came (``FIRST_ANSWER_S`` at most). With no analytics
worker running or answering, frames go out as taken, said in the log and the worker's health
(``masks_unknown``), and the masks apply from the answer that comes on a later try.
"""

from __future__ import annotations

import asyncio
import logging

import numpy as np

from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus, BusError
from workers.contracts import ZoneSet
from workers.privacy import obscure

log = logging.getLogger(__name__)

#: how long a camera's first frames wait for its stored masks
FIRST_ANSWER_S = 2.0
#: the pause before asking analytics again when none answered
ASK_AGAIN_S = 5.0


class MaskBook:
    def __init__(self, bus: Bus):
        self._client = AnalyticsClient(bus, timeout=FIRST_ANSWER_S)
        #: camera id -> its newest stored zone set (None: it has none)
        self._masks: dict[str, ZoneSet | None] = {}
        #: set once the camera's first question ended (answered or not)
        self._settled: dict[str, asyncio.Event] = {}
        self._asking: dict[str, asyncio.Task[None]] = {}

    def learn(self, zones: ZoneSet) -> None:
        """A stored version (asked for, or announced): kept unless a newer one is known."""
        known = self._masks.get(zones.camera_id)
        if known is not None and known.version > zones.version:
            return
        if known is None or known.privacy_masks != zones.privacy_masks:
            log.info("camera %s: %d privacy mask(s) from zones version %d", zones.camera_id,
                     len(zones.privacy_masks), zones.version)
        self._masks[zones.camera_id] = zones
        self._settled.setdefault(zones.camera_id, asyncio.Event()).set()

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

    async def _ask(self, camera_id: str) -> None:
        warned = False
        while True:
            try:
                if not await self._anyone_answers():
                    raise RequestFailed("no analytics worker is running", "no_answer")
                zones = await self._client.latest_zone_set(camera_id)
            except RequestFailed as exc:
                if not warned:
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
