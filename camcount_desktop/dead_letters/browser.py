"""Reviewing ``dead.letter.error``: list what is there, requeue to the original route, or discard.

Nothing is acknowledged until an operator decides. On RabbitMQ the messages are fetched with a
short-lived channel of our own (``basic.get`` without auto-ack) and held unacknowledged: requeue
publishes to the original exchange and key (confirmed) and only then acks; discard acks; closing
the channel hands back everything undecided, in order. The in-process bus lives and dies with
this process, so there the messages are taken into the console's own list through the public
Bus API and kept until decided. Qt-free.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workers.bus import Bus, Delivery, InProcessBus, Subscription
from workers.contracts import TYPE_HEADER
from workers.topology import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    ORIGIN_EXCHANGE_HEADER,
    ORIGIN_KEY_HEADER,
    ORIGIN_QUEUE_HEADER,
)

log = logging.getLogger(__name__)

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


class DeadLetterSource(ABC):
    def __init__(self, bus: Bus):
        self.bus = bus
        #: the messages on hand, undecided, by key
        self.letters: dict[str, DeadLetter] = {}

    @abstractmethod
    async def fetch(self, limit: int = FETCH_LIMIT) -> list[DeadLetter]:
        """What is in the error queue now (up to ``limit``); undecided ones from before go back."""

    @abstractmethod
    async def _settle(self, key: str) -> None:
        """The message is dealt with: remove it from the error queue for good."""

    @abstractmethod
    async def close(self) -> None:
        """Hand back everything undecided."""

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


class InProcessDeadLetters(DeadLetterSource):
    def __init__(self, bus: Bus):
        super().__init__(bus)
        self._sub: Subscription | None = None
        self._ids = itertools.count(1)

    async def fetch(self, limit: int = FETCH_LIMIT) -> list[DeadLetter]:
        queue = self.bus.topology.error_queue
        if self._sub is None:
            self._sub = await self.bus.consume(queue, self._take, retry=None)
        for _ in range(100):  # let the consumer take in what is waiting (it is all in memory)
            depth = (await self.bus.queue_depths([queue])).get(queue)
            if depth is None or (depth.ready == 0 and not depth.unacked):
                break
            await asyncio.sleep(0.01)
        return list(self.letters.values())[:limit]

    async def _take(self, d: Delivery, _: Delivery) -> None:
        key = str(next(self._ids))
        self.letters[key] = DeadLetter(key, d.body, dict(d.headers))

    async def _settle(self, key: str) -> None:
        self.letters.pop(key, None)

    async def close(self) -> None:
        if self._sub is not None:
            await self._sub.cancel()
            self._sub = None


class RabbitDeadLetters(DeadLetterSource):
    def __init__(self, bus: Bus, url: str):
        super().__init__(bus)
        self.url = url
        self._conn: Any = None
        self._channel: Any = None
        self._messages: dict[str, Any] = {}  # key -> aio-pika IncomingMessage, unacked

    async def fetch(self, limit: int = FETCH_LIMIT) -> list[DeadLetter]:
        import aio_pika

        await self.close()  # undecided messages go back first, so the list is the whole queue
        self._conn = await aio_pika.connect(
            self.url, client_properties={"connection_name": f"camcount-{self.bus.source}-dead-letters"})
        self._channel = await self._conn.channel(publisher_confirms=False)
        queue = await self._channel.get_queue(self.bus.topology.error_queue, ensure=True)
        for _ in range(limit):
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            key = str(message.delivery_tag)
            self._messages[key] = message
            self.letters[key] = DeadLetter(key, message.body, dict(message.headers or {}))
        return list(self.letters.values())

    async def _settle(self, key: str) -> None:
        await self._messages.pop(key).ack()
        self.letters.pop(key, None)

    async def close(self) -> None:
        self._messages.clear()
        self.letters.clear()
        if self._conn is not None:
            try:
                await self._conn.close()  # unacked messages return to the queue
            except Exception as exc:
                log.debug("closing the dead-letter connection: %s", exc)
            self._conn = self._channel = None


def open_dead_letters(bus: Bus) -> DeadLetterSource:
    if isinstance(bus, InProcessBus):
        return InProcessDeadLetters(bus)
    url = getattr(bus, "url", None)
    if not url:
        raise TypeError(f"cannot read the error queue of {bus!r}")
    return RabbitDeadLetters(bus, url)
