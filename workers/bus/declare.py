"""Declare the topology on RabbitMQ, or check it against what the broker has.

Runs on its own short-lived, non-robust connection with one channel per entity: RabbitMQ answers
a conflicting declaration by closing the channel (406 PRECONDITION_FAILED), and a robust channel
would reopen and retry it forever. Here a conflict becomes a ``Mismatch`` naming the queue or
exchange and the argument, and the caller exits non-zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import aio_pika
from aiormq.exceptions import (
    ChannelAccessRefused,
    ChannelNotFoundEntity,
    ChannelPreconditionFailed,
)

from workers.bus.config import node_urls, redact
from workers.bus.errors import BusError, NotAllowed
from workers.topology import ExchangeSpec, QueueSpec, Topology

_INEQUIVALENT = re.compile(
    r"inequivalent arg '(?P<arg>[^']+)' for (?P<kind>queue|exchange) '(?P<name>[^']+)'"
    r".*?: received (?P<expected>.*?) but current is (?P<actual>.*)$"
)


@dataclass(frozen=True)
class Mismatch:
    kind: Literal["queue", "exchange"]
    name: str
    argument: str  # "(missing)" when the entity does not exist
    expected: str
    actual: str

    def __str__(self) -> str:
        if self.argument == "(missing)":
            return f"{self.kind} {self.name!r} does not exist"
        if self.argument == "x-queue-type":
            # RabbitMQ says "none" for a classic queue declared without a type
            want, have = (_queue_type(v) for v in (self.expected, self.actual))
            return (f"queue {self.name!r} is a {have} queue where this build expects a {want} "
                    f"queue (--quorum on a cluster, none on a single broker)")
        if self.argument == "durable":
            return (f"queue {self.name!r} is {_durable(self.actual)} where this build declares it "
                    f"{_durable(self.expected)} (live queues are not durable with --quorum)")
        return (f"{self.kind} {self.name!r}: argument {self.argument!r} differs — "
                f"this build declares {self.expected}, the broker has {self.actual}")


def _queue_type(said: str) -> str:
    return "quorum" if "quorum" in said else "stream" if "stream" in said else "classic"


def _durable(said: str) -> str:
    return "durable" if "true" in said.lower() else "not durable"


class TopologyMismatch(BusError):
    def __init__(self, mismatches: list[Mismatch]):
        self.mismatches = mismatches
        lines = "\n  ".join(str(m) for m in mismatches)
        super().__init__(
            f"the broker's topology differs from this build's:\n  {lines}\n"
            "Delete or migrate the listed entities (see docs/topology.md), then start again.")


def _parse(exc: ChannelPreconditionFailed, kind: Literal["queue", "exchange"], name: str) -> Mismatch:
    text = " ".join(str(a) for a in exc.args)
    m = _INEQUIVALENT.search(text)
    if m:
        return Mismatch(kind, name, m["arg"], m["expected"].strip(), m["actual"].strip())
    return Mismatch(kind, name, "(unknown)", "", text)


async def _exchange(conn: aio_pika.abc.AbstractConnection, spec: ExchangeSpec, *,
                    create: bool) -> Mismatch | None:
    ch = await conn.channel(publisher_confirms=False)
    try:
        try:
            await ch.declare_exchange(spec.name, passive=True)
        except ChannelNotFoundEntity:
            if not create:
                return Mismatch("exchange", spec.name, "(missing)", "", "")
            ch = await conn.channel(publisher_confirms=False)
        try:
            await ch.declare_exchange(spec.name, spec.type, durable=spec.durable)
        except ChannelPreconditionFailed as exc:
            return _parse(exc, "exchange", spec.name)
        return None
    finally:
        if not ch.is_closed:
            await ch.close()


async def _queue(conn: aio_pika.abc.AbstractConnection, topology: Topology, spec: QueueSpec, *,
                 create: bool) -> Mismatch | None:
    ch = await conn.channel(publisher_confirms=False)
    try:
        try:
            await ch.declare_queue(spec.name, passive=True)
        except ChannelNotFoundEntity:
            if not create:
                return Mismatch("queue", spec.name, "(missing)", "", "")
            ch = await conn.channel(publisher_confirms=False)
        try:
            as_declared = topology.declaration(spec)
            queue = await ch.declare_queue(spec.name, durable=as_declared.durable,
                                           arguments=as_declared.arguments)
        except ChannelPreconditionFailed as exc:
            return await _queue_type_differs(conn, topology, spec) or _parse(exc, "queue", spec.name)
        if create:
            for b in spec.bindings:
                await queue.bind(b.exchange, b.routing_key)
        return None
    finally:
        if not ch.is_closed:
            await ch.close()


async def _queue_type_differs(conn: aio_pika.abc.AbstractConnection, topology: Topology,
                              spec: QueueSpec) -> Mismatch | None:
    """The queue is of the other type (classic where quorum is expected, or the reverse) if the
    other type's declaration is accepted as it is. RabbitMQ names only the first argument that
    differs, rarely ``x-queue-type`` itself."""
    other = "classic" if topology.queue_type == "quorum" else "quorum"
    as_other = topology.declaration(spec, other)
    ch = await conn.channel(publisher_confirms=False)
    try:
        await ch.declare_queue(spec.name, durable=as_other.durable, arguments=as_other.arguments)
    except ChannelPreconditionFailed:
        return None
    finally:
        if not ch.is_closed:
            await ch.close()
    want, have = topology.queue_type_of(spec), topology.queue_type_of(spec, other)
    if want == have:  # a live queue: same type, durable on one broker and not on a cluster
        return Mismatch("queue", spec.name, "durable", str(topology.declaration(spec).durable),
                        str(as_other.durable))
    return Mismatch("queue", spec.name, "x-queue-type", want, have)


async def _retire(conn: aio_pika.abc.AbstractConnection, topology: Topology) -> None:
    """Remove the bindings of earlier versions, so their queues stop filling. The queues stay:
    what they hold is an admin's to look at (docs/topology.md)."""
    for queue, binding in topology.retired_bindings:
        ch = await conn.channel(publisher_confirms=False)
        try:
            q = await ch.declare_queue(queue, passive=True)
            await q.unbind(binding.exchange, binding.routing_key)
        except ChannelNotFoundEntity:
            pass  # never existed here
        finally:
            if not ch.is_closed:
                await ch.close()


#: exceptions of a connection attempt to a node that is down or unreachable
CONNECT_ERRORS = (aio_pika.exceptions.AMQPConnectionError, ConnectionError, OSError, TimeoutError)


async def connect_first(url: str, name: str) -> aio_pika.abc.AbstractConnection:
    """A plain connection to the first node of ``url`` that answers, trying each in turn."""
    error: BaseException | None = None
    for node in node_urls(url):
        try:
            return await aio_pika.connect(node, client_properties={"connection_name": name},
                                          timeout=10)
        except CONNECT_ERRORS as exc:
            error = exc
    raise ConnectionError(f"no broker node of {redact(url)} answers: {error!r}") from error


async def reconcile(url: str, topology: Topology, *, create: bool,
                    extra_queues: Iterable[QueueSpec] = (), name: str = "camcount-topology"
                    ) -> list[Mismatch]:
    """Declare (``create=True``) or only check the topology; returns what differs."""
    conn = await connect_first(url, name)
    try:
        found: list[Mismatch] = []
        for ex in topology.exchanges:
            if (m := await _exchange(conn, ex, create=create)) is not None:
                found.append(m)
        if create and found:
            return found  # queues bind to these exchanges; report before going further
        for spec in (*topology.queues, *extra_queues):
            if (m := await _queue(conn, topology, spec, create=create)) is not None:
                found.append(m)
        if create:
            await _retire(conn, topology)
        return found
    except ChannelAccessRefused as exc:
        raise NotAllowed(f"this broker account may not declare the topology: {exc}") from exc
    finally:
        await conn.close()


async def missing(url: str, topology: Topology, *, name: str = "camcount-topology") -> list[Mismatch]:
    """Exchanges and queues of the topology the broker does not have. Passive declarations need
    no permissions, so an account that may not configure (an operator's) can still check."""
    conn = await connect_first(url, name)
    try:
        entities: list[tuple[Literal["queue", "exchange"], str]] = [
            *(("exchange", e.name) for e in topology.exchanges),
            *(("queue", q.name) for q in topology.queues)]
        found: list[Mismatch] = []
        for kind, entity in entities:
            ch = await conn.channel(publisher_confirms=False)
            try:
                if kind == "exchange":
                    await ch.declare_exchange(entity, passive=True)
                else:
                    await ch.declare_queue(entity, passive=True)
            except ChannelNotFoundEntity:
                found.append(Mismatch(kind, entity, "(missing)", "", ""))
            finally:
                if not ch.is_closed:
                    await ch.close()
        return found
    finally:
        await conn.close()


async def declare(url: str, topology: Topology, *, extra_queues: Iterable[QueueSpec] = (),
                  name: str = "camcount-topology") -> None:
    """Declare everything; raise TopologyMismatch naming each conflict."""
    found = await reconcile(url, topology, create=True, extra_queues=extra_queues, name=name)
    if found:
        raise TopologyMismatch(found)
