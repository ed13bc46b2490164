"""The built-in alarm: long before a queue of facts is full, an alert says so."""

from __future__ import annotations

from workers.alerts.engine import RuleEngine
from workers.alerts.worker import capacity_rules
from workers.topology import COUNT_EVENTS_CAP, ERROR_CAP, Topology


def test_every_capped_fact_queue_has_an_alarm_at_a_tenth_of_its_cap() -> None:
    rules = {r.queues[0]: r for r in capacity_rules(Topology("site-a."))}
    assert rules["camera.count.events"].above == COUNT_EVENTS_CAP // 10
    assert rules["dead.letter.error"].above == ERROR_CAP // 10
    assert {"notification.email", "notification.webhook", "analytics.processing",
            "analytics.report.generation"} <= set(rules)
    assert not any(q.startswith("camera.frame") for q in rules)  # live frames may be dropped


def test_a_backlog_of_count_events_raises_a_critical_alert_and_resolves_when_it_drains() -> None:
    engine = RuleEngine(capacity_rules(Topology()))
    engine.on_depths({"camera.count.events": 20_000}, 0.0)
    assert engine.evaluate(0.0) == []
    engine.on_depths({"camera.count.events": COUNT_EVENTS_CAP // 10 + 1}, 5.0)
    [raised] = engine.evaluate(5.0)
    assert raised.action == "raise" and raised.rule.severity == "critical"
    assert "its consumer is behind or stopped" in raised.rule.name
    engine.on_depths({"camera.count.events": 3}, 60.0)
    [resolved] = engine.evaluate(60.0)
    assert resolved.action == "resolve"
