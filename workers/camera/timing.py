"""Time rules of a camera: when to sample, how fast it really goes, how long to wait to retry."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """How quickly a camera worker notices trouble and how it retries."""

    #: no new picture for this long means the source stalled (noticed within this + ``check_every``)
    stall_after: float = 3.0
    #: how often the supervisor looks at a camera's health
    check_every: float = 0.25
    #: reconnect delays: doubling from base to cap
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    #: a camera online this long starts again from the shortest delay on its next failure
    healthy_after: float = 10.0
    #: FFmpeg's connect timeout for network sources
    open_timeout: float = 10.0
    #: every camera's status is re-published this often, changes at once
    status_every: float = 3.0


class Backoff:
    """Reconnect delays: base, doubling, capped."""

    def __init__(self, base: float, cap: float):
        self.base, self.cap = base, cap
        self._attempt = 0

    def next(self) -> float:
        delay = min(self.base * 2 ** self._attempt, self.cap)
        self._attempt += 1
        return delay

    def reset(self) -> None:
        self._attempt = 0


class RateSampler:
    """Picks frames from a faster source to approach a target rate without drifting.

    Frames are taken on a fixed schedule (every ``1/fps``); a frame up to a quarter period early
    counts as on time, so a 10 fps source sampled at 10 fps loses nothing to jitter, and a late
    frame moves the schedule on rather than causing a burst to catch up.
    """

    def __init__(self) -> None:
        self._due: float | None = None

    def take(self, t: float, fps: float) -> bool:
        period = 1.0 / fps
        slack = period / 4
        if self._due is not None and t < self._due - slack:
            return False
        self._due = t + period if self._due is None else max(self._due + period, t + period - slack)
        return True


class FpsMeter:
    """Frames per second over the last few seconds; falls to 0 when frames stop."""

    def __init__(self, window: float = 5.0):
        self.window = window
        self._times: deque[float] = deque()

    def tick(self, t: float) -> None:
        self._times.append(t)
        self._prune(t)

    def rate(self, now: float) -> float:
        self._prune(now)
        n = len(self._times)
        if n < 2:
            return 0.0
        span = max(self._times[-1] - self._times[0], 1e-6)
        if now - self._times[-1] > max(2 * span / (n - 1), 1.0):  # frames stopped: decay to 0
            span = now - self._times[0]
        return (n - 1) / span

    def _prune(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()
