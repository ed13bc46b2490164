"""Routes in the counting engine: ordered chains of lines and zones, per person and class."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from tests.unit.test_counting import FPS, PLAIN, T0, obj
from workers.contracts.counts import CountEvents
from workers.contracts.detection import CountEvent
from workers.contracts.zones import LineDef, RouteDef, RouteStep, ZoneDef, ZoneSet
from workers.counting import CountingEngine

#: two horizontal doors: walking down across the first, then across the second
A = LineDef(id="a", name="Door A", points=((100, 300), (900, 300)))
B = LineDef(id="b", name="Door B", points=((100, 700), (900, 700)))
#: a vertical door on the right: walking right across it is "in" (P1 below P2)
C = LineDef(id="c", name="Door C", points=((850, 900), (850, 100)))
HALL = ZoneDef(id="hall", name="Hall", points=[(100, 400), (800, 400), (800, 600), (100, 600)])


def route(rid: str, *steps: tuple[str, str], within: float = 60.0, classes=()) -> RouteDef:
    return RouteDef(id=rid, steps=[RouteStep(shape_id=s, direction=d) for s, d in steps],
                    within_seconds=within, classes=list(classes))


def engine(*routes: RouteDef) -> CountingEngine:
    return CountingEngine(ZoneSet(camera_id="cam", frame_width=1000, frame_height=1000,
                                  lines=[A, B, C], zones=[HALL], routes=list(routes), **PLAIN))


class Walk:
    def __init__(self, eng: CountingEngine):
        self.eng, self.frame, self.events = eng, 0, []

    def step(self, *objs) -> None:
        self.frame += 1
        data = self.eng.update(objs, T0 + timedelta(seconds=self.frame / FPS))
        self.events += data.events
        self.data = data

    def path(self, tid: int, pts, cls: str = "person") -> None:
        for x, y in pts:
            self.step(obj(tid, x, y, cls))

    def idle(self, frames: int) -> None:
        for _ in range(frames):
            self.step()

    def routes(self) -> list[CountEvent]:
        return [e for e in self.events if e.kind == "route"]


def downward(x: float, y0: float, y1: float, step: float = 50):
    n = int((y1 - y0) / step)
    return [(x, y0 + i * step) for i in range(n + 1)]


def test_a_person_through_door_a_then_door_b_completes_the_route_once_with_its_transit_time():
    w = Walk(engine(route("ab", ("a", "in"), ("b", "in"))))
    w.path(1, downward(500, 200, 800))
    [r] = w.routes()
    assert (r.shape_id, r.origin, r.destination, r.class_name, r.track_id) == ("ab", "a", "b", "person", 1)
    crossings = {e.shape_id: e.at for e in w.events if e.kind == "line"}
    assert r.at == crossings["b"]
    assert r.dwell_seconds == pytest.approx((crossings["b"] - crossings["a"]).total_seconds())
    assert r.dwell_seconds == pytest.approx(0.8)  # 400 px at 50 px per frame, 10 fps
    assert w.data.routes == {"ab": {"person": 1}}


def test_the_wrong_order_or_direction_is_not_the_route():
    w = Walk(engine(route("ab", ("a", "in"), ("b", "in"))))
    w.path(1, downward(500, 200, 800)[::-1])  # upwards: B out, then A out
    w.path(2, downward(300, 200, 500))  # through A only
    assert w.routes() == []
    assert w.data.routes == {"ab": {}}


def test_too_slow_is_not_the_route_and_each_route_counts_its_own_pairs():
    slow = route("ab", ("a", "in"), ("b", "in"), within=1.0)
    hall = route("a-hall", ("a", "in"), ("hall", "out"))
    w = Walk(engine(slow, hall))
    pts = downward(500, 200, 800, step=20)  # 30 frames: 2 s from A to B
    w.path(1, pts)
    assert [(e.shape_id, e.origin, e.destination) for e in w.routes()] == [("a-hall", "a", "hall")]


def test_a_chain_of_three_with_any_direction_and_a_zone_step():
    chain = route("a-hall-c", ("a", "any"), ("hall", "in"), ("c", "in"))
    w = Walk(engine(chain))
    w.path(1, [*downward(500, 200, 500), (700, 500), (800, 500), (900, 500), (950, 500)])
    [r] = w.routes()
    assert (r.origin, r.destination) == ("a", "c")


def test_restarting_at_the_origin_measures_transit_from_the_latest_start():
    w = Walk(engine(route("ab", ("a", "in"), ("b", "in"))))
    w.path(1, [*downward(500, 200, 400), *downward(500, 200, 400)[::-1], *downward(500, 200, 800)])
    [r] = w.routes()
    last_a = [e.at for e in w.events if e.shape_id == "a" and e.direction == "in"][-1]
    assert r.dwell_seconds == pytest.approx((r.at - last_a).total_seconds())


def test_route_class_filter_and_counts_per_class():
    people_only = route("ab", ("a", "in"), ("b", "in"), classes=["person"])
    w = Walk(engine(people_only))
    w.path(1, downward(300, 200, 800), cls="bicycle")
    w.path(2, downward(600, 200, 800))
    assert [(e.class_name, e.track_id) for e in w.routes()] == [("person", 2)]


def test_two_people_interleaved_each_complete_their_own_route():
    w = Walk(engine(route("ab", ("a", "in"), ("b", "in"))))
    first, second = downward(300, 200, 800), downward(700, 100, 800)  # the second starts later
    for (x1, y1), (x2, y2) in zip(first + first[-1:] * 2, second, strict=True):
        w.step(obj(1, x1, y1), obj(2, x2, y2))
    assert sorted(e.track_id for e in w.routes()) == [1, 2]


def test_zone_set_refuses_a_route_naming_an_unknown_shape_or_with_one_step():
    with pytest.raises(ValidationError, match="step 2 names 'nowhere'"):
        ZoneSet(camera_id="c", frame_width=1000, frame_height=1000, lines=[A],
                routes=[route("r", ("a", "in"), ("nowhere", "any"))])
    with pytest.raises(ValidationError, match="at least 2"):
        ZoneSet(camera_id="c", frame_width=1000, frame_height=1000, lines=[A],
                routes=[{"id": "r", "steps": [{"shape_id": "a"}]}])
    with pytest.raises(ValidationError, match="id 'a' is taken"):
        ZoneSet(camera_id="c", frame_width=1000, frame_height=1000, lines=[A, B],
                routes=[route("a", ("a", "in"), ("b", "in"))])


def test_older_zone_files_and_count_events_without_routes_still_load():
    old = {"camera_id": "c", "version": 3, "frame_width": 960, "frame_height": 540,
           "lines": [{"id": "door", "points": [[480, 540], [480, 0]]}]}
    assert ZoneSet.model_validate(old).routes == []
    facts = CountEvents.model_validate({
        "message_id": "m1", "timestamp": "2026-01-01T00:00:00Z", "camera_id": "c",
        "frame_id": "f", "frame_timestamp": "2026-01-01T00:00:00Z",
        "events": [{"kind": "line", "shape_id": "door", "direction": "in", "class_name": "person",
                    "track_id": 1, "at": "2026-01-01T00:00:00Z"}]})
    assert facts.events[0].origin is None


def test_redefining_a_route_keeps_its_totals_and_drops_half_done_chains():
    eng = engine(route("ab", ("a", "in"), ("b", "in")))
    w = Walk(eng)
    w.path(1, downward(500, 200, 800))
    w.path(2, downward(300, 200, 500))  # person 2 is half way
    eng.set_zones(eng.zone_set.model_copy(update={"routes": [route("ab", ("a", "in"), ("hall", "out"))]}))
    w.path(2, downward(300, 550, 800))  # leaves the hall: but started under the old steps
    assert w.data.routes == {"ab": {"person": 1}}


def test_another_route_door_in_between_breaks_the_chain():
    # in by C (walking left: "out"), out by A (walking up); then the same track comes back down
    # through A and leaves right through C
    e_to_e = route("c-c", ("c", "out"), ("c", "in"))
    c_to_a = route("c-a", ("c", "out"), ("a", "out"))
    w2 = Walk(engine(e_to_e, c_to_a))
    w2.path(1, [(950, 350), (900, 350), (800, 350), (600, 350), (500, 350), (500, 250),
                (500, 200), (500, 150)])
    assert [e.shape_id for e in w2.routes()] == ["c-a"]
    w2.path(1, [(500, 250), (500, 350), (500, 400), (700, 400), (800, 400), (900, 400),
                (950, 400)])
    # back in through A and out through C: "c-c" was broken by A in between
    assert [e.shape_id for e in w2.routes()] == ["c-a"]


def test_a_camera_without_routes_sends_results_an_older_console_reads():
    # the fields routes added are left out of the JSON unless used
    w = Walk(CountingEngine(ZoneSet(camera_id="cam", frame_width=1000, frame_height=1000,
                                    lines=[A], **PLAIN)))
    w.path(1, downward(500, 200, 500))
    assert "routes" not in w.data.model_dump(mode="json")
    assert set(w.events[0].model_dump(mode="json")) == {"kind", "shape_id", "direction", "class_name",
                                        "track_id", "at", "dwell_seconds"}
