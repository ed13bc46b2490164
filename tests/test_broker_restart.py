"""A broker restart is survived: nothing the broker confirmed is lost, health says what happened."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.bus import Delivery, PublishError
from workers.bus.rabbit import RabbitBus
from workers.contracts import SystemEvent
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]


def restart_broker() -> None:
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=60)
    subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None or "127.0.0.1" not in BROKER_URL,
                    reason="needs a local RabbitMQ this test may restart (rabbitmqctl)")
async def test_restart_loses_nothing_confirmed(namespace: str) -> None:
    topology = Topology(namespace)
    bus = RabbitBus(BROKER_URL, topology, source="restart-test", publish_timeout=60)
    states: list[str] = []
    bus.on_state(states.append)
    await bus.start()
    received: set[str] = set()
    confirmed: set[str] = set()
    failed: list[str] = []

    async def handle(msg: SystemEvent, d: Delivery) -> None:
        received.add(msg.message_id)

    try:
        await bus.consume(topology.email_queue, handle, model=SystemEvent, prefetch=10)

        async def produce() -> None:
            for i in range(300):
                msg = SystemEvent(event_type="health", source="p", data={"i": i})
                try:
                    await bus.publish("", topology.email_queue, msg)
                    confirmed.add(msg.message_id)
                except PublishError as exc:
                    failed.append(str(exc))  # the caller knows; this one is not "acknowledged"
                await asyncio.sleep(0.02)

        producer = asyncio.create_task(produce())
        await asyncio.sleep(1.5)
        await asyncio.to_thread(restart_broker)
        await asyncio.wait_for(producer, 120)
        for _ in range(300):
            if confirmed <= received:
                break
            await asyncio.sleep(0.1)
        assert confirmed - received == set(), f"{len(confirmed - received)} confirmed messages lost"
        assert len(confirmed) >= 250, f"too few confirmed: {len(confirmed)}, errors: {failed[:3]}"
        assert "reconnecting" in states and states[-1] == "connected", states
    finally:
        await bus.close()
        await purge_namespace(BROKER_URL, topology)
    assert states[-1] == "down"
