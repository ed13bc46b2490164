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
from workers.contracts.phrases import Phrase, say

SourceKind = Literal["file", "rtsp", "http", "webcam"]

_SCHEMES: dict[str, SourceKind] = {"rtsp": "rtsp", "rtsps": "rtsp", "http": "http", "https": "http"}
_DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
#: what a file reports when its container has no usable frame rate
_FALLBACK_FPS = 25.0


class SourceError(Exception):
    """The source cannot be opened; the message is for the operator (no password in it).
    ``phrase``: the same as a code and values, for a reader in another language (None when the
    message was written in the reader's language already)."""

    def __init__(self, said: Phrase | str):
        super().__init__(said.english() if isinstance(said, Phrase) else said)
        self.phrase = said if isinstance(said, Phrase) else None


def address_problem(address: str) -> Phrase | None:
    """What makes ``address`` no camera address at all, before trying it; None when it may be."""
    address = address.strip()
    if not address:
        return say("source_needed")
    parts = urlsplit(address)
    scheme = parts.scheme.lower()
    if "://" in address and scheme not in _SCHEMES and scheme != "file":
        return say("source_unknown_scheme", source=redact(address),
                   scheme=scheme + "://" if scheme else "")
    if scheme in _SCHEMES:
        if not parts.hostname:
            return say("source_no_host", source=redact(address), scheme=f"{scheme}://")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
        except ValueError:
            return say("source_bad_port", source=redact(address))
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
            raise SourceError(say("source_cannot_open", problem=problem))
        if self.kind == "file":
            path = Path(self.address).expanduser()
            if not path.is_file():
                raise SourceError(say("source_file_not_found", source=self.display))
            cap = cv2.VideoCapture(str(path))
            if not cap.isOpened():
                raise SourceError(say("source_not_video", source=self.display))
            return cap
        if self.kind == "webcam":
            cap = cv2.VideoCapture(int(self.address))
            if not cap.isOpened():
                raise SourceError(say("source_no_webcam", source=self.display))
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver keeps at most one stale frame
            return cap
        self._probe(open_timeout)
        # Without timeouts FFmpeg waits ~30 s on a silent server, and a read can block forever.
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(open_timeout * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(read_timeout * 1000)]
        cap = cv2.VideoCapture(self.address, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            raise SourceError(say("source_no_video", source=self.display))
        return cap

    def _probe(self, timeout: float) -> None:
        """Connect once ourselves: OpenCV says only "failed", an operator needs to know whether
        the camera is unreachable or refuses the stream."""
        parts = urlsplit(self.address)
        host, port = parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        try:
            socket.create_connection((host, port), timeout=timeout).close()
        except socket.gaierror:
            raise SourceError(say("source_unknown_host", source=self.display, host=host)) from None
        except ConnectionRefusedError:
            raise SourceError(say("source_refused", source=self.display)) from None
        except TimeoutError:
            raise SourceError(say("source_no_answer", source=self.display,
                                  seconds=timeout)) from None
        except OSError as exc:
            raise SourceError(say("source_unreachable", source=self.display,
                                  error=str(exc.strerror or exc))) from None


def native_fps(cap: cv2.VideoCapture) -> float:
    """The frame rate a file declares (used to play it in real time)."""
    fps = cap.get(cv2.CAP_PROP_FPS)
    return fps if 0 < fps <= 240 else _FALLBACK_FPS
