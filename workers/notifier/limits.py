"""Per-target and per-channel rate limits, and per-target circuit breakers.

Both only ever say "wait this long": a message held back is delayed, never dropped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

from workers.contracts.alerting import BreakerSettings, RateLimit
from workers.contracts.notifications import BreakerState

Clock = Callable[[], float]


class RateLimiter:
    """At most ``count`` sends in any window of ``per_seconds`` (a sliding window, so a receiver
    that allows "N per minute" never sees N+1 within a minute, unlike a token bucket's 2N)."""

    def __init__(self, limit: RateLimit, clock: Clock = time.monotonic):
        self.limit = limit
        self._clock = clock
        self._sent: deque[float] = deque(maxlen=limit.count)

    def wait(self) -> float:
        """Seconds until one more send is allowed (0: now)."""
        if len(self._sent) < self.limit.count:
            return 0.0
        return max(0.0, self._sent[0] + self.limit.per_seconds - self._clock())

    def take(self) -> None:
        self._sent.append(self._clock())


def acquire(limiters: Iterable[RateLimiter]) -> float:
    """Take a send from every limiter if all allow it now (0.0), else take none and return the
    longest wait."""
    limiters = list(limiters)
    wait = max((lim.wait() for lim in limiters), default=0.0)
    if wait == 0.0:
        for lim in limiters:
            lim.take()
    return wait


class CircuitBreaker:
    """Closed: sends go through. After ``failures`` retryable failures in a row it opens: sends
    wait ``open_seconds``. Then half-open: one probe goes through; its success closes the breaker,
    its failure opens it again. Refusals (HTTP 4xx) do not count: the target answered."""

    #: how long others wait while a half-open breaker's probe is out
    PROBE_WAIT_S = 1.0

    def __init__(self, settings: BreakerSettings, clock: Clock = time.monotonic):
        self.settings = settings
        self._clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False
        self.last_error: str | None = None

    @property
    def state(self) -> BreakerState:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self._clock() >= self.open_until else "open"

    @property
    def open_until(self) -> float:
        return (self.opened_at or 0.0) + self.settings.open_seconds

    def wait(self) -> float:
        """Seconds before a send may go (0: now). Has no effect; ``admit`` claims the probe."""
        state = self.state
        if state == "closed":
            return 0.0
        if state == "open":
            return self.open_until - self._clock()
        return self.PROBE_WAIT_S if self.probing else 0.0

    def admit(self) -> bool:
        """Claim the right to send now (the probe, when half-open)."""
        if self.wait() > 0:
            return False
        if self.state == "half_open":
            self.probing = True
        return True

    def release(self) -> None:
        """A claimed send did not happen after all (held back by a rate limit)."""
        self.probing = False

    def success(self) -> bool:
        """Record a delivered send; True if this closed an open breaker."""
        was_open = self.opened_at is not None
        self.failures, self.opened_at, self.probing = 0, None, False
        return was_open

    def failure(self, error: str) -> bool:
        """Record a retryable failure; True if the breaker opened because of it."""
        self.failures += 1
        self.last_error = error
        reopening = self.probing
        self.probing = False
        if reopening or (self.opened_at is None and self.failures >= self.settings.failures):
            first = self.opened_at is None
            self.opened_at = self._clock()
            return first
        return False
