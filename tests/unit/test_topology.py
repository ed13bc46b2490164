"""The topology table: seed arguments, shards, retry delays, namespacing."""

from __future__ import annotations

from workers.topology import DELIVERY_LIMIT, RETRY_DELAYS_MS, Topology


def test_seed_queue_arguments() -> None:
    t = Topology()
    q = {s.name: s.arguments for s in t.queues}
    assert q["camera.frame.processing"] == {
        "x-message-ttl": 300_000, "x-max-length": 1000, "x-overflow": "drop-head",
        "x-dead-letter-exchange": "dead.letter", "x-dead-letter-routing-key": "dead.letter.retry",
        "x-max-priority": 10}
    assert q["analytics.processing"]["x-max-priority"] == 5
    assert q["dead.letter.retry"]["x-dead-letter-routing-key"] == "dead.letter.error"


def test_facts_are_never_evicted_nor_expired() -> None:
    """Count events, jobs, notifications and errors: a full queue refuses the publish (the
    producer is told and keeps the fact) instead of dropping its oldest; nothing expires."""
    t = Topology()
    facts = [t.count_events, t.analytics_processing, t.report_generation, t.email_queue,
             t.webhook_queue, t.error_queue]
    for name in facts:
        args = t.queue(name).arguments
        assert args["x-overflow"] == "reject-publish", name
        assert "x-message-ttl" not in args, name
        assert t.queue(name).cap is not None
    assert t.queue(t.count_events).cap >= 1_000_000  # hours of backlog
    assert t.queue(t.count_events).bindings[0].routing_key == "camera.counts.*"
    # nothing a queue dead-letters by itself is dropped on the way to the error queue
    assert "x-max-length" not in t.queue(t.retry_queue).arguments
    # live frames still drop the oldest
    assert t.frame_queue("door").arguments["x-overflow"] == "drop-head"


def test_frame_shards_have_single_active_consumer_and_discard_overflow() -> None:
    spec = Topology("ns.").frame_queue("cam-7")
    assert spec.name == "ns.camera.frame.processing.cam-7"
    assert spec.arguments["x-single-active-consumer"] is True
    assert spec.arguments["x-dead-letter-routing-key"] == "dead.letter.discard"
    assert [(b.exchange, b.routing_key) for b in spec.bindings] == [
        ("ns.camera.events", "camera.frame.cam-7")]


def test_retry_delays_double_from_one_second_to_thirty() -> None:
    assert [Topology.retry_delay_ms(n) for n in range(1, 8)] == [
        1000, 2000, 4000, 8000, 16000, 30000, 30000]
    delay_queues = {s.name: s.arguments for s in Topology().queues if s.name.startswith("retry.")}
    assert sorted(a["x-message-ttl"] for a in delay_queues.values()) == list(RETRY_DELAYS_MS)
    assert all(a["x-dead-letter-exchange"] == "" for a in delay_queues.values())


def test_on_a_cluster_facts_work_and_retries_are_quorum_queues_and_live_queues_are_not() -> None:
    t = Topology(queue_type="quorum")
    quorum = {s.name for s in t.queues if t.queue_type_of(s) == "quorum"}
    assert quorum == {t.count_events, t.camera_states, t.analytics_processing, t.report_generation,
                      t.email_queue, t.webhook_queue, t.retry_queue, t.error_queue,
                      t.alert_acks_queue, t.snapshots, t.heatmaps, t.privacy_audit_queue,
                      *(t.delay_queue(ms) for ms in RETRY_DELAYS_MS)}
    # evidence, not facts: still the oldest dropped when full, and never sent to the error queue
    snaps = t.declaration(t.queue(t.snapshots)).arguments
    assert snaps["x-overflow"] == "drop-head" and "x-dead-letter-exchange" not in snaps
    assert "x-delivery-limit" not in snaps and "x-queue-mode" not in snaps
    counts = t.declaration(t.queue(t.count_events)).arguments
    assert counts["x-queue-type"] == "quorum" and "x-queue-mode" not in counts
    assert counts["x-overflow"] == "reject-publish" and counts["x-dead-letter-strategy"] == "at-least-once"
    assert counts["x-delivery-limit"] == DELIVERY_LIMIT
    jobs = t.declaration(t.queue(t.analytics_processing)).arguments
    assert "x-max-priority" not in jobs  # RabbitMQ 3.10 refuses it on a quorum queue
    delay = t.declaration(t.queue(t.delay_queue(1_000))).arguments
    assert delay["x-dead-letter-strategy"] == "at-least-once" and delay["x-overflow"] == "reject-publish"
    assert "x-delivery-limit" not in delay  # nobody consumes it: messages only expire
    errors = t.declaration(t.queue(t.error_queue)).arguments
    assert "x-dead-letter-strategy" not in errors  # the end of the line

    for live in (t.queue(t.frame_processing), t.frame_queue("cam-1"), t.queue(t.rpc_analytics)):
        declared = t.declaration(live)
        assert "x-queue-type" not in declared.arguments and not declared.durable
    assert t.declaration(t.frame_queue("cam-1")).arguments["x-overflow"] == "drop-head"


def test_snapshots_are_bounded_evidence_apart_from_the_counts() -> None:
    """A backlog of snapshots gives way oldest first, in number and in bytes, and never
    floods the error queue; the count events they show keep their own fact queue."""
    t = Topology()
    snaps = t.queue(t.snapshots)
    assert snaps.bindings[0].routing_key == "camera.snapshot.*"
    assert snaps.arguments["x-overflow"] == "drop-head" and snaps.cap is None
    assert snaps.arguments["x-max-length-bytes"] <= 1 << 30
    assert "x-dead-letter-exchange" not in snaps.arguments
    assert t.snapshot_key("door") == "camera.snapshot.door"
    assert not any(b.routing_key == "camera.snapshot.*" for b in t.queue(t.count_events).bindings)


def test_a_single_broker_declares_every_queue_as_written() -> None:
    t = Topology()
    assert all(t.declaration(s) == s and t.queue_type_of(s) == "classic" for s in t.queues)


