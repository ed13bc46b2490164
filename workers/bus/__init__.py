"""The ``Bus`` workers are written against, and the two transports behind it."""

from __future__ import annotations

from workers.bus.base import Bus, Delivery, QueueDepth, RetryPolicy, Subscription
from workers.bus.config import LOCAL, resolve
from workers.bus.dead_letters import DeadLetter, DeadLetters
from workers.bus.errors import (
    BrokerConfigError,
    BusError,
    NotAllowed,
    PermanentError,
    PublishError,
    RemoteError,
    RequestTimeout,
    Unavailable,
    Unroutable,
)
from workers.bus.memory import InProcessBus
from workers.bus.trace import TRACE_HEADER, current_trace_id
from workers.topology import Topology


def create_bus(url: str | None, *, source: str, topology: Topology | None = None) -> Bus:
    """The in-process bus for ``local`` (the default), RabbitMQ for an amqp(s):// URL."""
    resolved = resolve(url)
    if resolved == LOCAL:
        return InProcessBus(topology, source=source)
    from workers.bus.rabbit import RabbitBus

    return RabbitBus(resolved, topology, source=source)


__all__ = [
    "TRACE_HEADER", "BrokerConfigError", "Bus", "BusError", "DeadLetter", "DeadLetters", "Delivery",
    "InProcessBus",
    "NotAllowed", "PermanentError", "PublishError", "QueueDepth", "RemoteError", "RequestTimeout",
    "RetryPolicy", "Subscription", "Topology", "Unavailable", "Unroutable", "create_bus", "current_trace_id",
]
