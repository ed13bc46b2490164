"""Buses for tests that run once per transport, and what they share."""

from __future__ import annotations

import asyncio

from tests.helpers.services import BROKER_URL
from workers.bus import Bus, Delivery, InProcessBus
from workers.topology import Topology


async def start_bus(kind: str, namespace: str, source: str,
                    topology: Topology | None = None) -> Bus:
    """A started bus of either transport ("inprocess" or "rabbit") in a test's namespace."""
    topology = topology or Topology(namespace)
    if kind == "inprocess":
        bus: Bus = InProcessBus(topology, source=source)
    else:
        from workers.bus.rabbit import RabbitBus

        bus = RabbitBus(BROKER_URL, topology, source=source)
    await bus.start()
    return bus


async def error_inbox(bus: Bus) -> asyncio.Queue[Delivery]:
    """What lands in dead.letter.error from now on."""
    inbox: asyncio.Queue[Delivery] = asyncio.Queue()

    async def on_error(d: Delivery, _: Delivery) -> None:
        inbox.put_nowait(d)

    await bus.consume(bus.topology.error_queue, on_error, retry=None)
    return inbox


#: cameras the contract tests use: their frame queues are declared outside the topology table
CAMERAS = ("cam-a", "cam-b")


async def close_bus(bus: Bus) -> None:
    """Close; on RabbitMQ delete the test's namespace too (the queues declared outside the
    topology table as well: the contract's frame shards, the analytics control queue)."""
    await bus.close()
    if isinstance(bus, InProcessBus):
        return
    from tests.rabbit_util import purge_namespace
    from workers.analytics.worker import control_queue

    t = bus.topology
    await purge_namespace(BROKER_URL, t, [*(t.frame_queue(c).name for c in CAMERAS),
                                          control_queue(t).name])
