"""Two notifiers on one queue, one started without the webhook target's secret (a real
``camcount-worker notifier`` process): it leaves that target's webhooks to the other, which
delivers every one once; none goes to the error queue, and the misconfigured one says in its
heartbeat what it cannot serve and how many it handed back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers.buses import error_inbox, start_bus
from tests.helpers.notifier import SECRET_ENV, Receiver, StartNotifier, hook_config
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until_fetched
from tests.notifier.test_webhook import hook
from tests.rabbit_util import purge_namespace
from workers.bus import Bus, Delivery
from workers.contracts import SystemEvent

pytestmark = pytest.mark.rabbit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def rabbit(namespace: str) -> AsyncIterator[Bus]:
    b = await start_bus("rabbit", namespace, "notifier-test")
    try:
        yield b
    finally:
        await b.close()
        await purge_namespace(BROKER_URL, b.topology)


async def test_a_notifier_without_the_secret_leaves_the_webhooks_to_one_that_has_it(
        rabbit: Bus, receiver: Receiver, start_notifier: StartNotifier, namespace: str,
        tmp_path: Path) -> None:
    bus = rabbit
    config = hook_config(receiver.url, max_attempts=1)  # any failure would be final
    errors = await error_inbox(bus)
    beats: asyncio.Queue[SystemEvent] = asyncio.Queue()

    async def on_event(e: SystemEvent, _: Delivery) -> None:
        if e.event_type == "health" and e.data.get("role") == "notifier" \
                and e.data.get("cannot_serve"):
            beats.put_nowait(e)

    await bus.subscribe(bus.topology.system_events, [], on_event, model=SystemEvent)
    good = await start_notifier(bus, config)  # this process has the secret

    config_file = tmp_path / "notifications.json"
    config_file.write_text(config.model_dump_json())
    env = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
    env["PYTHONPATH"] = str(ROOT)
    log = (tmp_path / "notifier.log").open("w")
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workers.cli", "notifier", "--broker", BROKER_URL,
        "--namespace", namespace, "--config", str(config_file),
        "--db", f"sqlite+aiosqlite:///{tmp_path / 'other.db'}",
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = await asyncio.wait_for(beats.get(), 60)  # it runs, and says what it lacks
        assert first.data["cannot_serve"] == {
            "hook": f"secret env:{SECRET_ENV} is not set on {first.source}"}
        await until_fetched(lambda: bus.queue_depths([bus.topology.webhook_queue]),
                            lambda d: d[bus.topology.webhook_queue].consumers == 2,
                            timeout=30)  # both take from the queue (the broker's stats lag a little)

        sent = [hook(receiver) for _ in range(20)]
        for msg in sent:
            await bus.publish("", bus.topology.webhook_queue, msg)
        await receiver.wait_hits(20, timeout=60)
        await asyncio.sleep(2.0)  # nothing more arrives, nothing is dead-lettered
        assert sorted(h.headers["Idempotency-Key"] for h in receiver.hits) == sorted(
            m.message_id for m in sent), "every webhook once"
        assert {h.headers["X-CamCount-Attempt"] for h in receiver.hits} == {"1"}
        assert errors.empty()
        assert good.sent == 20 and good.failed == 0

        other.send_signal(signal.SIGTERM)  # its last heartbeat counts what it handed back
        last = first
        while last.data.get("state") != "stopped":
            last = await asyncio.wait_for(beats.get(), 30)
        assert last.data["handed_back"] > 0 and last.data["sent"] == 0
        assert last.data["failed"] == 0
    finally:
        if other.returncode is None:
            other.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(other.wait(), 30)
        finally:
            if other.returncode is None:
                other.kill()
                await other.wait()
            log.close()
