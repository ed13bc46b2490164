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
        return (f"{self.kind} {self.name!r}: argument {self.argument!r} differs — "
                f"this build declares {self.expected}, the broker has {self.actual}")


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
            queue = await ch.declare_queue(spec.name, durable=spec.durable,
                                           arguments=topology.declared_arguments(spec))
        except ChannelPreconditionFailed as exc:
            return _parse(exc, "queue", spec.name)
        if create:
            for b in spec.bindings:
                await queue.bind(b.exchange, b.routing_key)
        return None
    finally:
        if not ch.is_closed:
            await ch.close()


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


async def reconcile(url: str, topology: Topology, *, create: bool,
                    extra_queues: Iterable[QueueSpec] = (), name: str = "camcount-topology"
                    ) -> list[Mismatch]:
    """Declare (``create=True``) or only check the topology; returns what differs."""
    conn = await aio_pika.connect(url, client_properties={"connection_name": name})
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
    conn = await aio_pika.connect(url, client_properties={"connection_name": name})
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
