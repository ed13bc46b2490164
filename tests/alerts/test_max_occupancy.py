"""Maximum occupancy that does not flicker, and alerts on routes."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from tests.alerts.test_engine import result, run
from workers.alerts.engine import RuleEngine
from workers.contracts.alerting import RouteRule, ZoneOccupancyRule
from workers.contracts.detection import CountEvent


def crowd_at_the_limit(t: float) -> int:
    """20 allowed: 12 at first, then a crowd swaying between 19 and 23 for two minutes (every
    half second a different figure), then 12 again."""
    if t < 10 or t >= 130:
        return 12
    return 21 + round(2 * math.sin(t * 2.3))


def raises(rule: ZoneOccupancyRule) -> list[tuple[float, str]]:
    engine = RuleEngine([rule])
    changes = run(engine, 200, feed=lambda t: engine.on_result(
        result("hall", {"floor": crowd_at_the_limit(t)}), t))
    return [(t, c.action) for t, c in changes]


def test_a_fluctuating_occupancy_raises_exactly_one_alert():
    rule = ZoneOccupancyRule(id="max", above=20, for_seconds=5, hysteresis=3,
                             cooldown_seconds=60)
    (raised, up), (resolved, down) = raises(rule)
    assert (up, down) == ("raise", "resolve")
    assert 15 <= raised <= 20  # over the limit for 5 s from the crowd's first swing above it
    assert resolved == 130.0  # when it thinned out, not at the first dip to 20


def test_without_hold_hysteresis_or_cooldown_the_same_crowd_flickers():
    # what open-nvr PR #395 saw: an alert for every swing over the line
    bare = ZoneOccupancyRule(id="max", above=20, for_seconds=0, cooldown_seconds=0)
    assert sum(a == "raise" for _, a in raises(bare)) > 20


def route_result(cam: str, route: str, n: int):
    r = result(cam)
    now = datetime.now(UTC)
    r.counting_data.events = [CountEvent(kind="route", shape_id=route, direction="in",
                                         class_name="person", track_id=i, at=now,
                                         origin="platform", destination="exit")
                              for i in range(n)]
    return r


def test_more_than_n_people_on_a_route_within_the_period_raises_per_route():
    rule = RouteRule(id="rush", routes=["platform-exit"], period_seconds=300, above=20,
                     cooldown_seconds=600)
    engine = RuleEngine([rule])

    def feed(t: float) -> None:
        if t % 10 == 0:  # one person every 10 s on the route, 3 on another
            engine.on_result(route_result("station", "platform-exit", 1), t)
            engine.on_result(route_result("station", "platform-stairs", 3), t)
    changes = run(engine, 400, feed=feed)
    assert [(t, c.action, c.subject.zone_id, c.value) for t, c in changes] == [
        (200.0, "raise", "platform-exit", 21)]
    assert changes[0][1].message == ("Route platform-exit on camera station: 21 people in the "
                                     "last 5 min, more than 20")
