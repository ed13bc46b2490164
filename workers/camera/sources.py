"""Where a camera's pictures come from, and opening it (blocking: call from a thread only).

A source is a video file, an RTSP stream (``rtsp://``, ``rtsps://``), an HTTP(S) MJPEG stream or a
local webcam index (``0``). OpenCV's FFmpeg backend reads all the network kinds, MJPEG over HTTP
included (``multipart/x-mixed-replace``), so one capture path serves them all.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import cv2

from workers.bus.config import redact

SourceKind = Literal["file", "rtsp", "http", "webcam"]

_SCHEMES: dict[str, SourceKind] = {"rtsp": "rtsp", "rtsps": "rtsp", "http": "http", "https": "http"}
_DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
#: what a file reports when its container has no usable frame rate
_FALLBACK_FPS = 25.0


class SourceError(Exception):
    """The source cannot be opened; the message is for the operator (no password in it)."""


def address_problem(address: str) -> str | None:
    """What makes ``address`` no camera address at all, before trying it; None when it may be."""
    address = address.strip()
    if not address:
        return "a source is needed: rtsp://, http(s)://, a video file or a webcam number"
    parts = urlsplit(address)
    scheme = parts.scheme.lower()
    if "://" in address and scheme not in _SCHEMES and scheme != "file":
        return (f"{redact(address)}: unknown kind of address {scheme + '://' if scheme else ''}; "
                "use rtsp://, rtsps://, http://, https://, file:// or a file path")
    if scheme in _SCHEMES:
        if not parts.hostname:
            return f"{redact(address)}: no host name or address after {scheme}://"
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
        except ValueError:
            return f"{redact(address)}: the port must be a number from 1 to 65535"
    return None


@dataclass(frozen=True)
class Source:
    address: str
    kind: SourceKind

    @classmethod
    def parse(cls, address: str) -> Source:
        address = address.strip()
        scheme = urlsplit(address).scheme.lower()
        if scheme in _SCHEMES:
            return cls(address, _SCHEMES[scheme])
        if address.isdigit():
            return cls(address, "webcam")
        if scheme == "file":
            return cls(urlsplit(address).path, "file")
        return cls(address, "file")

    @property
    def live(self) -> bool:
        """A live source keeps producing on its own; a file is paced by us."""
        return self.kind != "file"

    @property
    def display(self) -> str:
        """How logs, errors and the console name the source: never with its password."""
        return f"webcam {self.address}" if self.kind == "webcam" else redact(self.address)

    def open(self, *, open_timeout: float, read_timeout: float) -> cv2.VideoCapture:
        """Open the capture, or raise SourceError saying why in operator words."""
        if problem := address_problem(self.address):
            raise SourceError(f"cannot open {problem}")
        if self.kind == "file":
            path = Path(self.address).expanduser()
            if not path.is_file():
                raise SourceError(f"cannot open {self.display}: file not found")
            cap = cv2.VideoCapture(str(path))
            if not cap.isOpened():
                raise SourceError(f"cannot open {self.display}: not a video OpenCV can read")
            return cap
        if self.kind == "webcam":
            cap = cv2.VideoCapture(int(self.address))
            if not cap.isOpened():
                raise SourceError(f"cannot open {self.display}: no such camera, or it is in use")
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver keeps at most one stale frame
            return cap
        self._probe(open_timeout)
        # Without timeouts FFmpeg waits ~30 s on a silent server, and a read can block forever.
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(open_timeout * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(read_timeout * 1000)]
        cap = cv2.VideoCapture(self.address, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            raise SourceError(f"cannot open {self.display}: the server answered but sent no video "
                              "(check the path, the credentials and that it streams MJPEG/RTSP)")
        return cap

    def _probe(self, timeout: float) -> None:
        """Connect once ourselves: OpenCV says only "failed", an operator needs to know whether
        the camera is unreachable or refuses the stream."""
        parts = urlsplit(self.address)
        host, port = parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        try:
            socket.create_connection((host, port), timeout=timeout).close()
        except socket.gaierror:
            raise SourceError(f"cannot reach {self.display}: unknown host {host!r}") from None
        except ConnectionRefusedError:
            raise SourceError(f"cannot reach {self.display}: connection refused (is the camera or "
                              "stream server running?)") from None
        except TimeoutError:
            raise SourceError(f"cannot reach {self.display}: no answer within {timeout:g} s") from None
        except OSError as exc:
            raise SourceError(f"cannot reach {self.display}: {exc.strerror or exc}") from None


def native_fps(cap: cv2.VideoCapture) -> float:
    """The frame rate a file declares (used to play it in real time)."""
    fps = cap.get(cv2.CAP_PROP_FPS)
    return fps if 0 < fps <= 240 else _FALLBACK_FPS
