"""``camcount-worker topology declare|check`` against the real broker."""

from __future__ import annotations

import subprocess
import sys

import aio_pika
import pytest

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.bus.declare import TopologyMismatch
from workers.bus.rabbit import RabbitBus
from workers.topology import Topology

pytestmark = pytest.mark.rabbit


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
async def topology(namespace: str):
    t = Topology(namespace)
    yield t
    await purge_namespace(BROKER_URL, t)


async def redeclare_with(topology: Topology, queue: str, **changes: object) -> None:
    conn = await aio_pika.connect(BROKER_URL)
    ch = await conn.channel()
    await ch.queue_delete(queue)
    args = {**topology.queue(queue).arguments, **changes}
    await ch.declare_queue(queue, durable=True, arguments=args)
    await conn.close()


async def test_check_passes_after_declare_and_names_a_changed_argument(topology: Topology) -> None:
    ns = ["--broker", BROKER_URL, "--namespace", topology.namespace]
    before = cli("topology", "check", *ns)
    assert before.returncode == 1
    assert f"queue '{topology.email_queue}' does not exist" in before.stdout

    assert cli("topology", "declare", *ns).returncode == 0
    assert cli("topology", "declare", *ns).returncode == 0, "declaring twice is harmless"
    ok = cli("topology", "check", *ns)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "topology matches" in ok.stdout and "guest:***@" in ok.stdout

    await redeclare_with(topology, topology.webhook_queue, **{"x-max-length": 42})
    bad = cli("topology", "check", *ns)
    assert bad.returncode == 1
    assert (f"queue '{topology.webhook_queue}': argument 'x-max-length' differs — this build "
            "declares '100000', the broker has '42'") in bad.stdout


async def test_a_worker_refuses_to_start_on_a_conflicting_queue(topology: Topology) -> None:
    await RabbitBus(BROKER_URL, topology).start()  # the right topology, then spoil one queue
    await redeclare_with(topology, topology.error_queue, **{"x-message-ttl": 1000})
    bus = RabbitBus(BROKER_URL, topology, source="spoiled")
    with pytest.raises(TopologyMismatch) as err:
        await bus.start()
    assert f"queue '{topology.error_queue}': argument 'x-message-ttl' differs" in str(err.value)


async def test_declare_stops_the_seed_results_queue_of_an_older_version_from_filling(
        topology: Topology) -> None:
    """An older version bound ``camera.detection.results`` to every frame's result (drop-head,
    overflowing into the error queue). Declaring today's topology unbinds it; what it holds
    stays for an admin to look at."""
    old = topology.name("camera.detection.results")
    conn = await aio_pika.connect(BROKER_URL)
    try:
        ch = await conn.channel()
        await ch.declare_exchange(topology.camera_events, "topic", durable=True)
        q = await ch.declare_queue(old, durable=True, arguments={"x-max-length": 2000,
                                                                 "x-overflow": "drop-head"})
        await q.bind(topology.camera_events, "camera.detection.*")
        assert cli("topology", "declare", "--broker", BROKER_URL,
                   "--namespace", topology.namespace).returncode == 0
        exchange = await ch.get_exchange(topology.camera_events)
        await exchange.publish(aio_pika.Message(b"{}"), "camera.detection.door")
        q = await ch.declare_queue(old, passive=True)
        assert q.declaration_result.message_count == 0  # still there, no longer bound
    finally:
        ch = await conn.channel()
        await ch.queue_delete(old)
        await conn.close()


async def test_check_names_a_classic_queue_where_a_quorum_one_is_expected_and_the_reverse(
        topology: Topology) -> None:
    """Quorum queues work on one node too, so this runs on the shared broker."""
    ns = ["--broker", BROKER_URL, "--namespace", topology.namespace]
    assert cli("topology", "declare", *ns).returncode == 0  # classic, as on a single broker
    on_cluster = cli("topology", "check", "--quorum", *ns)
    assert on_cluster.returncode == 1
    assert (f"queue '{topology.count_events}' is a classic queue where this build expects a "
            "quorum queue") in on_cluster.stdout
    assert f"queue '{topology.rpc_analytics}' is durable where this build declares it not " \
           "durable" in on_cluster.stdout

    await purge_namespace(BROKER_URL, topology)
    assert cli("topology", "declare", "--quorum", *ns).returncode == 0
    assert cli("topology", "check", "--quorum", *ns).returncode == 0
    single = cli("topology", "check", *ns)
    assert single.returncode == 1
    assert (f"queue '{topology.count_events}' is a quorum queue where this build expects a "
            "classic queue") in single.stdout
