"""The RabbitMQ bus (aio-pika): robust named connection, confirms, manual acks, retries.

Publishing waits for the broker's confirm and raises when a mandatory message is returned or
nacked. While the connection is being re-established, a publish waits (up to
``publish_timeout``) and tries again rather than failing at once; a retried publish whose first
confirm was lost can duplicate, which handlers absorb by being idempotent on ``message_id``.

Given the nodes of a cluster (several hosts in the URL), the bus connects to the first that
answers and, while disconnected, points the robust connection's next attempt at the next node in
turn (aio-pika reads the connection's ``url`` at every attempt).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
import aiohttp
import aiormq
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aiormq import spec
from yarl import URL

from workers.bus.base import Bus, Delivery, QueueDepth, Subscription, _Route, sender, wait_closed
from workers.bus.config import node_urls, redact
from workers.bus.dead_letters import DeadLetter, DeadLetters
from workers.bus.declare import CONNECT_ERRORS, TopologyMismatch, declare, missing
from workers.bus.errors import NotAllowed, PublishError, RequestTimeout, Unroutable
from workers.bus.management import ManagementAPI
from workers.contracts.base import TYPE_HEADER, new_id
from workers.tasks import cancel_and_wait
from workers.topology import QueueSpec, Topology

log = logging.getLogger(__name__)

_DIRECT_REPLY = "amq.rabbitmq.reply-to"
_TRANSIENT = (aiormq.exceptions.AMQPConnectionError, aiormq.exceptions.ChannelInvalidStateError,
              aio_pika.exceptions.ChannelInvalidStateError, ConnectionError, TimeoutError)


def _delivery(m: AbstractIncomingMessage, queue: str, own_user: str) -> Delivery:
    headers = dict(m.headers or {})
    return Delivery(
        body=m.body, headers=headers, exchange=m.exchange or "",
        routing_key=m.routing_key or "", queue=queue, message_id=m.message_id,
        correlation_id=m.correlation_id, reply_to=m.reply_to, priority=m.priority,
        redelivered=bool(m.redelivered), user_id=sender(m.user_id, headers, own_user))


#: most handled messages an in-order consumer leaves unacknowledged while it works through a backlog
ACK_BATCH = 64
#: a message whose outcome could not be settled (the error queue refused it) waits this long
#: before it goes back to its queue
UNSETTLED_PAUSE_S = 1.0
#: how long a batch consumer waits for a partial batch to fill while messages keep arriving
#: (a lone message is handled at once): each batch costs a commit, its round trips and an ack
#: however small, so a backlog drains in batches about twice as large (bench/ingest.py)
BATCH_LINGER_S = 0.02
#: seconds between reconnection attempts, and how long one node is tried before the next
RECONNECT_INTERVAL_S = 1.0
FAILOVER_AFTER_S = 2.5


class RabbitBus(Bus):
    def __init__(self, url: str, topology: Topology | None = None, *, source: str = "camcount",
                 declare_topology: bool = True, publish_timeout: float = 30.0,
                 management_url: str | None = None):
        super().__init__(topology, source=source)
        self.url = url
        self.nodes = node_urls(url)
        self._node = 0  # the node the connection uses, or tries next
        # RabbitMQ refuses a publish whose user_id is not the connection's user, so receivers can
        # trust it (docs/admin.md)
        self.user = unquote(urlsplit(url).username or "") or "guest"
        self.declare_topology = declare_topology
        self.publish_timeout = publish_timeout
        self.management = ManagementAPI(self.nodes[0], management_url)
        self._conn: AbstractRobustConnection | None = None
        self._pub: aio_pika.abc.AbstractChannel | None = None
        self._rpc: aio_pika.abc.AbstractChannel | None = None
        self._rpc_lock = asyncio.Lock()
        self._replies: dict[str, asyncio.Future[Delivery]] = {}
        self._subs: list[Subscription] = []
        self._closing = False
        self._lost = asyncio.Event()
        self._failover: asyncio.Task[None] | None = None
        #: this account declared the topology, so it may declare it again when the broker lost it
        self._declares = False
        self._redeclaring: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<RabbitBus {redact(self.url)} {self.state}>"

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        name = f"camcount-{self.source}"
        if self.declare_topology:
            try:
                await declare(self.url, self.topology, name=f"{name}-topology")
                self._declares = True
            except NotAllowed as exc:
                # An account that may not configure (an operator's console) uses the topology the
                # workers declared; it can only check that it is there.
                if absent := await missing(self.url, self.topology, name=f"{name}-topology"):
                    raise TopologyMismatch(absent) from exc
                log.info("%s; using the topology as declared", exc)
        self._conn = await self._connect(name)
        self._conn.reconnect_callbacks.add(self._on_reconnect)
        self._conn.close_callbacks.add(self._on_close)
        self._pub = await self._conn.channel(publisher_confirms=True, on_return_raises=True)
        if len(self.nodes) > 1:
            self._failover = asyncio.create_task(self._fail_over(self._conn))
        self._set_state("connected")

    async def _connect(self, name: str) -> AbstractRobustConnection:
        """A robust connection to the first node that answers."""
        error: BaseException | None = None
        for i in range(len(self.nodes)):
            node = (self._node + i) % len(self.nodes)
            try:
                conn = await aio_pika.connect_robust(
                    self.nodes[node], client_properties={"connection_name": name}, timeout=10,
                    reconnect_interval=RECONNECT_INTERVAL_S)
            except CONNECT_ERRORS as exc:
                log.warning("broker node %s unavailable: %r", redact(self.nodes[node]), exc)
                error = exc
                continue
            self._node = node
            return conn
        assert error is not None
        raise error

    async def _fail_over(self, conn: AbstractRobustConnection) -> None:
        """While the connection is down, move its next attempt to the next node every
        ``FAILOVER_AFTER_S``: a node that is down refuses at once, one that is cut off from us
        times out; either way the others are tried. The robust connection does the rest (its
        channels and consumers are restored on whichever node it reaches)."""
        while not self._closing:
            await self._lost.wait()
            while not conn.connected.is_set() and not self._closing:
                self._node = (self._node + 1) % len(self.nodes)
                conn.url = URL(self.nodes[self._node])
                log.info("trying broker node %s", redact(self.nodes[self._node]))
                try:
                    async with asyncio.timeout(FAILOVER_AFTER_S):
                        await conn.connected.wait()
                except TimeoutError:
                    continue
            self._lost.clear()

    @property
    def node(self) -> str:
        """The node the bus is connected to (or tries next), redacted."""
        return redact(self.nodes[self._node])

    def _on_reconnect(self, *_: Any) -> None:
        log.info("broker connection re-established on %s", self.node)
        self._set_state("connected")
        self._restore_topology()  # a node that comes back empty (reset, new cluster member)

    def _restore_topology(self) -> None:
        """Declare the topology again in the background (once at a time): exchanges or queues
        deleted under running workers come back instead of failing every publish for good."""
        if not self._declares or self._closing or (
                self._redeclaring is not None and not self._redeclaring.done()):
            return

        async def redeclare() -> None:
            try:
                await declare(self.url, self.topology, name=f"camcount-{self.source}-topology")
            except Exception as exc:  # the next reconnect or missing exchange tries again
                log.warning("could not declare the topology again: %s", exc)

        self._redeclaring = asyncio.get_running_loop().create_task(redeclare())

    def _on_close(self, _conn: Any, exc: BaseException | None = None) -> None:
        if self._closing:
            self._set_state("down")
        else:
            log.warning("broker connection to %s lost (%s); reconnecting", self.node, exc)
            self._lost.set()
            self._set_state("reconnecting")

    async def close(self) -> None:
        self._closing = True
        await cancel_and_wait(self._redeclaring)
        for sub in list(self._subs):
            try:
                await sub.cancel()
            except Exception:
                log.debug("cancel on close failed", exc_info=True)
        await self.management.close()
        if self._failover is not None:
            self._failover.cancel()
        if self._conn is not None:
            await self._conn.close()
        self._set_state("down")

    # -- publishing ---------------------------------------------------------------------------
    async def _publish_raw(self, exchange: str, routing_key: str, body: bytes,
                           headers: dict[str, Any], *, mandatory: bool, persistent: bool,
                           priority: int | None, message_id: str | None,
                           correlation_id: str | None, reply_to: str | None,
                           expiration_s: float | None, channel: Any = None) -> None:
        assert self._pub is not None, "bus not started"
        # Straight onto aiormq's channel: aio-pika's Message/Exchange layers cost a third of the
        # client's CPU per publish (bench/bus.py), and the robust channel underneath is the same.
        props = spec.Basic.Properties(
            content_type="image/jpeg" if headers.get(TYPE_HEADER) == "frame" else "application/json",
            delivery_mode=2 if persistent else 1, headers=headers, priority=priority,
            message_id=message_id, correlation_id=correlation_id, reply_to=reply_to,
            expiration=None if expiration_s is None else str(max(1, int(expiration_s * 1000))),
            app_id=self.source, user_id=self.user)
        deadline = time.monotonic() + self.publish_timeout
        while True:
            try:
                # The whole attempt is bounded: while the connection is being re-established,
                # getting the channel waits for it, with no deadline of its own.
                async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                    under = await (channel or self._pub).get_underlay_channel()
                    await under.basic_publish(body, exchange=exchange, routing_key=routing_key,
                                              properties=props, mandatory=mandatory)
                return
            except aiormq.exceptions.PublishError as exc:  # returned: no queue is bound
                raise Unroutable(exchange, routing_key) from exc
            except aiormq.exceptions.DeliveryError as exc:  # nacked
                raise PublishError(
                    f"broker refused the message on {exchange!r}/{routing_key!r}: {exc}") from exc
            except aiormq.exceptions.ChannelAccessRefused as exc:
                raise NotAllowed(f"not allowed for this account: publish to {exchange!r} ({exc})") from exc
            except aiormq.exceptions.ChannelNotFoundEntity as exc:
                self._restore_topology()
                raise PublishError(f"exchange {exchange!r} does not exist on the broker (deleted "
                                   "under a running worker?); declaring the topology again") from exc
            except aiormq.exceptions.ChannelPreconditionFailed as exc:  # e.g. a foreign user_id
                raise PublishError(f"broker refused the message on {exchange!r}/{routing_key!r}: "
                                   f"{exc}") from exc
            except _TRANSIENT as exc:
                if self._closing or time.monotonic() >= deadline:
                    raise PublishError(f"broker unavailable, message not confirmed: {exc!r}") from exc
                await asyncio.sleep(0.5)

    # -- consuming ----------------------------------------------------------------------------
    async def declare_queue(self, spec: QueueSpec) -> None:
        assert self._conn is not None, "bus not started"
        ch = await self._conn.channel(publisher_confirms=False)
        as_declared = self.topology.declaration(spec)
        try:
            q = await ch.declare_queue(spec.name, durable=as_declared.durable,
                                       arguments=as_declared.arguments)
            for b in spec.bindings:
                await q.bind(b.exchange, b.routing_key)
        finally:
            await ch.close()

    async def _subscribe(self, spec: QueueSpec, prefetch: int, exclusive: bool,
                         on_message: Any) -> tuple[aio_pika.abc.AbstractChannel,
                                                   aio_pika.abc.AbstractQueue, str]:
        """Channel, queue and consumer. A connection lost on the way (a node dying while a
        worker starts) is waited out, up to ``publish_timeout``, not a failed start."""
        assert self._conn is not None, "bus not started"
        deadline = time.monotonic() + self.publish_timeout
        while True:
            ch = None
            try:
                ch = await self._conn.channel(publisher_confirms=False)
                await ch.set_qos(prefetch_count=prefetch)
                if exclusive:
                    queue = await ch.declare_queue(None, exclusive=True, auto_delete=True,
                                                   durable=False, arguments=spec.arguments)
                else:
                    as_declared = self.topology.declaration(spec)
                    queue = await ch.declare_queue(spec.name, durable=as_declared.durable,
                                                   arguments=as_declared.arguments)
                for b in spec.bindings:
                    await queue.bind(b.exchange, b.routing_key)
                return ch, queue, await queue.consume(on_message, no_ack=False)
            except aiormq.exceptions.ChannelAccessRefused as exc:
                # e.g. an operator binding to camera.faces: said in words, and the channel the
                # broker closed is not left for the robust connection to restore
                if ch is not None:
                    with contextlib.suppress(Exception):
                        await ch.close()
                raise NotAllowed(f"not allowed for this account: {exc}") from exc
            except _TRANSIENT as exc:
                if ch is not None:  # or the robust connection would restore it, half made
                    with contextlib.suppress(Exception):
                        await ch.close()
                if self._closing or time.monotonic() >= deadline:
                    raise
                log.warning("lost the broker while subscribing to %s (%r); trying again",
                            spec.name, exc)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                        await self._conn.connected.wait()
                await asyncio.sleep(0.2)

    async def _consume(self, spec: QueueSpec, route: _Route, *, prefetch: int, concurrency: int,
                       exclusive: bool) -> Subscription:
        inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        ch, queue, tag = await self._subscribe(spec, max(prefetch, concurrency), exclusive,
                                               inbox.put)
        busy: set[asyncio.Task[Any]] = set()
        closing = asyncio.Event()
        # An in-order consumer acks handled messages together (ack multiple) while more are
        # waiting, and at once when it catches up: half the broker's CPU per delivery and ~40%
        # of ours (bench/bus.py), no added latency. A lost channel may then redeliver up to
        # ACK_BATCH handled messages instead of one: at least once either way.
        unacked: list[AbstractIncomingMessage] = []

        async def settle() -> None:
            if unacked:
                await unacked[-1].ack(multiple=True)
                unacked.clear()

        async def work() -> None:
            while not closing.is_set():  # a worker busy at cancel ends after its message
                m = await inbox.get()
                task = asyncio.current_task()
                assert task is not None
                busy.add(task)
                try:
                    await self._dispatch(route, _delivery(m, queue.name, self.user))
                    if concurrency > 1:
                        await m.ack()
                    else:
                        unacked.append(m)
                        if inbox.empty() or len(unacked) >= ACK_BATCH:
                            await settle()
                except _TRANSIENT:
                    unacked.clear()  # their delivery tags died with the channel
                    log.warning("lost the channel while handling a message on %s; the broker "
                                "will redeliver it", queue.name)
                except Exception:
                    # e.g. the error queue is full and refused a dead letter: the message stays
                    # in its queue, and comes back after a pause rather than in a hot loop
                    log.exception("could not settle a message on %s; returning it", queue.name)
                    try:
                        if m in unacked:
                            unacked.remove(m)
                        await settle()
                        if not closing.is_set():
                            await asyncio.sleep(UNSETTLED_PAUSE_S)
                        await m.nack(requeue=True)
                    except _TRANSIENT:
                        pass
                finally:
                    busy.discard(task)

        def take_arrived(msgs: list[AbstractIncomingMessage]) -> None:
            while len(msgs) < route.batch and not inbox.empty():
                msgs.append(inbox.get_nowait())

        async def work_batches() -> None:
            while not closing.is_set():
                msgs = [await inbox.get()]
                task = asyncio.current_task()
                assert task is not None
                busy.add(task)
                try:
                    take_arrived(msgs)
                    if 1 < len(msgs) < route.batch:  # more are coming: let the batch fill
                        await asyncio.sleep(BATCH_LINGER_S)
                        take_arrived(msgs)
                    await self._dispatch_batch(
                        route, [_delivery(m, queue.name, self.user) for m in msgs], closing.is_set)
                    await msgs[-1].ack(multiple=True)
                except _TRANSIENT:
                    log.warning("lost the channel while handling %d messages on %s; the broker "
                                "will redeliver them", len(msgs), queue.name)
                except Exception:
                    if closing.is_set():  # stopping during an outage: they go back on close
                        return
                    log.exception("could not settle %d messages on %s; returning them",
                                  len(msgs), queue.name)
                    try:
                        await asyncio.sleep(UNSETTLED_PAUSE_S)
                        await msgs[-1].nack(multiple=True, requeue=True)
                    except _TRANSIENT:
                        pass
                finally:
                    busy.discard(task)

        workers = [asyncio.create_task(work_batches() if route.batch else work())
                   for _ in range(concurrency)]

        async def cancel() -> None:
            closing.set()
            try:
                await queue.cancel(tag)
            except _TRANSIENT:
                pass
            for t in workers:
                if t not in busy:
                    t.cancel()
            await wait_closed([t for t in workers if t in busy], timeout=10)
            try:
                await settle()
            except _TRANSIENT:
                pass  # the channel is gone: the broker redelivers them
            # Whatever was prefetched but not handled goes back when the channel closes.
            if not ch.is_closed:
                await ch.close()
            if sub in self._subs:
                self._subs.remove(sub)

        sub = Subscription(queue.name, cancel)
        self._subs.append(sub)
        return sub

    # -- request/reply ------------------------------------------------------------------------
    async def _rpc_channel(self) -> aio_pika.abc.AbstractChannel:
        """A channel consuming RabbitMQ's direct reply-to: no reply queue to declare or leak."""
        async with self._rpc_lock:
            if self._rpc is None:
                assert self._conn is not None, "bus not started"
                ch = await self._conn.channel(publisher_confirms=True, on_return_raises=True)
                replies = await ch.get_queue(_DIRECT_REPLY, ensure=True)
                await replies.consume(self._on_reply, no_ack=True)
                self._rpc = ch
            return self._rpc

    async def _on_reply(self, m: AbstractIncomingMessage) -> None:
        fut = self._replies.get(m.correlation_id or "")
        if fut is not None and not fut.done():
            fut.set_result(_delivery(m, _DIRECT_REPLY, self.user))

    async def _request_raw(self, queue: str, body: bytes, headers: dict[str, Any],
                           timeout: float, exchange: str = "") -> Delivery:
        ch = await self._rpc_channel()
        correlation_id = new_id()
        fut: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        self._replies[correlation_id] = fut
        try:
            await self._publish_raw(exchange, queue, body, headers, mandatory=True,
                                    persistent=False,
                                    priority=None, message_id=new_id(),
                                    correlation_id=correlation_id, reply_to=_DIRECT_REPLY,
                                    expiration_s=timeout, channel=ch)
            try:
                return await asyncio.wait_for(fut, timeout)
            except TimeoutError:
                raise RequestTimeout(f"no reply from {queue!r} within {timeout:g} s") from None
        finally:
            self._replies.pop(correlation_id, None)

    # -- observation --------------------------------------------------------------------------
    def dead_letters(self) -> DeadLetters:
        return _HeldDeadLetters(self)

    async def queue_depths(self, names: Sequence[str] | None = None) -> dict[str, QueueDepth]:
        wanted = list(names) if names is not None else [q.name for q in self.topology.queues]
        try:
            stats = await self.management.queues()
            return {n: QueueDepth(s.ready, s.unacked, s.consumers)
                    for n in wanted if (s := stats.get(n)) is not None}
        except (aiohttp.ClientError, TimeoutError, OSError):
            pass  # no HTTP API here: ready and consumers only, from passive declares
        assert self._conn is not None, "bus not started"
        await self._conn.ready()
        assert self._conn.transport is not None
        # A plain aiormq channel, not a robust one: the broker closes the channel on a queue that
        # does not exist, and aio-pika would reopen a robust channel by itself and keep it open
        # (one leaked channel per missing queue per poll).
        amqp = self._conn.transport.connection
        out: dict[str, QueueDepth] = {}
        ch: aiormq.abc.AbstractChannel | None = None
        try:
            for n in wanted:
                if ch is None or ch.is_closed:
                    ch = await amqp.channel(publisher_confirms=False)
                try:
                    res = await ch.queue_declare(n, passive=True)
                except aiormq.exceptions.ChannelNotFoundEntity:
                    continue
                out[n] = QueueDepth(res.message_count or 0, None, res.consumer_count or 0)
        finally:
            if ch is not None and not ch.is_closed:
                await ch.close()
        return out


class _HeldDeadLetters(DeadLetters):
    """Messages fetched with ``basic.get`` without auto-ack on a channel of this review's own,
    held unacknowledged until decided; closing the channel hands back everything undecided."""

    def __init__(self, bus: RabbitBus):
        super().__init__(bus)
        self._rabbit = bus
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._messages: dict[str, AbstractIncomingMessage] = {}

    async def _take(self, limit: int) -> None:
        conn = self._rabbit._conn
        assert conn is not None, "bus not started"
        self._channel = await conn.channel(publisher_confirms=False)
        try:
            queue = await self._channel.get_queue(self.bus.topology.error_queue, ensure=True)
            first = await queue.get(no_ack=False, fail=False)
        except aiormq.exceptions.ChannelAccessRefused as exc:
            self._channel = None  # closed by the broker
            raise NotAllowed(f"not allowed for this account: read the error queue ({exc})") from exc
        for n in range(limit):
            message = first if n == 0 else await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            key = str(message.delivery_tag)
            self._messages[key] = message
            self.letters[key] = DeadLetter(key, message.body, dict(message.headers or {}))

    async def _settle(self, key: str) -> None:
        await self._messages.pop(key).ack()
        self.letters.pop(key, None)

    async def close(self) -> None:
        self._messages.clear()
        self.letters.clear()
        if self._channel is not None:
            channel, self._channel = self._channel, None
            try:
                await channel.close()  # unacked messages return to the queue, in order
            except Exception as exc:
                log.debug("closing the dead-letter channel: %s", exc)
