"""Webhooks against a real HTTP receiver: signed, retried with growing delays, given up on into
the error queue, refusals not retried, bursts spread under a rate limit, paused targets."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.buses import error_inbox
from tests.helpers.notifier import SECRET, Receiver, StartNotifier, hook_config
from workers.bus import Bus
from workers.contracts import SystemEvent, WebhookNotification, utcnow
from workers.contracts.alerting import BreakerSettings, RateLimit
from workers.contracts.notifications import (
    AlertFacts,
    NotifierRequest,
    NotifierStatus,
    SendNow,
    SendResult,
    SendTest,
    TargetsStatus,
)
from workers.notifier.signing import verify
from workers.storage import Database
from workers.storage import notifications as log_store
from workers.topology import ERROR_HEADER

FACTS = AlertFacts(action="raise", alert_id="a-1", rule_id="queue-crowded", severity="warning",
                   camera_id="entrance", zone_id="queue", message="queue too long", value=12,
                   at=datetime(2026, 12, 1, 6, 0, 3, tzinfo=UTC))


def hook(receiver: Receiver, **fields) -> WebhookNotification:
    """A notification to the configured target "hook" (the receiver) about an alert."""
    return WebhookNotification(target_id="hook", about=FACTS, **fields)


async def attempts_logged(db_url: str, message_id: str) -> list[log_store.NotificationAttempt]:
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            return await log_store.attempts(session, message_id)
    finally:
        await db.dispose()


async def test_direct_send_is_signed_and_answers_with_the_outcome(
        inprocess_bus: Bus, receiver: Receiver, start_notifier: StartNotifier, db_url: str) -> None:
    bus = inprocess_bus
    await start_notifier(bus, hook_config(receiver.url))
    msg = hook(receiver)
    result = await bus.request(bus.topology.rpc_notifier,
                               NotifierRequest(query=SendNow(notification=msg)),
                               reply_model=SendResult, timeout=10)
    assert result.ok and result.status == 200
    [hit] = receiver.hits
    assert verify(SECRET, hit.body, hit.headers["X-CamCount-Signature"])
    assert not verify("another secret", hit.body, hit.headers["X-CamCount-Signature"])
    assert hit.headers["Idempotency-Key"] == msg.message_id
    # the notifier's own body, from the alert's facts
    assert json.loads(hit.body) == {
        "event": "alert.raised", "alert_id": "a-1", "rule_id": "queue-crowded",
        "severity": "warning", "camera_id": "entrance", "zone_id": "queue", "camera_name": None,
        "zone_name": None, "subject": None,
        "message": "queue too long", "value": 12.0, "at": "2026-12-01T06:00:03+00:00"}
    # the console's "send test notification" to a configured target
    test = await bus.request(bus.topology.rpc_notifier,
                             NotifierRequest(query=SendTest(target_id="hook")),
                             reply_model=SendResult, timeout=10)
    assert test.ok
    test_body = json.loads(receiver.hits[1].body)
    # who asked is the account the bus says sent the request (here: the local user)
    assert test_body["event"] == "test" and test_body["requested_by"] == bus.user
    assert [a.ok for a in await attempts_logged(db_url, msg.message_id)] == [True]


async def test_two_failures_then_success_is_three_attempts_with_growing_delays(
        bus: Bus, receiver: Receiver, start_notifier: StartNotifier, db_url: str) -> None:
    receiver.script = [500, 500]
    await start_notifier(bus, hook_config(receiver.url, max_attempts=3))
    msg = hook(receiver)
    await bus.publish("", bus.topology.webhook_queue, msg)
    hits = await receiver.wait_hits(3)
    await asyncio.sleep(1.5)  # nothing more comes
    assert len(receiver.hits) == 3
    assert [h.headers["X-CamCount-Attempt"] for h in hits] == ["1", "2", "3"]
    assert {h.headers["Idempotency-Key"] for h in hits} == {msg.message_id}
    first, second = hits[1].at - hits[0].at, hits[2].at - hits[1].at
    # 1 s then 2 s, each less up to 25 % jitter
    assert 0.7 <= first <= 1.6, first
    assert 1.45 <= second <= 2.6, second
    assert second > first
    logged = await attempts_logged(db_url, msg.message_id)
    assert [(a.attempt, a.ok, a.status) for a in logged] == [(1, False, 500), (2, False, 500),
                                                            (3, True, 200)]


async def test_a_target_that_keeps_failing_puts_the_message_in_the_error_queue(
        bus: Bus, receiver: Receiver, start_notifier: StartNotifier) -> None:
    receiver.then = 503
    errors = await error_inbox(bus)
    await start_notifier(bus, hook_config(receiver.url, max_attempts=3))
    msg = hook(receiver)
    await bus.publish("", bus.topology.webhook_queue, msg)
    dead = await asyncio.wait_for(errors.get(), 15)
    assert dead.message_id == msg.message_id
    assert "gave up after 3 attempts: HTTP 503" in dead.headers[ERROR_HEADER]
    assert len(receiver.hits) == 3


async def test_a_refusal_is_tried_once(inprocess_bus: Bus, receiver: Receiver,
                                       start_notifier: StartNotifier, db_url: str) -> None:
    bus = inprocess_bus
    receiver.then = 400
    errors = await error_inbox(bus)
    await start_notifier(bus, hook_config(receiver.url))
    msg = hook(receiver)
    await bus.publish("", bus.topology.webhook_queue, msg)
    dead = await asyncio.wait_for(errors.get(), 10)
    assert "HTTP 400" in dead.headers[ERROR_HEADER]
    await asyncio.sleep(1.5)  # a retry would have come by now
    assert len(receiver.hits) == 1
    assert [a.status for a in await attempts_logged(db_url, msg.message_id)] == [400]


async def test_a_burst_over_the_rate_limit_is_delivered_in_full_spread_over_time(
        bus: Bus, receiver: Receiver, start_notifier: StartNotifier) -> None:
    limit = RateLimit(count=3, per_seconds=1.0)
    await start_notifier(bus, hook_config(receiver.url, rate_limit=limit))
    burst = [hook(receiver) for _ in range(8)]
    for msg in burst:
        await bus.publish("", bus.topology.webhook_queue, msg)
    hits = await receiver.wait_hits(8, timeout=20)
    await asyncio.sleep(1.0)
    assert sorted(h.headers["Idempotency-Key"] for h in receiver.hits) == sorted(
        m.message_id for m in burst)  # every one, once
    times = sorted(h.at for h in hits)
    # never more than 3 within a second (small tolerance for the receiver's own timing)
    assert all(times[i + 3] - times[i] >= 0.95 for i in range(len(times) - 3)), times
    assert times[-1] - times[0] >= 1.9


async def test_a_scheduled_send_waits_for_its_time(
        inprocess_bus: Bus, receiver: Receiver, start_notifier: StartNotifier) -> None:
    bus = inprocess_bus
    await start_notifier(bus, hook_config(receiver.url))
    due = utcnow() + timedelta(seconds=2)
    await bus.publish("", bus.topology.webhook_queue, hook(receiver, scheduled_at=due))
    [hit] = await receiver.wait_hits(1)
    assert utcnow() >= due
    assert hit.headers["X-CamCount-Attempt"] == "1"  # waiting is not an attempt


@pytest.mark.parametrize("probe", ["queued", "direct"])
async def test_a_failing_target_is_paused_then_resumed_by_a_probe(
        inprocess_bus: Bus, receiver: Receiver, start_notifier: StartNotifier, probe: str) -> None:
    bus = inprocess_bus
    receiver.script = [500, 500]
    alerts: asyncio.Queue[SystemEvent] = asyncio.Queue()

    async def on_event(e: SystemEvent, _) -> None:
        if e.event_type == "alert":
            alerts.put_nowait(e)

    await bus.subscribe(bus.topology.system_events, [], on_event, model=SystemEvent)
    config = hook_config(receiver.url, max_attempts=5)
    config = config.model_copy(update={"breaker": BreakerSettings(failures=2, open_seconds=2.5)})
    await start_notifier(bus, config)
    await bus.publish("", bus.topology.webhook_queue, hook(receiver))
    paused = await asyncio.wait_for(alerts.get(), 10)
    assert paused.data["action"] == "raise" and "paused" in paused.data["message"]
    status = await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=TargetsStatus()),
                               reply_model=NotifierStatus)
    assert [(t.target_id, t.breaker) for t in status.targets] == [("hook", "open")]
    if probe == "direct":  # the console's test send probes the target at once
        result = await bus.request(bus.topology.rpc_notifier,
                                   NotifierRequest(query=SendTest(target_id="hook")),
                                   reply_model=SendResult, timeout=10)
        assert result.ok
    else:  # the paused message itself probes when the pause ends: nothing is sent meanwhile
        await asyncio.sleep(2.0)
        assert len(receiver.hits) == 2
    resumed = await asyncio.wait_for(alerts.get(), 10)
    assert resumed.data["action"] == "resolve" and resumed.data["alert_id"] == paused.message_id
    await receiver.wait_hits(3)
    status = await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=TargetsStatus()),
                               reply_model=NotifierStatus)
    assert status.targets[0].breaker == "closed"
