"""Prometheus scrapes a running worker: ``camcount-worker analytics --metrics-port``, a process of
its own on the real broker, fed count events; its exposition parsed as Prometheus parses it."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.services import BROKER_URL
from tests.processes import spawn
from tests.rabbit_util import purge_namespace
from workers.bus.rabbit import RabbitBus
from workers.contracts import CountEvent, CountEvents, utcnow
from workers.topology import Topology

pytestmark = pytest.mark.rabbit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def counts(n: int) -> CountEvents:
    now = utcnow()
    return CountEvents(camera_id="door-cam", frame_id=f"f-{n}", frame_timestamp=now,
                       zones_version=1, events=[CountEvent(
                           kind="line", shape_id="door", direction="in", class_name="person",
                           track_id=n, at=now)])


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, sorted labels)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_a_running_worker_exposes_its_figures_to_prometheus(namespace: str,
                                                                   tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "analytics.log"
    producer = RabbitBus(BROKER_URL, Topology(namespace), source="detector-under-test")
    await producer.start()
    proc = spawn(["analytics", "--broker", BROKER_URL, "--namespace", namespace, "--db",
                  f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", "--metrics-port", str(port)], log,
                 dict(os.environ))
    try:
        t = producer.topology
        for n in range(5):
            await producer.publish(t.camera_events, t.counts_key("door-cam"), counts(n))
        queue = t.count_events
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while True:
                assert proc.poll() is None, log.read_text()[-3000:]
                try:
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
                        assert r.headers["Content-Type"].startswith("text/plain")
                        text = await r.text()
                        found = samples(text)
                        if found.get(("camcount_analytics_events_written", ())) == 5:
                            break
                except aiohttp.ClientConnectionError:
                    pass  # not listening yet
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                await asyncio.sleep(0.3)
        print("\n".join(line for line in text.splitlines()
                        if "camcount_" in line and not line.startswith("#")))
        worker = next(labels for (name, labels), _ in found.items()
                      if name == "camcount_worker_info")
        assert dict(worker)["role"] == "analytics"
        assert found[("camcount_bus_consumed_total", (("queue", queue),))] == 5
        assert found[("camcount_ingest_batch_messages_sum", ())] == 5
        assert found[("camcount_ingest_seconds_count", ())] >= 1
        # queue depths from the broker's API (which lags by its stats interval)
        for depth in ("ready", "unacked", "consumers"):
            assert (f"camcount_queue_{depth}", (("queue", queue),)) in found
    finally:
        proc.terminate()
        proc.wait(30)
        await producer.close()
        await purge_namespace(BROKER_URL, producer.topology)
