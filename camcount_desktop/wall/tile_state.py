"""What one camera's tile shows (``TileState``): which frame, which result on it, and whether
the feed is live.

Alignment: while results flow, the tile shows the frame each new result was computed on (from
the ring buffer, by frame_id), so boxes sit on the people they were found on; the picture lags
the camera by the detector's latency. With no detector, or when a result's frame is no longer in
the ring, the newest frame is shown without boxes. Counts always come from the newest result.

Latency: how old the picture the operator sees is, from the camera's capture (the frame's
timestamp, stamped by the camera worker) to the tile painting that frame with its boxes; the
median of the last few such paints. Camera worker and console clocks must agree (NTP) for it
to mean anything across machines.

Liveness: a tile is live only while frames keep arriving. An ``offline`` status, or no frame for
``stall_after()`` seconds, shows NO SIGNAL with the time of the last frame; never a frozen frame.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from PySide6.QtGui import QImage

from camcount_desktop.wall.frames import DecodedFrame, FrameRing
from workers.contracts import CameraStatus, DetectionResult, ZoneSet

SignalState = Literal["waiting", "live", "no_signal", "reconnecting"]

#: a result this recent means a detector is working on this camera
RESULTS_FRESH_S = 2.0
#: while results flow, a picture older than this gives way to the newest frame (detector lagging)
MAX_DISPLAY_LAG_S = 1.5
MIN_STALL_S = 3.0
#: results silent this long while frames come: no detector is working on this camera any more
RESULTS_STALE_S = 10.0
#: paints of a frame with its boxes the shown latency is the median of
LATENCY_WINDOW = 10


@dataclass(frozen=True)
class Shown:
    frame: DecodedFrame
    #: the result computed on this very frame, or None
    result: DetectionResult | None


class TileState:
    def __init__(self, camera_id: str, name: str = "", *, clock=time.monotonic,
                 wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.camera_id = camera_id
        self.name = name or camera_id
        self.zones: ZoneSet | None = None
        self.status: CameraStatus | None = None
        #: why no frame will come although nothing failed (no camera worker serves its group)
        self.unserved = ""
        self.latest_result: DetectionResult | None = None
        self.shown: Shown | None = None
        self.last_frame_at: datetime | None = None
        #: the heatmap drawn over the picture (None: not shown), and what it covers
        self.heat: QImage | None = None
        self.heat_caption = ""
        #: the operator asked to see faces on this camera (its views are logged)
        self.faces_on = False
        self._clock = clock
        self._wall_clock = wall_clock
        self._latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self._latency_of: str | None = None  # the frame last measured
        self._ring = FrameRing()
        self._arrivals: deque[float] = deque(maxlen=30)
        self._last_result_t = -1e9
        self._shown_t = -1e9
        self._nominal_fps = 0.0

    # -- input --------------------------------------------------------------------------------
    def add_frame(self, frame: DecodedFrame) -> None:
        now = self._clock()
        self._ring.add(frame)
        self._arrivals.append(now)
        self._nominal_fps = frame.fps
        self.last_frame_at = frame.captured_at
        results_flowing = now - self._last_result_t < RESULTS_FRESH_S
        if not results_flowing or now - self._shown_t > MAX_DISPLAY_LAG_S or self.shown is None:
            self._show(Shown(frame, None), now)

    def add_result(self, result: DetectionResult) -> bool:
        """Take a result; True when it is now drawn on its own frame."""
        now = self._clock()
        self.latest_result = result
        self._last_result_t = now
        frame = self._ring.get(result.frame_id)
        if frame is None:
            return False
        self._show(Shown(frame, result), now)
        return True

    def painted(self) -> float | None:
        """The tile painted what it shows. The first paint of a frame with its result is a
        latency sample: its age, in seconds, which this returns (else None)."""
        shown = self.shown
        if shown is None or shown.result is None or shown.frame.frame_id == self._latency_of:
            return None
        self._latency_of = shown.frame.frame_id
        age = (self._wall_clock() - shown.frame.captured_at).total_seconds()
        self._latencies.append(age)
        return age

    @property
    def latency(self) -> float | None:
        """Seconds from capture to the tile showing a frame with its boxes, lately (median)."""
        return statistics.median(self._latencies) if self._latencies else None

    def set_status(self, status: CameraStatus) -> None:
        self.status = status

    def _show(self, shown: Shown, now: float) -> None:
        self.shown = shown
        self._shown_t = now

    # -- what to show -------------------------------------------------------------------------
    @property
    def fps(self) -> float:
        """Frames per second actually arriving here (last few seconds)."""
        if len(self._arrivals) < 2:
            return 0.0
        span = self._arrivals[-1] - self._arrivals[0]
        return (len(self._arrivals) - 1) / span if span > 0 else 0.0

    def results_silent_for(self) -> float | None:
        """Seconds since the last result, once results that came have stopped for longer than
        RESULTS_STALE_S (a detector gone: the counts on the tile are not moving); else None."""
        if self.latest_result is None:
            return None
        silent = self._clock() - self._last_result_t
        return silent if silent > RESULTS_STALE_S else None

    def stall_after(self) -> float:
        """Seconds without a frame after which the feed counts as lost: a few frame intervals."""
        fps = self._nominal_fps or self.fps
        return max(MIN_STALL_S, 5.0 / fps) if fps > 0 else MIN_STALL_S

    def signal_state(self) -> SignalState:
        if self.status is not None and self.status.state != "online":
            # frames newer than the status mean the camera came back before saying so
            if self.last_frame_at is None or self.last_frame_at <= self.status.timestamp:
                return "reconnecting" if self.status.state == "reconnecting" else "no_signal"
        if not self._arrivals:
            return "no_signal" if self.status is not None else "waiting"
        if self._clock() - self._arrivals[-1] > self.stall_after():
            return "no_signal"
        return "live"

    def clear_frames(self) -> None:
        self._ring.clear()
        self.shown = None
        self._latencies.clear()
