"""The in-process bus: the embedded default for local mode, on one asyncio loop.

It keeps only what the workers rely on: exchanges with direct/topic/fanout routing, queues with
drop-head length limits, single active consumer, manual acks, retries with the same delays and
headers as RabbitMQ, the review of the error queue, and request/reply. It is not a second
broker: no persistence, no TTLs, no priorities (documented in docs/topology.md).
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workers.bus.base import Bus, Delivery, QueueDepth, Subscription, _Route, wait_closed
from workers.bus.dead_letters import DeadLetter, DeadLetters
from workers.bus.errors import BusError, PublishError, RequestTimeout, Unroutable
from workers.contracts.base import new_id
from workers.topology import RETRY_DELAYS_MS, QueueSpec, Topology

log = logging.getLogger(__name__)

_REPLY_PREFIX = "inproc.reply."


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more."""
    p, k = pattern.split("."), key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(k)
        if p[i] == "#":
            return any(match(i + 1, jj) for jj in range(j, len(k) + 1))
        return j < len(k) and (p[i] == "*" or p[i] == k[j]) and match(i + 1, j + 1)

    return match(0, 0)


@dataclass
class _Queue:
    name: str
    max_length: int | None
    single_active: bool
    #: x-overflow=reject-publish: a publish to a full queue is refused, nothing is evicted
    reject_when_full: bool = False
    items: deque[Delivery] = field(default_factory=deque)
    consumers: list[object] = field(default_factory=list)
    unacked: int = 0
    cond: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def full(self) -> bool:
        return self.max_length is not None and len(self.items) >= self.max_length

    async def put(self, d: Delivery) -> None:
        async with self.cond:
            if self.full and not self.reject_when_full:
                self.items.popleft()  # drop-head, as RabbitMQ's x-overflow=drop-head
            self.items.append(d)
            self.cond.notify_all()

    async def put_front(self, d: Delivery) -> None:
        async with self.cond:
            self.items.appendleft(d)
            self.cond.notify_all()

    async def get(self, consumer: object, most: int = 1) -> list[Delivery]:
        """The next message, and up to ``most`` in all of those already waiting behind it."""
        def ready() -> bool:
            active = not self.single_active or (self.consumers and self.consumers[0] is consumer)
            return bool(self.items) and bool(active)

        async with self.cond:
            await self.cond.wait_for(ready)
            got = [self.items.popleft() for _ in range(min(most, len(self.items)))]
            self.unacked += len(got)
            return got

    async def notify(self) -> None:
        async with self.cond:
            self.cond.notify_all()


class InProcessBus(Bus):
    durable = False
    leaves_process = False

    def __init__(self, topology: Topology | None = None, *, source: str = "camcount"):
        super().__init__(topology, source=source)
        # one process, one person: everything on this bus is sent by the local user
        self.user = getpass.getuser()
        self._exchanges: dict[str, str] = {}
        self._bindings: dict[str, list[tuple[str, str]]] = {}  # exchange -> [(key, queue)]
        self._queues: dict[str, _Queue] = {}
        self._replies: dict[str, asyncio.Future[Delivery]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._subs: list[Subscription] = []
        self._counter = itertools.count()
        self._delay_exchanges = {self.topology.delay_exchange(ms): ms for ms in RETRY_DELAYS_MS}

    async def start(self) -> None:
        for ex in self.topology.exchanges:
            self._exchanges[ex.name] = ex.type
            self._bindings.setdefault(ex.name, [])
        for spec in self.topology.queues:
            await self.declare_queue(spec)
        self._set_state("connected")

    async def close(self) -> None:
        for sub in list(self._subs):
            await sub.cancel()
        for task in list(self._tasks):  # pending retries: this bus keeps nothing across runs
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._set_state("down")

    async def declare_queue(self, spec: QueueSpec) -> None:
        if spec.name not in self._queues:
            self._queues[spec.name] = _Queue(
                spec.name, spec.arguments.get("x-max-length"),
                bool(spec.arguments.get("x-single-active-consumer")),
                spec.arguments.get("x-overflow") == "reject-publish")
        for b in spec.bindings:
            if b.exchange not in self._exchanges:
                raise BusError(f"cannot bind {spec.name!r}: no exchange {b.exchange!r}")
            pair = (b.routing_key, spec.name)
            if pair not in self._bindings[b.exchange]:
                self._bindings[b.exchange].append(pair)

    def _route(self, exchange: str, key: str) -> list[str]:
        if exchange == "":
            return [key] if key in self._queues else []
        kind = self._exchanges.get(exchange)
        if kind is None:
            raise BusError(f"no exchange {exchange!r}")
        out = []
        for pattern, queue in self._bindings[exchange]:
            if (kind == "fanout" or (kind == "direct" and pattern == key)
                    or (kind == "topic" and topic_matches(pattern, key))) and queue not in out:
                out.append(queue)
        return out

    async def _publish_raw(self, exchange: str, routing_key: str, body: bytes,
                           headers: dict[str, Any], *, mandatory: bool, persistent: bool,
                           priority: int | None, message_id: str | None,
                           correlation_id: str | None, reply_to: str | None,
                           expiration_s: float | None) -> None:
        if exchange == "" and routing_key.startswith(_REPLY_PREFIX):
            fut = self._replies.get(routing_key)
            if fut is not None and not fut.done():
                fut.set_result(Delivery(body, dict(headers), exchange, routing_key, routing_key,
                                        message_id, correlation_id))
            return
        if exchange in self._delay_exchanges:
            # A retry: wait out the delay, then hand it back to the queue it came from (the
            # routing key), as the TTL + dead-letter round trip does on RabbitMQ, where a
            # per-message TTL shorter than the queue's wins.
            delay = self._delay_exchanges[exchange] / 1000
            if expiration_s is not None:
                delay = min(delay, expiration_s)
            d = Delivery(body, dict(headers), "", routing_key, routing_key, message_id,
                         priority=priority, user_id=self.user)
            self._spawn(self._redeliver_later(d, delay))
            return
        queues = self._route(exchange, routing_key)
        if not queues:
            if mandatory:
                raise Unroutable(exchange, routing_key)
            return
        # As RabbitMQ confirms: refused if any queue it routes to is full (and then none gets it)
        if full := [n for n in queues if self._queues[n].full and self._queues[n].reject_when_full]:
            raise PublishError(f"queue {full[0]!r} is full ({self._queues[full[0]].max_length} "
                               "messages); the broker refused the message")
        for name in queues:
            await self._queues[name].put(Delivery(
                body, dict(headers), exchange, routing_key, name, message_id, correlation_id,
                reply_to, priority, user_id=self.user))

    async def _redeliver_later(self, d: Delivery, delay: float) -> None:
        await asyncio.sleep(delay)
        queue = self._queues.get(d.queue)
        if queue is not None:
            await queue.put(d)

    async def _consume(self, spec: QueueSpec, route: _Route, *, prefetch: int, concurrency: int,
                       exclusive: bool) -> Subscription:
        if exclusive:
            spec = QueueSpec(f"inproc.sub.{next(self._counter)}", spec.arguments, spec.bindings,
                             durable=False)
        await self.declare_queue(spec)
        queue = self._queues[spec.name]
        consumer = object()
        queue.consumers.append(consumer)
        workers: list[asyncio.Task[Any]] = []
        busy: set[asyncio.Task[Any]] = set()
        closing = asyncio.Event()

        async def work() -> None:
            while not closing.is_set():  # a worker busy at cancel ends after its message
                got = await queue.get(consumer, max(route.batch, 1))
                task = asyncio.current_task()
                assert task is not None
                busy.add(task)
                try:
                    if route.batch:
                        await self._dispatch_batch(route, got, closing.is_set)
                    else:
                        await self._dispatch(route, got[0])
                except Exception:
                    log.exception("delivery on %s failed; returning it to the queue", queue.name)
                    if not closing.is_set():
                        await asyncio.sleep(1.0)
                    for d in reversed(got):
                        await queue.put_front(d)
                finally:
                    queue.unacked -= len(got)
                    busy.discard(task)

        for _ in range(concurrency):
            workers.append(self._spawn(work()))

        async def cancel() -> None:
            closing.set()
            if consumer in queue.consumers:
                queue.consumers.remove(consumer)
            idle = [t for t in workers if t not in busy]
            for t in idle:
                t.cancel()
            await wait_closed([t for t in workers if t in busy], timeout=10)
            await asyncio.gather(*workers, return_exceptions=True)
            if exclusive:
                self._drop_queue(queue.name)
            await queue.notify()  # a single-active queue hands over to the next consumer
            if sub in self._subs:
                self._subs.remove(sub)

        sub = Subscription(queue.name, cancel)
        self._subs.append(sub)
        return sub

    def _drop_queue(self, name: str) -> None:
        self._queues.pop(name, None)
        for pairs in self._bindings.values():
            pairs[:] = [p for p in pairs if p[1] != name]

    async def _request_raw(self, queue: str, body: bytes, headers: dict[str, Any],
                           timeout: float, exchange: str = "") -> Delivery:
        reply_to = f"{_REPLY_PREFIX}{new_id()}"
        fut: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        self._replies[reply_to] = fut
        try:
            correlation_id = new_id()
            await self._publish_raw(exchange, queue, body, headers, mandatory=True,
                                    persistent=False,
                                    priority=None, message_id=new_id(),
                                    correlation_id=correlation_id, reply_to=reply_to,
                                    expiration_s=timeout)
            try:
                return await asyncio.wait_for(fut, timeout)
            except TimeoutError:
                raise RequestTimeout(f"no reply from {queue!r} within {timeout:g} s") from None
        finally:
            self._replies.pop(reply_to, None)

    async def queue_depths(self, names: Sequence[str] | None = None) -> dict[str, QueueDepth]:
        wanted = names if names is not None else [q.name for q in self.topology.queues]
        return {
            n: QueueDepth(len(q.items), q.unacked, len(q.consumers))
            for n in wanted if (q := self._queues.get(n)) is not None
        }

    def dead_letters(self) -> DeadLetters:
        return _HeldDeadLetters(self)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


class _HeldDeadLetters(DeadLetters):
    """Messages taken off the error queue's head and counted as unacked until decided, as a
    RabbitMQ channel holds them; handed back to the head, in order."""

    def __init__(self, bus: InProcessBus):
        super().__init__(bus)
        self._memory = bus
        self._held: dict[str, Delivery] = {}
        self._keys = itertools.count(1)

    @property
    def _queue(self) -> _Queue:
        return self._memory._queues[self.bus.topology.error_queue]

    async def _take(self, limit: int) -> None:
        q = self._queue
        async with q.cond:
            for _ in range(min(limit, len(q.items))):
                d = q.items.popleft()
                q.unacked += 1
                key = str(next(self._keys))
                self._held[key] = d
                self.letters[key] = DeadLetter(key, d.body, dict(d.headers))

    async def _settle(self, key: str) -> None:
        if self._held.pop(key, None) is not None:
            self._queue.unacked -= 1
        self.letters.pop(key, None)

    async def close(self) -> None:
        held = list(self._held.values())
        self._held.clear()
        self.letters.clear()
        if not held:
            return  # also on a bus that never started: nothing to hand back
        self._queue.unacked -= len(held)
        for d in reversed(held):
            await self._queue.put_front(d)
