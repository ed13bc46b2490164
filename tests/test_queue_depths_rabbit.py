"""Queue depths without the broker's HTTP API (it is a plugin, often off): the console polls
them every few seconds for hours, so a poll must leave the connection as it found it."""

from __future__ import annotations

import pytest

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.bus.rabbit import RabbitBus
from workers.topology import Topology

pytestmark = pytest.mark.rabbit

#: nothing listens on port 1: the HTTP API is "not there", as on a broker without the plugin
NO_HTTP_API = "http://127.0.0.1:1"


async def test_polling_a_queue_that_does_not_exist_yet_opens_no_lasting_channels(
        namespace: str) -> None:
    topology = Topology(namespace)
    bus = RabbitBus(BROKER_URL, topology, source="depth-poller", management_url=NO_HTTP_API)
    await bus.start()
    try:
        # a camera not started yet: its frame queue is not declared
        missing = topology.frame_queue("not-started").name
        present = topology.count_events
        assert bus._conn is not None and bus._conn.transport is not None
        amqp = bus._conn.transport.connection
        before = len(amqp.channels)
        for _ in range(30):
            depths = await bus.queue_depths([missing, present])
            assert missing not in depths and depths[present].ready == 0
        assert len(amqp.channels) == before, "each poll left channels open"
    finally:
        await bus.close()
        await purge_namespace(BROKER_URL, topology)
