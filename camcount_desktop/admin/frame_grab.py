"""Freezing a camera's picture for the zone editor: the next frame it publishes, decoded at full
size off the Qt thread."""

from __future__ import annotations

import asyncio
import contextlib

from PySide6.QtGui import QImage

from camcount_desktop.wall.frames import decode_jpeg
from workers.bus import Bus, Delivery
from workers.contracts import Frame


async def grab_frame(bus: Bus, camera_id: str, timeout: float) -> tuple[QImage, int, int] | None:
    """(image, frame width, frame height) of the camera's next frame, or None if none comes."""
    got: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()

    async def on_frame(frame: Frame, _: Delivery) -> None:
        if not got.done():
            got.set_result(frame)

    sub = await bus.subscribe(bus.topology.camera_events, [bus.topology.frame_key(camera_id)],
                              on_frame, model=Frame, max_length=1, prefetch=1)
    try:
        frame = await asyncio.wait_for(got, timeout)
    except TimeoutError:
        return None
    finally:
        with contextlib.suppress(Exception):  # a broker gone away has dropped it already
            await sub.cancel()
    image = await asyncio.get_running_loop().run_in_executor(
        None, decode_jpeg, frame.jpeg, frame.width, frame.height, None)
    return None if image is None else (image, frame.width, frame.height)
