from __future__ import annotations

import pytest

from tests.conftest import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.bus import Bus, InProcessBus
from workers.topology import Topology

CAMERAS = ("cam-a", "cam-b")


@pytest.fixture(params=["inprocess", pytest.param("rabbit", marks=pytest.mark.rabbit)])
async def bus(request: pytest.FixtureRequest, namespace: str):
    """The same contract, once per transport."""
    topology = Topology(namespace)
    if request.param == "inprocess":
        b: Bus = InProcessBus(topology, source="contract-test")
    else:
        from workers.bus.rabbit import RabbitBus

        b = RabbitBus(BROKER_URL, topology, source="contract-test")
    await b.start()
    try:
        yield b
    finally:
        await b.close()
        if request.param == "rabbit":
            await purge_namespace(BROKER_URL, topology,
                                  [topology.frame_queue(c).name for c in CAMERAS])


@pytest.fixture
def transport(bus: Bus) -> str:
    return "inprocess" if isinstance(bus, InProcessBus) else "rabbit"
