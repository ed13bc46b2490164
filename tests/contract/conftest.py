from __future__ import annotations

import pytest

from workers.bus import Bus, InProcessBus


@pytest.fixture(params=["inprocess", pytest.param("rabbit", marks=pytest.mark.rabbit)])
def kind(request: pytest.FixtureRequest) -> str:
    """The transport, for tests that start a bus of their own."""
    return request.param


@pytest.fixture
def transport(bus: Bus) -> str:
    return "inprocess" if isinstance(bus, InProcessBus) else "rabbit"
