"""Debouncing: a value changes only once the new value has been seen several frames in a row."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


class Debounced(Generic[T]):
    """Confirmed ``value`` (None until first confirmed) and the candidate that may replace it.

    ``since`` is the time of the first frame of the current (or last confirmed) candidate, so a
    confirmed change can be dated to when it happened rather than when it was confirmed.
    """

    __slots__ = ("value", "candidate", "streak", "since")

    def __init__(self) -> None:
        self.value: T | None = None
        self.candidate: T | None = None
        self.streak = 0
        self.since: datetime | None = None

    def observe(self, value: T, at: datetime, frames: int) -> bool:
        """Record one frame's value; True when this frame confirms a change of ``value``."""
        if value == self.value:
            self.candidate, self.streak = None, 0  # went back before confirmation: nothing happened
            return False
        if value != self.candidate:
            self.candidate, self.streak, self.since = value, 0, at
        self.streak += 1
        if self.streak < frames:
            return False
        self.value, self.candidate, self.streak = value, None, 0
        return True
