from __future__ import annotations

import pytest

from tests.buses import start_bus
from tests.conftest import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.bus import Bus, InProcessBus

CAMERAS = ("cam-a", "cam-b")


@pytest.fixture(params=["inprocess", pytest.param("rabbit", marks=pytest.mark.rabbit)])
async def bus(request: pytest.FixtureRequest, namespace: str):
    """The same contract, once per transport."""
    b = await start_bus(request.param, namespace, "contract-test")
    topology = b.topology
    try:
        yield b
    finally:
        await b.close()
        if request.param == "rabbit":
            await purge_namespace(BROKER_URL, topology,
                                  [topology.frame_queue(c).name for c in CAMERAS])


@pytest.fixture(params=["inprocess", pytest.param("rabbit", marks=pytest.mark.rabbit)])
def kind(request: pytest.FixtureRequest) -> str:
    """The transport, for tests that start a bus of their own."""
    return request.param


@pytest.fixture
def transport(bus: Bus) -> str:
    return "inprocess" if isinstance(bus, InProcessBus) else "rabbit"
