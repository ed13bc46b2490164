"""One contract, two transports: what every worker relies on from the bus."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.helpers.buses import CAMERAS, error_inbox, start_bus
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until, until_fetched
from tests.rabbit_util import purge_namespace
from workers.bus import (
    TRACE_HEADER,
    Bus,
    Delivery,
    PermanentError,
    RemoteError,
    RequestTimeout,
    RetryPolicy,
    Unavailable,
    Unroutable,
)
from workers.bus.errors import PublishError
from workers.contracts import CameraStatus, CountEvent, CountEvents, SystemEvent, utcnow
from workers.topology import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    ORIGIN_KEY_HEADER,
    Binding,
    QueueSpec,
    Topology,
)


def status(cam: str, state: str = "online") -> CameraStatus:
    return CameraStatus(camera_id=cam, state=state, fps=5.0)


async def collect(q: asyncio.Queue, n: int, timeout: float = 10.0) -> list:
    return [await asyncio.wait_for(q.get(), timeout) for _ in range(n)]


async def test_subscribe_by_pattern_gets_only_matching_keys(bus: Bus) -> None:
    t = bus.topology
    got: asyncio.Queue = asyncio.Queue()

    async def on_status(msg: CameraStatus, d: Delivery) -> None:
        got.put_nowait((d.routing_key, msg.camera_id, msg.state))

    await bus.subscribe(t.camera_events, ["camera.status.*"], on_status, model=CameraStatus)
    await bus.publish(t.camera_events, t.status_key("cam-a"), status("cam-a"))
    # a detection-like key on the same exchange must not reach a status subscriber
    await bus.declare_queue(t.frame_queue("cam-a"))
    await bus.publish(t.camera_events, t.frame_key("cam-a"), b"\xff\xd8not-a-status")
    await bus.publish(t.camera_events, t.status_key("cam-b"), status("cam-b", "offline"))
    assert await collect(got, 2) == [("camera.status.cam-a", "cam-a", "online"),
                                     ("camera.status.cam-b", "cam-b", "offline")]
    await asyncio.sleep(0.3)
    assert got.empty()


async def test_exact_key_reaches_only_its_subscriber(bus: Bus) -> None:
    t = bus.topology
    a: asyncio.Queue = asyncio.Queue()
    b: asyncio.Queue = asyncio.Queue()
    await bus.subscribe(t.camera_events, [t.status_key("cam-a")],
                        lambda m, d: _put(a, m.camera_id), model=CameraStatus)
    await bus.subscribe(t.camera_events, [t.status_key("cam-b")],
                        lambda m, d: _put(b, m.camera_id), model=CameraStatus)
    for cam in ("cam-a", "cam-b", "cam-a"):
        await bus.publish(t.camera_events, t.status_key(cam), status(cam))
    assert await collect(a, 2) == ["cam-a", "cam-a"]
    assert await collect(b, 1) == ["cam-b"]


async def _put(q: asyncio.Queue, item: object) -> None:
    q.put_nowait(item)


async def test_fanout_reaches_every_subscriber(bus: Bus) -> None:
    t = bus.topology
    inboxes = [asyncio.Queue() for _ in range(3)]
    for q in inboxes:
        await bus.subscribe(t.system_events, [], lambda m, d, q=q: _put(q, m.event_type),
                            model=SystemEvent)
    await bus.publish(t.system_events, "", SystemEvent(event_type="maintenance", source="t"))
    for q in inboxes:
        assert await collect(q, 1) == ["maintenance"]


def facts(cam: str, n: int = 0) -> CountEvents:
    return CountEvents(camera_id=cam, frame_id=f"f-{n}", frame_timestamp=utcnow(), events=[
        CountEvent(kind="line", shape_id="door", direction="in", class_name="person", track_id=n,
                   at=utcnow())])


async def test_work_queue_bound_by_topology_receives_published_count_events(bus: Bus) -> None:
    t = bus.topology
    got: asyncio.Queue = asyncio.Queue()
    await bus.consume(t.count_events, lambda m, d: _put(got, (m.camera_id, m.frame_id)),
                      model=CountEvents)
    await bus.publish(t.camera_events, t.counts_key("cam-b"), facts("cam-b", 1))
    assert await collect(got, 1) == [("cam-b", "f-1")]


async def test_mandatory_publish_with_no_route_raises(bus: Bus) -> None:
    t = bus.topology
    with pytest.raises(Unroutable):
        await bus.publish(t.camera_events, "camera.nothing.bound", status("cam-a"))
    with pytest.raises(Unroutable):
        await bus.publish("", f"{t.namespace}no-such-queue", status("cam-a"))


async def test_request_reply_round_trip(bus: Bus) -> None:
    t = bus.topology

    async def answer(msg: SystemEvent, d: Delivery) -> dict:
        return {"echo": msg.source, "severity": msg.severity}

    await bus.serve(t.rpc_analytics, answer, model=SystemEvent)
    replies = await asyncio.gather(*(
        bus.request(t.rpc_analytics, SystemEvent(event_type="health", source=f"r{i}"))
        for i in range(20)))
    assert [r["echo"] for r in replies] == [f"r{i}" for i in range(20)]


async def test_request_without_server_times_out(bus: Bus) -> None:
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        await bus.request(bus.topology.rpc_notifier,
                          SystemEvent(event_type="health", source="x"), timeout=0.5)
    assert time.monotonic() - started < 3


async def test_request_errors_come_back_with_the_reason(bus: Bus) -> None:
    t = bus.topology

    async def fail(msg: SystemEvent, d: Delivery) -> dict:
        raise ValueError("no such camera 'cam-z'")

    await bus.serve(t.rpc_analytics, fail, model=SystemEvent)
    with pytest.raises(RemoteError, match="no such camera 'cam-z'"):
        await bus.request(t.rpc_analytics, SystemEvent(event_type="health", source="x"))
    with pytest.raises(RemoteError, match=r"SystemEvent\.event_type"):
        await bus.request(t.rpc_analytics, {"event_type": "bogus", "source": "x"})


@pytest.mark.slow
async def test_poison_message_retried_three_times_with_backoff_then_error_queue(bus: Bus) -> None:
    t = bus.topology
    errors = await error_inbox(bus)
    calls: list[float] = []

    async def poison(msg: SystemEvent, d: Delivery) -> None:
        calls.append(time.monotonic())
        raise RuntimeError("cannot handle this one")

    await bus.consume(t.email_queue, poison, model=SystemEvent)
    sent = time.monotonic()
    await bus.publish("", t.email_queue, SystemEvent(event_type="alert", source="t"))
    dead = await asyncio.wait_for(errors.get(), 20)

    assert len(calls) == 4, "one delivery and exactly three retries"
    gaps = [b - a for a, b in zip(calls, calls[1:], strict=False)]
    for gap, want in zip(gaps, (1.0, 2.0, 4.0), strict=True):
        assert want - 0.05 <= gap <= want + 0.75, gaps
    assert calls[0] - sent < 0.5
    assert dead.headers[ATTEMPT_HEADER] == 4
    assert dead.headers[ORIGIN_KEY_HEADER] == t.email_queue
    assert dead.headers[ERROR_HEADER] == "RuntimeError: cannot handle this one"
    assert SystemEvent.from_wire(dead.body).source == "t"


async def test_transient_failure_is_retried_and_then_handled_once(bus: Bus) -> None:
    t = bus.topology
    errors = await error_inbox(bus)
    seen: list[int] = []
    done = asyncio.Event()

    async def flaky(msg: SystemEvent, d: Delivery) -> None:
        seen.append(d.attempts)
        if d.attempts < 1:
            raise ConnectionError("SMTP server busy")
        done.set()

    await bus.consume(t.email_queue, flaky, model=SystemEvent)
    await bus.publish("", t.email_queue, SystemEvent(event_type="alert", source="t"))
    await asyncio.wait_for(done.wait(), 10)
    await asyncio.sleep(0.5)
    assert seen == [0, 1]
    assert errors.empty()


async def test_a_delivery_names_its_sender_also_after_a_retry(bus: Bus) -> None:
    """Who sent a message is the account the bus publishes as (RabbitMQ's validated user_id,
    the local user in-process); a retry, republished by the consumer, keeps the first sender."""
    t = bus.topology
    senders: list[str | None] = []
    done = asyncio.Event()

    async def flaky(msg: SystemEvent, d: Delivery) -> None:
        senders.append(d.user_id)
        if d.attempts < 1:
            raise ConnectionError("database busy")
        done.set()

    await bus.consume(t.alert_acks_queue, flaky, model=SystemEvent)
    await bus.publish(t.alert_acks, "", SystemEvent(event_type="alert", source="t"))
    await asyncio.wait_for(done.wait(), 10)
    assert bus.user and senders == [bus.user, bus.user]


async def test_invalid_message_goes_straight_to_error_queue_with_reason(bus: Bus) -> None:
    t = bus.topology
    errors = await error_inbox(bus)
    handled: list[object] = []
    await bus.consume(t.count_events, lambda m, d: _put_list(handled, m), model=CountEvents)
    await bus.publish(t.camera_events, t.counts_key("cam-a"),
                      {"camera_id": "cam-a", "frame_id": 7, "schema_version": 1})
    await bus.publish(t.camera_events, t.counts_key("cam-a"), b"\x00not json")
    first, second = await collect(errors, 2)
    reason = first.headers[ERROR_HEADER]
    assert reason.startswith("invalid message: ")
    assert "CountEvents.frame_id: Input should be a valid string" in reason
    assert "CountEvents.events: Field required" in reason
    assert first.headers[ATTEMPT_HEADER] == 0
    assert first.headers[ORIGIN_KEY_HEADER] == "camera.counts.cam-a"
    assert "not UTF-8 JSON" in second.headers[ERROR_HEADER]
    assert handled == []


async def _put_list(lst: list, item: object) -> None:
    lst.append(item)


async def test_unknown_schema_version_is_refused_by_name(bus: Bus) -> None:
    t = bus.topology
    errors = await error_inbox(bus)
    await bus.consume(t.email_queue, lambda m, d: _put_list([], m), model=SystemEvent)
    await bus.publish("", t.email_queue,
                      {"event_type": "alert", "source": "future", "schema_version": 99})
    (dead,) = await collect(errors, 1)
    assert "SystemEvent.schema_version: unsupported schema_version 99" in dead.headers[ERROR_HEADER]


async def test_permanent_error_is_not_retried(bus: Bus) -> None:
    t = bus.topology
    errors = await error_inbox(bus)
    calls = 0

    async def reject(msg: SystemEvent, d: Delivery) -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("webhook answered 400 Bad Request")

    await bus.consume(t.webhook_queue, reject, model=SystemEvent)
    await bus.publish("", t.webhook_queue, SystemEvent(event_type="alert", source="t"))
    (dead,) = await collect(errors, 1)
    assert calls == 1
    assert dead.headers[ERROR_HEADER] == "PermanentError: webhook answered 400 Bad Request"


async def test_trace_id_follows_derived_messages(bus: Bus) -> None:
    """A result published while handling a frame carries the frame's trace id."""
    t = bus.topology
    traces: asyncio.Queue = asyncio.Queue()

    async def detector(d: Delivery, _: Delivery) -> None:
        await bus.publish(t.system_events, "", SystemEvent(event_type="alert", source="det"))

    await bus.declare_queue(t.frame_queue("cam-a"))
    await bus.consume(t.frame_queue("cam-a"), detector, retry=None)
    await bus.subscribe(t.system_events, [], lambda m, d: _put(traces, d.trace_id),
                        model=SystemEvent)
    await bus.publish(t.camera_events, t.frame_key("cam-a"), b"\xff\xd8frame",
                      trace_id="frame-123")
    assert await collect(traces, 1) == ["frame-123"]
    # and nothing leaks into messages published outside any handler
    await bus.publish(t.system_events, "", SystemEvent(event_type="health", source="x"))
    d_trace = await collect(traces, 1)
    assert d_trace == [None]


async def test_single_consumer_sees_camera_frames_in_order(bus: Bus) -> None:
    t = bus.topology
    seen: list[int] = []
    done = asyncio.Event()

    async def handle(d: Delivery, _: Delivery) -> None:
        await asyncio.sleep(0.001 * (d.body[-1] % 3))  # uneven work must not reorder
        seen.append(int(d.headers["n"]))
        if len(seen) == 50:
            done.set()

    await bus.declare_queue(t.frame_queue("cam-a"))
    await bus.consume(t.frame_queue("cam-a"), handle, retry=None, prefetch=20)
    for i in range(50):
        await bus.publish(t.camera_events, t.frame_key("cam-a"), bytes([0xFF, 0xD8, i]),
                          headers={"n": i}, persistent=False)
    await asyncio.wait_for(done.wait(), 10)
    assert seen == list(range(50))


async def test_single_active_consumer_fails_over(bus: Bus) -> None:
    t = bus.topology
    q = t.frame_queue(CAMERAS[1])
    await bus.declare_queue(q)
    first: list[int] = []
    second: list[int] = []
    sub1 = await bus.consume(q, lambda d, _: _put_list(first, d.headers["n"]), retry=None)
    await bus.consume(q, lambda d, _: _put_list(second, d.headers["n"]), retry=None)
    for i in range(5):
        await bus.publish(t.camera_events, t.frame_key(CAMERAS[1]), b"\xff\xd8",
                          headers={"n": i})
    await until(lambda: len(first) == 5)
    assert second == []
    await sub1.cancel()
    for i in range(5, 8):
        await bus.publish(t.camera_events, t.frame_key(CAMERAS[1]), b"\xff\xd8",
                          headers={"n": i})
    await until(lambda: len(second) == 3)
    assert first == [0, 1, 2, 3, 4] and second == [5, 6, 7]



async def test_queue_depths_show_ready_unacked_and_consumers(bus: Bus, transport: str) -> None:
    t = bus.topology
    for i in range(5):
        await bus.publish("", t.email_queue, SystemEvent(event_type="alert", source=f"{i}"))

    async def ready_is(n: int) -> bool:
        return (await bus.queue_depths([t.email_queue]))[t.email_queue].ready == n

    await until_fetched(lambda: ready_is(5), interval=0.2)
    release = asyncio.Event()

    async def slow(msg: SystemEvent, d: Delivery) -> None:
        await release.wait()

    await bus.consume(t.email_queue, slow, model=SystemEvent, retry=RetryPolicy(), prefetch=2,
                      concurrency=2)

    async def busy() -> bool:
        depth = (await bus.queue_depths([t.email_queue]))[t.email_queue]
        return depth.consumers == 1 and depth.ready == 3 and depth.unacked == 2

    # The HTTP API refreshes its statistics every few seconds.
    await until_fetched(busy, timeout=20, interval=0.2)
    release.set()
    await until_fetched(lambda: ready_is(0), timeout=20, interval=0.2)



async def test_trace_header_is_set_from_argument(bus: Bus) -> None:
    t = bus.topology
    got: asyncio.Queue = asyncio.Queue()
    await bus.subscribe(t.camera_events, ["camera.status.#"],
                        lambda m, d: _put(got, d.headers.get(TRACE_HEADER)), model=CameraStatus)
    await bus.publish(t.camera_events, t.status_key("cam-a"), status("cam-a"), trace_id="abc")
    assert await collect(got, 1) == ["abc"]


async def test_every_handled_message_is_acknowledged_when_a_backlog_is_worked_off(
        bus: Bus) -> None:
    """An in-order consumer settles a backlog in batches; when it has handled everything and
    stops, nothing may come back to the next consumer (a lost last batch would be redone)."""
    t = bus.topology
    q = t.frame_queue(CAMERAS[0])
    await bus.declare_queue(q)
    for i in range(300):
        await bus.publish(t.camera_events, t.frame_key(CAMERAS[0]), b"\xff\xd8",
                          headers={"n": i}, persistent=False)
    handled: list[int] = []
    sub = await bus.consume(q, lambda d, _: _put_list(handled, d.headers["n"]), retry=None,
                            prefetch=100)
    await until(lambda: len(handled) == 300)
    await sub.cancel()
    again: list[int] = []
    await bus.consume(q, lambda d, _: _put_list(again, d.headers["n"]), retry=None)
    await asyncio.sleep(1.0)
    assert handled == list(range(300)) and again == []


# -- facts: batches, outages, full queues -------------------------------------------------------
async def test_a_batch_consumer_works_off_a_backlog_in_batches_and_acknowledges_all(
        bus: Bus) -> None:
    t = bus.topology
    for i in range(1200):
        await bus.publish(t.camera_events, t.counts_key("cam-a"), facts("cam-a", i))
    batches: list[list[int]] = []

    async def handle(batch: list[tuple[CountEvents, Delivery]]) -> None:
        batches.append([m.events[0].track_id for m, _ in batch])

    sub = await bus.consume_batch(t.count_events, handle, model=CountEvents, max_batch=500)
    await until(lambda: sum(map(len, batches)) == 1200)
    await sub.cancel()
    assert [n for b in batches for n in b] == list(range(1200))  # each once, in order
    assert max(map(len, batches)) > 1 and max(map(len, batches)) <= 500
    again: list[object] = []
    await bus.consume(t.count_events, lambda m, d: _put_list(again, m), model=CountEvents)
    await asyncio.sleep(1.0)
    assert again == []


async def test_a_batch_is_held_through_an_outage_and_nothing_goes_to_the_error_queue(
        bus: Bus) -> None:
    """The database is down for a while (the handler says ``Unavailable``): nothing is
    dead-lettered for that, no attempt counted; once it is back, every message is handled."""
    t = bus.topology
    errors = await error_inbox(bus)
    outage = {"calls": 0}
    stored: list[int] = []

    async def handle(batch: list[tuple[CountEvents, Delivery]]) -> None:
        outage["calls"] += 1
        if outage["calls"] <= 4:
            raise Unavailable("database unavailable")
        stored.extend(m.events[0].track_id for m, _ in batch)

    for i in range(20):
        await bus.publish(t.camera_events, t.counts_key("cam-a"), facts("cam-a", i))
    await bus.consume_batch(t.count_events, handle, model=CountEvents, retry=RetryPolicy(1))
    await until(lambda: len(stored) >= 20, timeout=20)
    assert sorted(stored) == list(range(20))
    await asyncio.sleep(0.5)
    assert errors.empty()


async def test_in_a_batch_only_the_poison_message_is_retried_and_dead_lettered(bus: Bus) -> None:
    t = bus.topology
    errors = await error_inbox(bus)
    stored: list[int] = []

    async def handle(batch: list[tuple[CountEvents, Delivery]]) -> None:
        if any(m.events[0].track_id == 7 for m, _ in batch):
            raise ValueError("track 7 breaks the insert")
        stored.extend(m.events[0].track_id for m, _ in batch)

    for i in range(15):
        await bus.publish(t.camera_events, t.counts_key("cam-a"), facts("cam-a", i))
    await bus.consume_batch(t.count_events, handle, model=CountEvents,
                            retry=RetryPolicy(max_retries=1))
    [dead] = await collect(errors, 1, timeout=15)
    assert CountEvents.from_wire(dead.body).events[0].track_id == 7
    assert "track 7 breaks the insert" in dead.headers[ERROR_HEADER]
    assert sorted(stored) == [i for i in range(15) if i != 7]


async def test_a_full_fact_queue_refuses_the_publish_and_keeps_what_it_holds(bus: Bus) -> None:
    """reject-publish, not drop-head: the producer is told, and earlier facts stay."""
    t = bus.topology
    small = QueueSpec(t.name("test.small.facts"), t.fact_arguments(cap=5),
                      (Binding(t.camera_events, "camera.counts.small"),))
    await bus.declare_queue(small)
    for i in range(5):
        await bus.publish(t.camera_events, "camera.counts.small", facts("small", i))
    with pytest.raises(PublishError):
        await bus.publish(t.camera_events, "camera.counts.small", facts("small", 5))
    kept: list[int] = []
    await bus.consume(small, lambda m, d: _put_list(kept, m.events[0].track_id),
                      model=CountEvents)
    await until(lambda: len(kept) == 5)
    assert kept == [0, 1, 2, 3, 4]


async def test_a_full_error_queue_keeps_its_first_errors_and_the_rest_wait_in_their_queue(
        kind: str, namespace: str) -> None:
    """Error queues never evict earlier errors: when full, a new failure stays in its own queue
    (not lost, not acknowledged) and reaches the error queue once there is room."""
    bus = await start_bus(kind, namespace, "error-cap-test",
                          Topology(namespace, caps={"dead.letter.error": 3}))
    t = bus.topology
    try:
        async def refuse(m: CountEvents, d: Delivery) -> None:
            raise PermanentError(f"track {m.events[0].track_id} is refused")

        await bus.consume(t.count_events, refuse, model=CountEvents)
        for i in range(5):
            await bus.publish(t.camera_events, t.counts_key("cam-a"), facts("cam-a", i))

        async def depth(name: str) -> int:
            return (await bus.queue_depths([name]))[name].ready

        await until_fetched(lambda: _eq(depth(t.error_queue), 3), interval=0.2)
        await asyncio.sleep(1.5)
        assert await depth(t.error_queue) == 3  # full, and the oldest errors are still there
        seen: list[str] = []
        await bus.consume(t.error_queue, lambda d, _: _put_list(seen, d.headers[ERROR_HEADER]),
                          retry=None)
        await until(lambda: len(seen) == 5, timeout=20)
        assert seen[:3] == [f"PermanentError: track {i} is refused" for i in range(3)]
        assert sorted(seen[3:]) == [f"PermanentError: track {i} is refused" for i in (3, 4)]
    finally:
        await bus.close()
        if kind == "rabbit":
            await purge_namespace(BROKER_URL, t)


async def _eq(value, expected) -> bool:
    return await value == expected


async def test_dead_letters_are_browsed_requeued_and_discarded_and_undecided_ones_kept(
        bus: Bus) -> None:
    t = bus.topology
    back: asyncio.Queue = asyncio.Queue()
    await bus.subscribe(t.camera_events, [t.status_key("cam-a")],
                        lambda m, d: _put(back, (m.detail, d.headers)), model=CameraStatus)
    for i in range(4):  # what a worker's failed handler leaves behind
        body, headers = CameraStatus(camera_id="cam-a", state="online", detail=f"#{i}").to_wire()
        failed = Delivery(body, headers, t.camera_events, t.status_key("cam-a"), "some.queue")
        await bus.dead_letter(failed, f"ValueError: broken #{i}", attempts=3)

    review = bus.dead_letters()
    letters = await review.fetch()
    assert [letter.reason for letter in letters] == [f"ValueError: broken #{i}" for i in range(4)]
    first = letters[0]
    assert first.attempts == 3 and first.route == (t.camera_events, t.status_key("cam-a"))
    assert first.original_queue == "some.queue" and first.kind == "camera_status"
    # held: another review finds nothing while this one has them
    other = bus.dead_letters()
    assert await other.fetch() == []
    await other.close()

    assert await review.requeue([letters[0].key, letters[1].key]) == 2
    requeued = await collect(back, 2)
    assert [detail for detail, _ in requeued] == ["#0", "#1"]
    assert all(h[ATTEMPT_HEADER] == 0 and ERROR_HEADER not in h for _, h in requeued)
    assert await review.discard([letters[2].key]) == 1
    await review.close()

    again = bus.dead_letters()
    assert [letter.reason for letter in await again.fetch()] == ["ValueError: broken #3"]
    # a second fetch hands back and takes again: the list is the queue as it stands
    assert [letter.reason for letter in await again.fetch()] == ["ValueError: broken #3"]
    await again.close()
