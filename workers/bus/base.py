"""The ``Bus`` interface workers are written against, and the delivery logic both buses share.

Transports only move bytes (``_publish_raw``, queues, acks). Validation on receipt, retries with
backoff, dead-lettering, request/reply framing and trace propagation live here once, so the
in-process bus and RabbitMQ behave the same and pass the same contract tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import traceback
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from workers.bus.dead_letters import DeadLetters
from workers.bus.errors import PermanentError, RemoteError, Unavailable
from workers.bus.trace import TRACE_HEADER, current_trace_id
from workers.contracts.base import Contract, ContractError, new_id
from workers.metrics import BUS_CONSUMED, BUS_DEAD_LETTERED, BUS_PUBLISHED, BUS_RETRIED, queue_label
from workers.topology import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    ORIGIN_EXCHANGE_HEADER,
    ORIGIN_KEY_HEADER,
    ORIGIN_QUEUE_HEADER,
    RETRY_DELAYS_MS,
    Binding,
    QueueSpec,
    Topology,
)

log = logging.getLogger(__name__)

BusState = Literal["connected", "reconnecting", "down"]
Handler = Callable[[Any, "Delivery"], Awaitable[Any]]
#: gets every valid message of a batch, in queue order, as (model or Delivery, Delivery)
BatchHandler = Callable[[list[tuple[Any, "Delivery"]]], Awaitable[None]]

#: a dead-lettered body larger than this keeps only its first bytes: the error queue holds
#: errors for an admin to read, not a second copy of an oversized payload
DEAD_LETTER_BODY_LIMIT = 64 << 10
TRUNCATED_HEADER = "x-camcount-truncated-from"
#: longest pause of a batch consumer whose handler keeps failing as a whole (a database down)
BATCH_BACKOFF_CAP_S = 30.0
#: how long a work queue's message whose handler is Unavailable waits before it is tried again
UNAVAILABLE_DEFER_S = 5.0

#: reply header carrying a server-side failure back to the requester
REPLY_ERROR_HEADER = "x-camcount-reply-error"
#: the first sender of a message a worker put back (retry, defer): the broker validates only the
#: republisher's ``user_id``, so a consumer trusts this header only from its own account
SENDER_HEADER = "x-camcount-sender"


@dataclass
class Delivery:
    """One received message, whichever transport brought it."""

    body: bytes
    headers: dict[str, Any]
    exchange: str
    routing_key: str
    queue: str
    message_id: str | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    priority: int | None = None
    redelivered: bool = False
    #: the broker account that sent it, as the broker validated it (RabbitMQ's ``user_id``; the
    #: local user on the in-process bus); None when the sender did not say. Who did something
    #: (saved a config, acknowledged an alert) is taken from here, never from the body.
    user_id: str | None = None

    @property
    def attempts(self) -> int:
        """Failed attempts so far (our own header; RabbitMQ owns ``x-death``)."""
        return int(self.headers.get(ATTEMPT_HEADER, 0))

    @property
    def trace_id(self) -> str | None:
        return self.headers.get(TRACE_HEADER)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    base_ms: int = 1_000
    cap_ms: int = 30_000
    #: up to this fraction is taken off each delay at random, so that many messages failing
    #: together (a receiver that went down) do not all come back at the same instant
    jitter: float = 0.0

    def delay_ms(self, attempt: int) -> int:
        """The delay level (and queue) of retry ``attempt``."""
        return Topology.retry_delay_ms(attempt, self.base_ms, self.cap_ms)

    def wait_ms(self, attempt: int) -> int:
        """The delay actually waited: the level, less the jitter. It stays within the level, so
        the per-message TTL never exceeds the delay queue's own."""
        return max(1, round(self.delay_ms(attempt) * (1 - random.uniform(0, self.jitter))))


@dataclass(frozen=True)
class QueueDepth:
    ready: int
    unacked: int | None  # None where the transport cannot tell (RabbitMQ without its HTTP API)
    consumers: int


@dataclass
class Subscription:
    queue: str
    cancel_cb: Callable[[], Awaitable[None]] = field(repr=False)

    async def cancel(self) -> None:
        await self.cancel_cb()


@dataclass(frozen=True)
class _Route:
    """How deliveries of one subscription are handled."""

    handler: Handler
    model: type[Contract] | None
    retry: RetryPolicy | None
    #: invalid or failed messages go to the error queue (durable work queues); ephemeral
    #: subscriptions only log, since the work queue that also got the message dead-letters it
    dead_letter: bool
    reply: bool = False
    #: handled as batches (``consume_batch``): up to this many messages per handler call
    batch: int = 0


def encode(message: Contract | BaseModel | dict[str, Any] | bytes) -> tuple[bytes, dict[str, Any]]:
    if isinstance(message, Contract):
        return message.to_wire()
    if isinstance(message, BaseModel):
        return message.model_dump_json().encode(), {}
    if isinstance(message, dict):
        return json.dumps(message, default=str).encode(), {}
    return bytes(message), {}


class Bus(ABC):
    """Publish, subscribe, request/reply and queue depths over one topology."""

    #: whether what the broker confirmed survives this process (facts buffered for it are
    #: worth keeping on disk too); the in-process bus keeps nothing
    durable: bool = True
    #: whether what is published leaves this process (through a broker, over the network): a
    #: camera worker under strict privacy publishes no picture as taken on such a bus
    leaves_process: bool = True

    def __init__(self, topology: Topology | None = None, *, source: str = "camcount"):
        self.topology = topology or Topology()
        self.source = source
        #: the account this bus publishes as (the ``user_id`` of its messages)
        self.user = ""
        self.state: BusState = "down"
        self._state_callbacks: list[Callable[[BusState], None]] = []

    # -- lifecycle ----------------------------------------------------------------------------
    @abstractmethod
    async def start(self) -> None:
        """Connect and declare the topology."""

    @abstractmethod
    async def close(self) -> None:
        """Stop consuming, let in-flight handlers finish, disconnect."""

    async def __aenter__(self) -> Bus:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def on_state(self, callback: Callable[[BusState], None]) -> None:
        """Call ``callback`` whenever the connection goes up, down or starts reconnecting."""
        self._state_callbacks.append(callback)

    def _set_state(self, state: BusState) -> None:
        if state != self.state:
            self.state = state
            for cb in list(self._state_callbacks):
                try:
                    cb(state)
                except Exception:
                    log.exception("bus state callback failed")

    # -- transport primitives -----------------------------------------------------------------
    @abstractmethod
    async def _publish_raw(self, exchange: str, routing_key: str, body: bytes,
                           headers: dict[str, Any], *, mandatory: bool, persistent: bool,
                           priority: int | None, message_id: str | None,
                           correlation_id: str | None, reply_to: str | None,
                           expiration_s: float | None) -> None: ...

    @abstractmethod
    async def _consume(self, spec: QueueSpec, route: _Route, *, prefetch: int, concurrency: int,
                       exclusive: bool) -> Subscription:
        """Deliver the queue's messages to ``_dispatch`` (or, when ``route.batch``, in lists of
        whatever has arrived, up to ``route.batch``, to ``_dispatch_batch``) and acknowledge
        each once that returns."""

    @abstractmethod
    async def _request_raw(self, queue: str, body: bytes, headers: dict[str, Any],
                           timeout: float, exchange: str = "") -> Delivery: ...

    @abstractmethod
    async def declare_queue(self, spec: QueueSpec) -> None:
        """Declare a queue outside the static table (per-camera frame shards)."""

    @abstractmethod
    async def queue_depths(self, names: Sequence[str] | None = None) -> dict[str, QueueDepth]:
        """Ready, unacked and consumers per queue (all topology queues by default)."""

    @abstractmethod
    def dead_letters(self) -> DeadLetters:
        """A review of the error queue: browse, requeue, discard (``workers.bus.dead_letters``)."""

    # -- public API ---------------------------------------------------------------------------
    async def publish(self, exchange: str, routing_key: str,
                      message: Contract | BaseModel | dict[str, Any] | bytes, *,
                      headers: dict[str, Any] | None = None, mandatory: bool = True,
                      persistent: bool = True, priority: int | None = None,
                      trace_id: str | None = None, expiration_s: float | None = None) -> None:
        """Publish and wait for the broker to confirm; raises PublishError/Unroutable if not.

        ``mandatory`` (default) turns "no queue would get this" into an error instead of a loss.
        """
        body, wire_headers = encode(message)
        if isinstance(message, Contract):
            message.check_size(body)  # refused here with the reason, not by every consumer
        all_headers = {**wire_headers, **(headers or {})}
        trace = trace_id or current_trace_id.get()
        if trace:
            all_headers[TRACE_HEADER] = trace
        message_id = getattr(message, "message_id", None)
        if priority is None and isinstance(message, Contract):
            priority = message.metadata.priority
        await self._publish_raw(exchange, routing_key, body, all_headers, mandatory=mandatory,
                                persistent=persistent, priority=priority, message_id=message_id,
                                correlation_id=None, reply_to=None, expiration_s=expiration_s)
        BUS_PUBLISHED.labels(exchange or "(default)").inc()

    async def consume(self, queue: str | QueueSpec, handler: Handler, *,
                      model: type[Contract] | None = None,
                      retry: RetryPolicy | None = RetryPolicy(), prefetch: int = 20,
                      concurrency: int = 1) -> Subscription:
        """Work from a durable queue of the topology. ``concurrency=1`` keeps order.

        The handler gets the validated model (or the Delivery when ``model`` is None) and the
        Delivery. Raising retries with backoff per ``retry``; PermanentError dead-letters now.
        """
        spec = queue if isinstance(queue, QueueSpec) else self.topology.queue(queue)
        route = _Route(handler, model, retry, dead_letter=True)
        return await self._consume(spec, route, prefetch=prefetch, concurrency=concurrency,
                                   exclusive=False)

    async def consume_batch(self, queue: str | QueueSpec, handler: BatchHandler, *,
                            model: type[Contract] | None = None, max_batch: int = 500,
                            retry: RetryPolicy | None = RetryPolicy()) -> Subscription:
        """Work from a durable queue in batches, in order: the handler gets every valid message
        that has arrived, up to ``max_batch``, and they are acknowledged together once it
        returns. Invalid messages go to the error queue on their own. A handler that raises
        ``Unavailable`` (its database is down) has the batch held and tried again with backoff:
        nothing moves to the error queue for an outage. When a batch fails otherwise, its
        messages are tried one by one, so only those at fault are retried or dead-lettered.
        """
        spec = queue if isinstance(queue, QueueSpec) else self.topology.queue(queue)
        route = _Route(handler, model, retry, dead_letter=True, batch=max_batch)
        return await self._consume(spec, route, prefetch=2 * max_batch, concurrency=1,
                                   exclusive=False)

    async def subscribe(self, exchange: str, keys: Sequence[str], handler: Handler, *,
                        model: type[Contract] | None = None, max_length: int = 100,
                        prefetch: int = 20) -> Subscription:
        """Follow messages on ``exchange`` matching ``keys`` (patterns on topic exchanges) with a
        private, short queue that disappears with the subscriber; the newest messages win."""
        spec = QueueSpec(
            name="",
            arguments={"x-max-length": max_length, "x-overflow": "drop-head"},
            bindings=tuple(Binding(exchange, k) for k in (keys or [""])),
            durable=False,
        )
        route = _Route(handler, model, retry=None, dead_letter=False)
        return await self._consume(spec, route, prefetch=prefetch, concurrency=1, exclusive=True)

    async def serve(self, queue: str, handler: Handler, *, model: type[Contract] | None = None,
                    concurrency: int = 4) -> Subscription:
        """Answer requests on an RPC queue; the handler's return value is the reply.

        A request that is invalid or fails is answered with the reason (RemoteError at the
        requester) rather than dead-lettered: the one who asked is the one who must know.
        """
        route = _Route(handler, model, retry=None, dead_letter=False, reply=True)
        return await self._consume(self.topology.queue(queue), route, prefetch=concurrency * 2,
                                   concurrency=concurrency, exclusive=False)

    async def request(self, queue: str, message: Contract | BaseModel | dict[str, Any], *,
                      reply_model: type[BaseModel] | None = None, timeout: float = 5.0,
                      exchange: str = "") -> Any:
        """Send a request and wait for its reply (RequestTimeout, RemoteError on failure).
        ``exchange``: one bound to ``queue`` by its name (a read-only way in, such as
        ``topology.queries``), else the default exchange."""
        body, headers = encode(message)
        trace = current_trace_id.get()
        if trace:
            headers[TRACE_HEADER] = trace
        reply = await self._request_raw(queue, body, headers, timeout, exchange)
        if REPLY_ERROR_HEADER in reply.headers:
            raise RemoteError(str(reply.headers[REPLY_ERROR_HEADER]))
        if reply_model is None:
            return json.loads(reply.body) if reply.body else None
        return reply_model.model_validate_json(reply.body)

    async def dead_letter(self, delivery: Delivery, reason: str, *, attempts: int) -> None:
        """Put a message in the error queue with its origin, attempt count and reason."""
        headers = _with_origin(delivery)
        headers[ATTEMPT_HEADER] = attempts
        headers[ERROR_HEADER] = reason[:2000]
        headers[FAILED_AT_HEADER] = datetime.now(UTC).isoformat()
        body = delivery.body
        if len(body) > DEAD_LETTER_BODY_LIMIT:
            headers[TRUNCATED_HEADER] = len(body)
            body = body[:DEAD_LETTER_BODY_LIMIT]
        await self._publish_raw(self.topology.dead_letter, self.topology.error_routing_key,
                                body, headers, mandatory=True, persistent=True,
                                priority=None, message_id=delivery.message_id,
                                correlation_id=None, reply_to=None, expiration_s=None)
        BUS_DEAD_LETTERED.labels(delivery.queue).inc()

    async def defer(self, delivery: Delivery, delay_s: float) -> None:
        """Hand a message back to its queue after ``delay_s`` without counting an attempt: it is
        held back (a rate limit, a paused target, a send scheduled for later), not failed.

        It waits in the retry delay queue of the smallest level that covers the delay (with a
        per-message TTL for the rest); a longer delay takes several rounds of the longest level.
        The handler acknowledges the original once this returns.
        """
        want = max(1, round(delay_s * 1000))
        level = min((ms for ms in RETRY_DELAYS_MS if ms >= want), default=RETRY_DELAYS_MS[-1])
        wait = min(want, level)
        await self._publish_raw(self.topology.delay_exchange(level), delivery.queue, delivery.body,
                                _with_origin(delivery), mandatory=True, persistent=True,
                                priority=delivery.priority, message_id=delivery.message_id,
                                correlation_id=None, reply_to=None,
                                expiration_s=None if wait == level else wait / 1000)

    # -- delivery handling shared by both transports ------------------------------------------
    async def _dispatch(self, route: _Route, d: Delivery) -> None:
        """Validate, run the handler, and retry or dead-letter on failure.

        Returns once the outcome is safely with the broker; the transport then acks. If this
        raises (e.g. the broker went away while re-publishing), the transport must not ack.
        """
        BUS_CONSUMED.labels(queue_label(d.queue, route.dead_letter or route.reply)).inc()
        token = current_trace_id.set(d.trace_id)
        try:
            try:
                payload = route.model.from_wire(d.body, d.headers) if route.model else d
            except ContractError as exc:
                await self._refuse(route, d, f"invalid message: {exc.reason}", d.attempts)
                return
            try:
                result = await route.handler(payload, d)
            except PermanentError as exc:
                await self._refuse(route, d, f"{type(exc).__name__}: {exc}", d.attempts + 1)
            except Unavailable as exc:
                if route.dead_letter:  # a work queue: the message is not at fault, only late
                    log.warning("holding %s on %s for %.0f s: %s", d.message_id, d.queue,
                                UNAVAILABLE_DEFER_S, exc)
                    await self.defer(d, UNAVAILABLE_DEFER_S)
                else:
                    await self._failed(route, d, exc)
            except Exception as exc:
                await self._failed(route, d, exc)
            else:
                if route.reply and d.reply_to:
                    await self._reply(d, result)
        finally:
            current_trace_id.reset(token)

    async def _dispatch_batch(self, route: _Route, deliveries: list[Delivery],
                              stopping: Callable[[], bool]) -> None:
        """Validate each, hand the valid ones to the batch handler, settle failures (see
        ``consume_batch``). Returns once every message's outcome is safely with the broker;
        raises (the transport must not ack) if ``stopping()`` turns true during an outage.
        """
        pending: list[tuple[Any, Delivery]] = []
        BUS_CONSUMED.labels(queue_label(deliveries[0].queue, True)).inc(len(deliveries))
        for d in deliveries:
            try:
                pending.append((route.model.from_wire(d.body, d.headers) if route.model else d, d))
            except ContractError as exc:
                await self._refuse(route, d, f"invalid message: {exc.reason}", d.attempts)
        pause = 1.0
        while pending:
            try:
                await route.handler(pending)
                return
            except Unavailable as exc:
                pause = await self._hold(pending, exc, pause, stopping)
                continue
            except Exception as exc:
                if len(pending) == 1:
                    await self._settle_failure(route, pending[0][1], exc)
                    return
            # Some message of the batch is at fault: one by one, so only it is retried.
            for i, item in enumerate(pending):
                try:
                    await route.handler([item])
                except Unavailable as exc:
                    pending = pending[i:]
                    pause = await self._hold(pending, exc, pause, stopping)
                    break
                except Exception as exc:
                    await self._settle_failure(route, item[1], exc)
            else:
                return

    async def _hold(self, pending: list[tuple[Any, Delivery]], exc: Exception, pause: float,
                    stopping: Callable[[], bool]) -> float:
        if stopping():
            raise exc
        log.warning("holding %d messages on %s for %.0f s: %s", len(pending), pending[0][1].queue,
                    pause, exc)
        await asyncio.sleep(pause)
        return min(pause * 2, BATCH_BACKOFF_CAP_S)

    async def _settle_failure(self, route: _Route, d: Delivery, exc: Exception) -> None:
        if isinstance(exc, PermanentError):
            await self._refuse(route, d, f"{type(exc).__name__}: {exc}", d.attempts + 1)
        else:
            await self._failed(route, d, exc)

    async def _failed(self, route: _Route, d: Delivery, exc: Exception) -> None:
        attempt = d.attempts + 1
        reason = f"{type(exc).__name__}: {exc}"
        if route.retry is not None and attempt <= route.retry.max_retries:
            level, wait = route.retry.delay_ms(attempt), route.retry.wait_ms(attempt)
            log.warning("handler failed on %s (attempt %d), retrying in %.1f s: %s",
                        d.queue, attempt, wait / 1000, reason)
            headers = _with_origin(d)
            headers[ATTEMPT_HEADER] = attempt
            headers[ERROR_HEADER] = reason[:2000]
            await self._publish_raw(self.topology.delay_exchange(level), d.queue, d.body, headers,
                                    mandatory=True, persistent=True, priority=d.priority,
                                    message_id=d.message_id, correlation_id=None, reply_to=None,
                                    expiration_s=None if wait == level else wait / 1000)
            BUS_RETRIED.labels(d.queue).inc()
            return
        log.error("handler failed on %s after %d attempts: %s\n%s", d.queue, attempt, reason,
                  "".join(traceback.format_exception(exc)).rstrip())
        await self._refuse(route, d, reason, attempt)

    async def _refuse(self, route: _Route, d: Delivery, reason: str, attempts: int) -> None:
        if route.reply and d.reply_to:
            await self._reply_error(d, reason)
        if route.dead_letter:
            log.warning("dead-lettering message %s from %s: %s", d.message_id, d.queue, reason)
            await self.dead_letter(d, reason, attempts=attempts)
        else:
            log.warning("dropping message %s on %s: %s", d.message_id, d.routing_key, reason)

    async def _reply(self, d: Delivery, result: Any) -> None:
        body, headers = encode(result) if result is not None else (b"", {})
        await self._publish_raw("", d.reply_to or "", body, headers, mandatory=False,
                                persistent=False, priority=None, message_id=new_id(),
                                correlation_id=d.correlation_id, reply_to=None, expiration_s=None)

    async def _reply_error(self, d: Delivery, reason: str) -> None:
        await self._publish_raw("", d.reply_to or "", b"", {REPLY_ERROR_HEADER: reason},
                                mandatory=False, persistent=False, priority=None,
                                message_id=new_id(), correlation_id=d.correlation_id,
                                reply_to=None, expiration_s=None)


def _with_origin(d: Delivery) -> dict[str, Any]:
    """Headers with the message's first route recorded, so it can be requeued there later."""
    headers = dict(d.headers)
    headers.setdefault(ORIGIN_EXCHANGE_HEADER, d.exchange)
    headers.setdefault(ORIGIN_KEY_HEADER, d.routing_key)
    headers.setdefault(ORIGIN_QUEUE_HEADER, d.queue)
    headers.pop(SENDER_HEADER, None)
    if d.user_id:
        headers[SENDER_HEADER] = d.user_id
    return headers


def sender(user_id: str | None, headers: dict[str, Any], own_user: str) -> str | None:
    """Who sent a message: its validated ``user_id``, or the first sender when this account put
    it back for a retry (nobody else's word for it counts)."""
    if user_id and user_id == own_user and headers.get(SENDER_HEADER):
        return str(headers[SENDER_HEADER])
    return user_id


async def wait_closed(tasks: Sequence[asyncio.Task[Any]], timeout: float) -> None:
    """Let in-flight handlers finish, then cancel what is left."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
