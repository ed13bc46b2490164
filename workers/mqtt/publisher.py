"""Bringing the broker's retained topics to what the site says, at most once per interval each.

The publisher remembers what it sent on the current connection. A new connection starts from
nothing, so everything is sent again: only the latest value of each topic, never a backlog.
A topic that is no longer wanted is cleared (an empty retained message), which is also how Home
Assistant removes an entity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Send = Callable[[str, bytes], Awaitable[None]]


class RetainedPublisher:
    def __init__(self, min_interval_s: float):
        self.min_interval_s = min_interval_s
        #: what the broker holds from us on this connection
        self.sent: dict[str, bytes] = {}
        self._last_at: dict[str, float] = {}
        #: retained topics of ours found on the broker (an earlier run's): topic -> camera
        self.found: dict[str, str] = {}
        self.published = 0

    def reset(self) -> None:
        """A new connection: the broker may hold nothing of ours (or an earlier run's)."""
        self.sent.clear()
        self.found.clear()

    def stale(self, wanted: dict[str, bytes], settled: Callable[[str], bool]) -> set[str]:
        """Topics an earlier run left that the site no longer has (for cameras whose shapes
        are known, so nothing is cleared that is merely not loaded yet)."""
        return {t for t, cam in self.found.items() if t not in wanted and settled(cam)}

    async def sync(self, wanted: dict[str, bytes], stale: set[str], send: Send,
                   now: float) -> float | None:
        """Send what differs (new values, and an empty payload for ``stale`` topics and those
        sent but no longer wanted). Returns when the next capped topic is due, if any."""
        due: float | None = None
        for topic in [t for t in self.sent if t not in wanted] + sorted(stale - wanted.keys()):
            await send(topic, b"")
            self.sent.pop(topic, None)
            self.found.pop(topic, None)
            self.published += 1
        for topic, payload in wanted.items():
            if self.sent.get(topic) == payload:
                continue
            ready = self._last_at.get(topic, float("-inf")) + self.min_interval_s
            if topic in self.sent and ready > now:  # capped; the newest value goes out then
                due = ready if due is None else min(due, ready)
                continue
            await send(topic, payload)
            self.sent[topic] = payload
            self._last_at[topic] = now
            self.published += 1
        return due
