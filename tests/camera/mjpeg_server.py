"""A real HTTP MJPEG camera on 127.0.0.1 that a test can freeze, silence, stop and bring back."""

from __future__ import annotations

import asyncio
from typing import Literal

import cv2
import numpy as np
from aiohttp import web

BOUNDARY = "camcountframe"
Mode = Literal["live", "repeat", "silent"]


def picture(n: int, size: tuple[int, int]) -> bytes:
    """A JPEG that differs from frame to frame: a moving square and the frame number."""
    width, height = size
    image = np.full((height, width, 3), 40, np.uint8)
    x = (n * 7) % (width - 40)
    cv2.rectangle(image, (x, height // 2 - 20), (x + 40, height // 2 + 20), (0, 200, 255), -1)
    cv2.putText(image, str(n), (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return buf.tobytes()


class MjpegServer:
    """``mode``: "live" sends new pictures, "repeat" keeps sending the last one (a frozen
    encoder), "silent" keeps connections open and sends nothing."""

    def __init__(self, fps: float = 10.0, size: tuple[int, int] = (320, 240)):
        self.fps, self.size = fps, size
        self.mode: Mode = "live"
        self.port = 0
        self.connections = 0
        self._count = 0
        self._last = picture(0, size)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video"

    async def start(self) -> None:
        """Listen (again on the same port after a stop)."""
        app = web.Application()
        app.router.add_get("/video", self._stream)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close the listener and every open stream: clients get connection refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        self.connections += 1
        response = web.StreamResponse(
            headers={"Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}"})
        await response.prepare(request)
        while True:
            if self.mode == "live":
                self._count += 1
                self._last = picture(self._count, self.size)
            if self.mode != "silent":
                try:
                    await response.write(
                        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                        f"Content-Length: {len(self._last)}\r\n\r\n".encode() + self._last + b"\r\n")
                except ConnectionResetError:  # the client hung up (a worker reconnecting)
                    return response
            await asyncio.sleep(1 / self.fps)
