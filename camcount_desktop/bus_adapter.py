"""The only way the bus reaches the widgets: a QObject that subscribes and re-emits signals.

Cameras on screen are followed with one short exclusive queue each, bound to
``camera.frame.{id}`` (the camera worker's frames), ``camera.view.{id}`` (the detector's, with
people hidden, when the site's privacy is on: then nothing comes on the first) and
``camera.detection.{id}``: a frame is published before the result computed on it, so one queue
delivers them in that order, and its drop-head limit lets the newest messages win when the
console falls behind. Faces (``show_faces``) are followed on ``camera.faces`` only after the view
is logged on ``privacy.audit``; the broker lets only accounts with the "see faces" right do
either. JPEG decoding runs in an executor; the handlers on
the Qt thread only validate, hand over and emit.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from camcount_desktop.wall.frames import DecodedFrame, decode_jpeg
from workers.bus import Bus, Delivery, Subscription
from workers.contracts import (
    TYPE_HEADER,
    CameraControl,
    CameraStatus,
    ContractError,
    DetectionResult,
    FacesViewed,
    Frame,
    SystemEvent,
)
from workers.topology import Topology

log = logging.getLogger(__name__)

#: messages kept per followed camera (frames and results together); older ones are dropped
FOLLOW_QUEUE_LENGTH = 8
#: while faces came this recently for a camera, its hidden-people pictures are not shown
FACES_FRESH_S = 2.0


class BusAdapter(QObject):
    frame_decoded = Signal(object)  # DecodedFrame
    result_received = Signal(object)  # DetectionResult
    status_received = Signal(object)  # CameraStatus
    zones_received = Signal(object)  # ZoneSet
    control_received = Signal(object)  # CameraControl (any action; admin views follow configs)
    health_received = Signal(object)  # SystemEvent (event_type health)
    alert_received = Signal(object)  # SystemEvent (event_type alert)
    config_received = Signal(object)  # SystemEvent (event_type config: a saved configuration)
    state_changed = Signal(str)  # connected / reconnecting / down
    error = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.bus: Bus | None = None
        self._hooked: Bus | None = None  # the bus whose state changes we already follow
        self._subs: list[Subscription] = []
        self._followed: dict[str, Subscription] = {}
        self._faces: dict[str, Subscription] = {}
        self._faces_seen: dict[str, float] = {}
        self._wanted: set[str] = set()
        self._follow_lock = asyncio.Lock()
        self._decode_box: dict[str, tuple[int, int]] = {}
        self._decoder = ThreadPoolExecutor(2, thread_name_prefix="camcount-jpeg")

    # -- lifecycle ----------------------------------------------------------------------------
    async def attach(self, bus: Bus) -> None:
        """Follow camera status, zone changes and system events on a started bus: all of them
        or, when the connection drops half way, none (the caller tries again)."""
        if bus is not self._hooked:
            bus.on_state(lambda state: self._on_state(bus, state))
            self._hooked = bus
        self.bus = bus
        self.state_changed.emit(bus.state)
        t = bus.topology
        self._subs = []
        try:
            for exchange, keys, handler, model, max_length in (
                    (t.camera_events, ["camera.status.*"], self._on_status, CameraStatus, 1000),
                    (t.camera_events, ["camera.control.*"], self._on_control, CameraControl, 1000),
                    (t.system_events, [], self._on_system, SystemEvent, 10_000)):
                self._subs.append(await bus.subscribe(exchange, keys, handler, model=model,
                                                      max_length=max_length))
        except BaseException:
            for sub in self._subs:
                await _quietly(sub.cancel())
            self._subs = []
            raise

    async def detach(self) -> None:
        """Unsubscribe everything; the bus itself belongs to the caller."""
        self._wanted = set()
        await self._reconcile()
        for sub in self._subs:
            await _quietly(sub.cancel())
        self._subs = []
        self.bus = None

    def shutdown(self) -> None:
        self._decoder.shutdown(wait=True, cancel_futures=True)

    def _on_state(self, bus: Bus, state: str) -> None:
        if bus is self.bus:
            self.state_changed.emit(state)

    # -- cameras on screen --------------------------------------------------------------------
    async def follow(self, camera_ids: Iterable[str]) -> None:
        """Receive frames and results for exactly these cameras."""
        self._wanted = set(camera_ids)
        await self._reconcile()

    @property
    def followed(self) -> set[str]:
        return set(self._followed)

    def set_decode_box(self, camera_id: str, size: tuple[int, int]) -> None:
        """Decode this camera's frames to fit a tile of this size (its largest on screen)."""
        self._decode_box[camera_id] = size

    async def _reconcile(self) -> None:
        async with self._follow_lock:  # layout changes come in bursts; apply them in order
            for camera_id in set(self._faces) - self._wanted:
                await self._stop_faces(camera_id)
            for camera_id in set(self._followed) - self._wanted:
                await _quietly(self._followed.pop(camera_id).cancel())
            bus = self.bus
            if bus is None:
                return
            for camera_id in sorted(self._wanted - set(self._followed)):
                t = bus.topology
                keys = [t.frame_key(camera_id), t.view_key(camera_id), t.detection_key(camera_id)]
                try:
                    self._followed[camera_id] = await bus.subscribe(
                        bus.topology.camera_events, keys, self._on_camera_message,
                        max_length=FOLLOW_QUEUE_LENGTH, prefetch=2)
                except Exception as exc:
                    log.warning("cannot follow camera %s: %s", camera_id, exc)
                    self.error.emit(self.tr("cannot follow camera {camera}: {why}").format(
                        camera=camera_id, why=exc))

    # -- handlers (on the Qt thread: keep them short) -----------------------------------------
    async def _on_camera_message(self, d: Delivery, _: Delivery) -> None:
        kind = d.headers.get(TYPE_HEADER)
        try:
            if kind == Frame.type_name:
                frame = Frame.from_wire(d.body, d.headers)
                view = d.routing_key == Topology.view_key(frame.camera_id)
                hidden = view and frame.people_hidden
                if view and time.monotonic() - self._faces_seen.get(frame.camera_id, -1e9) \
                        < FACES_FRESH_S:
                    return  # faces are shown on this camera, by the operator's choice
                await self._on_frame(frame, people_hidden=hidden)
            elif kind == DetectionResult.type_name:
                self.result_received.emit(DetectionResult.from_wire(d.body, d.headers))
        except ContractError as exc:
            log.warning("ignoring an invalid %s on %s: %s", kind, d.routing_key, exc.reason)

    # -- faces (the "see faces" right) ---------------------------------------------------------
    async def show_faces(self, camera_id: str, on: bool) -> None:
        """Follow (or stop following) a camera's pictures as taken. The view is logged first,
        confirmed by the broker; a refusal (``NotAllowed``: the account lacks the right) or a
        failure to log raises, and then nothing is followed."""
        if not on:
            await self._stop_faces(camera_id)
            return
        bus = self.bus
        if bus is None or camera_id in self._faces:
            return
        t = bus.topology
        await bus.publish(t.privacy_audit, "", FacesViewed(camera_id=camera_id, action="start",
                                                          console=socket.gethostname()))
        self._faces[camera_id] = await bus.subscribe(
            t.camera_faces, [t.faces_key(camera_id)], self._on_faces,
            max_length=FOLLOW_QUEUE_LENGTH, prefetch=2)

    @property
    def faces_shown(self) -> set[str]:
        return set(self._faces)

    async def _stop_faces(self, camera_id: str) -> None:
        sub = self._faces.pop(camera_id, None)
        self._faces_seen.pop(camera_id, None)
        if sub is None or self.bus is None:
            return
        await _quietly(sub.cancel())
        try:
            await self.bus.publish(self.bus.topology.privacy_audit, "", FacesViewed(
                camera_id=camera_id, action="stop", console=socket.gethostname()))
        except Exception as exc:  # the start is logged; an unlogged stop only lengthens it
            log.warning("the end of a faces view of %s was not logged: %s", camera_id, exc)

    async def _on_faces(self, d: Delivery, _: Delivery) -> None:
        try:
            frame = Frame.from_wire(d.body, d.headers)
        except ContractError as exc:
            log.warning("ignoring an invalid frame on %s: %s", d.routing_key, exc.reason)
            return
        if frame.camera_id not in self._faces:
            return
        self._faces_seen[frame.camera_id] = time.monotonic()
        await self._on_frame(frame, faces=True)

    async def _on_frame(self, frame: Frame, *, people_hidden: bool = False,
                        faces: bool = False) -> None:
        box = self._decode_box.get(frame.camera_id)
        image = await asyncio.get_running_loop().run_in_executor(
            self._decoder, decode_jpeg, frame.jpeg, frame.width, frame.height, box)
        if image is None:
            log.warning("camera %s: frame %s is not a decodable JPEG", frame.camera_id, frame.frame_id)
            return
        self.frame_decoded.emit(DecodedFrame(frame.camera_id, frame.frame_id, image, frame.width,
                                             frame.height, frame.timestamp, frame.fps,
                                             people_hidden, faces))

    async def _on_status(self, status: CameraStatus, _: Delivery) -> None:
        self.status_received.emit(status)

    async def _on_control(self, control: CameraControl, _: Delivery) -> None:
        self.control_received.emit(control)
        if control.action == "zones_stored" and control.zones is not None:  # what detectors use
            self.zones_received.emit(control.zones)

    async def _on_system(self, event: SystemEvent, _: Delivery) -> None:
        if event.event_type == "health":
            self.health_received.emit(event)
        elif event.event_type == "alert":
            self.alert_received.emit(event)
        elif event.event_type == "config":
            self.config_received.emit(event)


async def _quietly(coro) -> None:
    """Cancelling a subscription on a broker that went away must not stop a shutdown."""
    try:
        await coro
    except Exception as exc:
        log.debug("cancel failed: %s", exc)
