"""Reviewing ``dead.letter.error``: list what is there, requeue to the original route, or discard.

``Bus.dead_letters()`` opens a review. Nothing is removed from the error queue until someone
decides: ``fetch`` takes the messages in hand (held, not acknowledged), ``requeue`` publishes
each to its original exchange and key (confirmed) and only then removes it, ``discard`` removes
it, and ``close`` hands back everything undecided, in order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workers.contracts.base import TYPE_HEADER
from workers.topology import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    ORIGIN_EXCHANGE_HEADER,
    ORIGIN_KEY_HEADER,
    ORIGIN_QUEUE_HEADER,
)

if TYPE_CHECKING:
    from workers.bus.base import Bus

#: most messages one fetch takes in hand
FETCH_LIMIT = 500


@dataclass(frozen=True)
class DeadLetter:
    key: str
    body: bytes
    headers: dict[str, Any]

    @property
    def reason(self) -> str:
        return str(self.headers.get(ERROR_HEADER, ""))

    @property
    def attempts(self) -> int:
        return int(self.headers.get(ATTEMPT_HEADER, 0))

    @property
    def route(self) -> tuple[str, str]:
        return (str(self.headers.get(ORIGIN_EXCHANGE_HEADER, "")),
                str(self.headers.get(ORIGIN_KEY_HEADER, "")))

    @property
    def original_queue(self) -> str:
        return str(self.headers.get(ORIGIN_QUEUE_HEADER, ""))

    @property
    def failed_at(self) -> str:
        return str(self.headers.get(FAILED_AT_HEADER, ""))

    @property
    def kind(self) -> str:
        return str(self.headers.get(TYPE_HEADER, "?"))


def requeue_headers(headers: dict[str, Any]) -> dict[str, Any]:
    """Headers for a second chance: attempts back to zero, the last failure cleared, the origin
    kept (so a message that fails again still knows where it came from)."""
    out = {k: v for k, v in headers.items() if k not in (ERROR_HEADER, FAILED_AT_HEADER)}
    out[ATTEMPT_HEADER] = 0
    return out


class DeadLetters(ABC):
    """One review of the error queue; each transport holds the messages its own way."""

    def __init__(self, bus: Bus):
        self.bus = bus
        #: the messages in hand, undecided, by key
        self.letters: dict[str, DeadLetter] = {}

    async def fetch(self, limit: int = FETCH_LIMIT) -> list[DeadLetter]:
        """What is in the error queue now (up to ``limit``); undecided ones from before go back
        first, so the list is the queue as it stands."""
        await self.close()
        await self._take(limit)
        return list(self.letters.values())

    @abstractmethod
    async def _take(self, limit: int) -> None:
        """Hold up to ``limit`` messages from the head of the error queue in ``letters``."""

    @abstractmethod
    async def _settle(self, key: str) -> None:
        """The message is dealt with: remove it from the error queue for good."""

    @abstractmethod
    async def close(self) -> None:
        """Hand back everything undecided, in order."""

    async def requeue(self, keys: Iterable[str]) -> int:
        """Publish each to its original route, then remove it; returns how many went."""
        done = 0
        for key in keys:
            letter = self.letters.get(key)
            if letter is None:
                continue
            exchange, routing_key = letter.route
            if not routing_key:
                raise ValueError(f"message {key} has no original route to requeue to")
            await self.bus.publish(exchange, routing_key, letter.body,
                                   headers=requeue_headers(letter.headers))
            await self._settle(key)
            done += 1
        return done

    async def discard(self, keys: Iterable[str]) -> int:
        done = 0
        for key in keys:
            if key in self.letters:
                await self._settle(key)
                done += 1
        return done
