"""The counting engine on synthetic tracks: line crossings, hysteresis, lost tracks, zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workers.contracts.detection import CountingData
from workers.contracts.zones import LineDef, ZoneDef, ZoneSet
from workers.counting import CountingEngine, TrackedObject, anchor_point

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
FPS = 10

#: left to right across the middle of the frame: walking down (y grows) is "in"
DOOR = LineDef(id="door", points=((200, 500), (800, 500)))
ROOM = ZoneDef(id="room", points=[(200, 200), (600, 200), (600, 600), (200, 600)])


def obj(track_id: int, x: float, y: float, cls: str = "person") -> TrackedObject:
    """A box whose bottom centre, the default anchor, is at (x, y)."""
    return TrackedObject(track_id, cls, (x - 20, y - 80, x + 20, y))


#: one rule at a time: these tests pin sides, hysteresis, ages and zones, so the dead band, the
#: confirmation of new tracks and the rejoining of lost ones are off unless a test turns them on
#: (tests/unit/test_counter_holds.py covers them, at their defaults)
PLAIN = {"line_dead_band": 0.0, "min_track_frames": 1, "rejoin_seconds": 0.0}


def config(*shapes: LineDef | ZoneDef, **kw: object) -> ZoneSet:
    return ZoneSet(
        camera_id="cam-1", frame_width=1000, frame_height=1000,
        lines=[s for s in shapes if isinstance(s, LineDef)],
        zones=[s for s in shapes if isinstance(s, ZoneDef)],
        **{**PLAIN, **kw},
    )


class Run:
    """Drives an engine frame by frame at FPS, keeping every event it reported."""

    def __init__(self, *shapes: LineDef | ZoneDef, engine_kw: dict | None = None, **kw: object):
        self.engine = CountingEngine(config(*shapes, **kw), **(engine_kw or {}))
        self.frame = 0
        self.events = []
        self.data = CountingData()

    def time(self, frame: int) -> datetime:
        return T0 + timedelta(seconds=frame / FPS)

    def step(self, *objs: TrackedObject, at: datetime | None = None) -> CountingData:
        self.frame += 1
        self.data = self.engine.update(objs, at or self.time(self.frame))
        self.events.extend(self.data.events)
        return self.data

    def walk(self, track_id: int, points: list[tuple[float, float]], cls: str = "person") -> None:
        for x, y in points:
            self.step(obj(track_id, x, y, cls))

    def idle(self, frames: int) -> None:
        for _ in range(frames):
            self.step()

    def line(self, line_id: str = "door") -> tuple[int, int]:
        counts = self.data.lines[line_id]
        return counts.count_in, counts.count_out


def down(x: float, *ys: float) -> list[tuple[float, float]]:
    return [(x, y) for y in ys]


# --- straight and diagonal crossings -------------------------------------------------------


def test_walking_down_across_a_left_to_right_line_counts_one_in():
    run = Run(DOOR)
    run.walk(1, down(500, 400, 450, 490, 510, 550, 600))

    assert run.line() == (1, 0)
    assert (run.data.count_in, run.data.count_out, run.data.total_count) == (1, 0, 1)
    assert run.data.lines["door"].by_class == {"person": {"in": 1, "out": 0}}
    [event] = run.events
    assert (event.kind, event.shape_id, event.direction) == ("line", "door", "in")
    assert (event.track_id, event.class_name) == (1, "person")
    assert event.at == run.time(4)  # dated to the frame it crossed, not the one that confirmed it


def test_walking_up_counts_one_out():
    run = Run(DOOR)
    run.walk(1, down(500, 600, 550, 510, 490, 450, 400))

    assert run.line() == (0, 1)
    assert run.data.total_count == -1
    assert [e.direction for e in run.events] == ["out"]


def test_flipping_the_line_swaps_in_and_out():
    run = Run(DOOR.flipped())
    run.walk(1, down(500, 400, 450, 550, 600))

    assert run.line() == (0, 1)


def test_diagonal_line_counts_both_directions_and_ignores_walking_along_it():
    diag = LineDef(id="diag", points=((100, 100), (900, 900)))
    run = Run(diag)
    run.walk(1, [(700, 300), (600, 400), (450, 550), (300, 700), (250, 750)])  # left to right: in
    run.walk(2, [(300, 700), (450, 550), (600, 400), (700, 300)])  # back: out
    run.walk(3, [(300, 250), (500, 450), (700, 650), (850, 800)])  # alongside, never across

    assert run.line("diag") == (1, 1)
    assert [(e.track_id, e.direction) for e in run.events] == [(1, "in"), (2, "out")]


def test_fast_mover_jumping_over_the_line_in_one_frame_is_counted():
    run = Run(DOOR)
    run.walk(1, down(500, 100, 900, 950))

    assert run.line() == (1, 0)
    assert run.events[0].at == run.time(2)


def test_passing_beyond_the_end_of_the_line_is_not_counted():
    run = Run(DOOR)  # the drawn segment stops at x = 800
    run.walk(1, down(900, 400, 480, 520, 600))  # straight down past the end
    run.walk(2, [(760, 400), (860, 600), (900, 650)])  # diagonally, crossing y=500 at x=810
    run.walk(3, down(150, 600, 510, 490, 400))  # up past the other end

    assert run.line() == (0, 0)
    assert run.events == []


def test_walking_round_the_end_then_back_across_the_segment_counts_once():
    run = Run(DOOR)
    run.walk(1, [(500, 400), (850, 450), (850, 550), (500, 600), (500, 450), (500, 400)])

    assert run.line() == (0, 1)  # going round was silent; coming back through the door is out


# --- hysteresis ----------------------------------------------------------------------------


def test_jitter_on_the_line_is_not_counted():
    run = Run(DOOR, hysteresis_frames=2)
    run.walk(1, down(500, 400, 490, 510, 490, 510, 495, 505, 490, 480))

    assert run.line() == (0, 0)
    assert run.events == []


def test_jitter_that_settles_on_the_far_side_counts_once():
    run = Run(DOOR, hysteresis_frames=2)
    run.walk(1, down(500, 400, 490, 510, 490, 510, 490, 510, 530, 560, 600))

    assert run.line() == (1, 0)
    assert run.events[0].at == run.time(7)  # the crossing that stuck


def test_jitter_after_a_crossing_does_not_count_it_again_or_back():
    run = Run(DOOR, hysteresis_frames=2)
    run.walk(1, down(500, 400, 450, 520, 560, 495, 505, 495, 505, 498, 520, 560))

    assert run.line() == (1, 0)


def test_turning_back_before_the_hysteresis_is_satisfied_is_not_counted():
    run = Run(DOOR, hysteresis_frames=3)
    run.walk(1, down(500, 450, 490, 510, 530, 480, 450, 400))

    assert run.line() == (0, 0)


def test_crossing_is_confirmed_after_hysteresis_frames_on_the_new_side():
    run = Run(DOOR, hysteresis_frames=3)
    run.walk(1, down(500, 450, 510, 530))
    assert run.line() == (0, 0)  # two frames on the new side: not yet

    run.walk(1, down(500, 550))
    assert run.line() == (1, 0)
    assert [e.at for e in run.data.events] == [run.time(2)]


def test_standing_exactly_on_the_line_is_neither_side():
    run = Run(DOOR, hysteresis_frames=2)
    run.walk(1, down(500, 450, 500, 500, 500, 460, 450))  # steps onto the line and back
    assert run.line() == (0, 0)

    run.walk(1, down(500, 500, 500, 520, 540))  # onto the line, then through
    assert run.line() == (1, 0)
    assert run.events[0].at == run.time(7)  # the frame it reached the line


def test_hysteresis_of_one_frame_counts_immediately():
    run = Run(DOOR, hysteresis_frames=1)
    run.walk(1, down(500, 450, 550))

    assert run.line() == (1, 0)


def test_track_first_seen_astride_the_line_is_not_counted():
    run = Run(DOOR, hysteresis_frames=2)
    run.walk(1, down(500, 505, 495, 505, 520, 540))  # no confirmed side before the flicker

    assert run.line() == (0, 0)


# --- several crossings, objects and classes ---------------------------------------------------


def test_crossing_then_coming_back_later_counts_in_then_out():
    run = Run(DOOR)
    run.walk(1, down(500, 400, 450, 550, 600))
    run.walk(1, down(500, 600, 600, 600, 600, 600))
    run.walk(1, down(500, 550, 450, 400, 350))

    assert run.line() == (1, 1)
    assert run.data.total_count == 0
    assert [e.direction for e in run.events] == ["in", "out"]


def test_two_people_crossing_in_the_same_frames_are_both_counted():
    run = Run(DOOR)
    for y in (400, 450, 550, 600):
        run.step(obj(1, 480, y), obj(2, 520, y))

    assert run.line() == (2, 0)
    assert sorted(e.track_id for e in run.events) == [1, 2]
    assert run.data.lines["door"].by_class == {"person": {"in": 2, "out": 0}}


def test_counts_are_kept_per_class():
    run = Run(DOOR)
    for y in (400, 450, 550, 600):
        run.step(obj(1, 300, y), obj(2, 500, y, "bicycle"), obj(3, 700, 1000 - y))

    assert run.line() == (2, 1)
    assert run.data.lines["door"].by_class == {
        "person": {"in": 1, "out": 1},
        "bicycle": {"in": 1, "out": 0},
    }


def test_line_class_filter_counts_only_its_classes():
    cars_only = LineDef(id="door", points=DOOR.points, classes=["car"])
    run = Run(cars_only)
    for y in (400, 450, 550, 600):
        run.step(obj(1, 300, y), obj(2, 600, y, "car"))

    assert run.line() == (1, 0)
    assert run.data.lines["door"].by_class == {"car": {"in": 1, "out": 0}}
    assert [e.track_id for e in run.events] == [2]


def test_a_frame_misclassified_out_of_the_filter_does_not_lose_the_crossing():
    people = LineDef(id="door", points=DOOR.points, classes=["person"])
    run = Run(people)
    run.walk(1, down(500, 450, 480))
    run.walk(1, down(500, 520), cls="bicycle")  # unseen by this line
    run.walk(1, down(500, 540, 560))

    assert run.line() == (1, 0)
    assert run.events[0].at == run.time(4)


def test_events_hold_only_this_frames_events_while_counts_accumulate():
    run = Run(DOOR)
    run.walk(1, down(500, 450, 550))
    assert len(run.step(obj(1, 500, 560)).events) == 1

    later = run.step(obj(1, 500, 570))
    assert later.events == []
    assert (later.count_in, later.lines["door"].count_in) == (1, 1)


# --- lost and re-found tracks ----------------------------------------------------------------


def test_track_that_crossed_while_unseen_is_counted_when_it_reappears():
    run = Run(DOOR)
    run.walk(1, down(500, 400, 450))
    run.idle(5)
    run.walk(1, down(500, 560, 580))

    assert run.line() == (1, 0)
    assert run.events[0].at == run.time(8)  # first seen on the far side


def test_track_reappearing_beyond_the_segment_end_is_not_counted():
    run = Run(DOOR)
    run.walk(1, down(700, 400, 450))
    run.idle(5)
    run.walk(1, [(990, 560), (990, 580)])  # the straight path misses the segment's end

    assert run.line() == (0, 0)


def test_unconfirmed_crossing_of_a_lost_track_does_not_resume_when_it_reappears_behind():
    run = Run(DOOR, hysteresis_frames=3)
    run.walk(1, down(500, 450, 480, 520))  # one frame past the line, then lost
    run.idle(4)
    run.walk(1, down(500, 470, 460, 450))

    assert run.line() == (0, 0)


def test_track_forgotten_after_max_track_age_frames_starts_afresh():
    run = Run(DOOR, engine_kw={"max_track_age": 5})
    run.walk(1, down(500, 400, 450))
    run.idle(6)
    run.walk(1, down(500, 560, 580, 600))  # id reused far away: no crossing from stale state
    assert run.line() == (0, 0)

    run.walk(1, down(500, 450, 400))  # but it is tracked again from here
    assert run.line() == (0, 1)


def test_track_kept_for_exactly_max_track_age_frames():
    run = Run(DOOR, engine_kw={"max_track_age": 5})
    run.walk(1, down(500, 400, 450))
    run.idle(5)
    run.walk(1, down(500, 560, 580))

    assert run.line() == (1, 0)


def test_track_forgotten_after_max_track_age_seconds():
    run = Run(DOOR, engine_kw={"max_track_age": 1000, "max_track_age_seconds": 0.5})
    run.walk(1, down(500, 400, 450))
    run.idle(6)  # 0.6 s unseen
    run.walk(1, down(500, 560, 580))

    assert run.line() == (0, 0)


# --- zones -----------------------------------------------------------------------------------


def zone(run: Run, zone_id: str = "room"):
    return run.data.zone_analysis[zone_id]


def test_zone_entry_exit_and_dwell_from_timestamps():
    run = Run(ROOM)
    times = [0.0, 1.0, 2.5, 3.0, 7.25, 8.0, 9.75, 10.0]
    xs = [100, 150, 300, 350, 400, 450, 700, 750]
    for t, x in zip(times, xs, strict=True):
        run.step(obj(7, x, 400), at=T0 + timedelta(seconds=t))
        if t == 7.25:
            assert (zone(run).occupancy, zone(run).entries, zone(run).exits) == (1, 1, 0)
            assert zone(run).dwell_seconds == {7: pytest.approx(4.75)}  # since 2.5 s
            assert zone(run).occupancy_by_class == {"person": 1}

    assert (zone(run).occupancy, zone(run).entries, zone(run).exits) == (0, 1, 1)
    assert zone(run).dwell_seconds == {}
    entry, exit_ = run.events
    assert (entry.kind, entry.direction, entry.at) == ("zone", "in", T0 + timedelta(seconds=2.5))
    assert (exit_.direction, exit_.at) == ("out", T0 + timedelta(seconds=9.75))
    assert exit_.dwell_seconds == pytest.approx(7.25)


def test_jitter_on_a_zone_edge_enters_once():
    run = Run(ROOM, hysteresis_frames=2)
    run.walk(1, [(195, 400), (205, 400)] * 4)  # along the left edge, never settling
    assert (zone(run).entries, zone(run).occupancy) == (0, 0)

    run.walk(1, [(205, 400), (210, 400)])
    run.walk(1, [(195, 400), (205, 400)] * 4)
    run.walk(1, [(250, 400)])

    assert (zone(run).entries, zone(run).exits, zone(run).occupancy) == (1, 0, 1)
    assert [e.direction for e in run.events] == ["in"]


def test_track_first_seen_inside_counts_as_an_entry():
    run = Run(ROOM)
    run.walk(1, [(400, 400), (410, 400)])

    assert (zone(run).occupancy, zone(run).entries) == (1, 1)
    assert zone(run).dwell_seconds == {1: pytest.approx(0.1)}


def test_zone_occupancy_per_class_and_class_filter():
    queue = ZoneDef(id="queue", points=[(200, 200), (600, 200), (600, 600)], classes=["person"])
    run = Run(ROOM, queue)
    for _ in range(2):
        run.step(obj(1, 450, 300), obj(2, 300, 450), obj(3, 500, 300, "dog"), obj(4, 900, 900))

    assert zone(run).occupancy == 3
    assert zone(run).occupancy_by_class == {"person": 2, "dog": 1}
    assert zone(run, "queue").occupancy_by_class == {"person": 1}  # no dogs; (300, 450) is outside
    assert set(zone(run, "queue").dwell_seconds) == {1}


def test_zone_occupant_lost_for_good_exits_with_its_dwell():
    run = Run(ROOM, engine_kw={"max_track_age": 3})
    run.walk(1, [(400, 400)] * 5)
    run.idle(3)
    assert zone(run).occupancy == 1  # may still come back

    run.idle(1)
    assert (zone(run).occupancy, zone(run).exits) == (0, 1)
    [exit_] = run.data.events
    assert exit_.at == run.time(5)  # when it was last seen inside
    assert exit_.dwell_seconds == pytest.approx(0.4)


def test_zones_and_lines_count_independently_in_the_same_frames():
    run = Run(DOOR, ROOM)
    run.walk(1, down(400, 300, 400, 550, 650, 700))

    assert run.line() == (1, 0)
    assert (zone(run).entries, zone(run).exits, zone(run).occupancy) == (1, 1, 0)


# --- reconfiguration -------------------------------------------------------------------------


def test_set_zones_mid_stream_keeps_surviving_totals_and_applies_at_the_next_frame():
    run = Run(DOOR, ROOM)
    run.walk(1, down(500, 400, 450, 550, 600))
    assert run.data.zones_version == 1

    side_door = LineDef(id="side", points=((100, 100), (100, 900)))
    run.engine.set_zones(config(DOOR, side_door, version=2))
    assert run.engine.zone_set.version == 1  # not before the next frame

    run.walk(1, down(500, 600))
    assert run.data.zones_version == 2
    assert set(run.data.lines) == {"door", "side"}
    assert run.data.zone_analysis == {}
    assert run.line() == (1, 0)
    assert run.line("side") == (0, 0)

    run.walk(1, down(500, 450, 400))
    assert run.line() == (1, 1)
    assert run.data.total_count == 0


def test_removed_line_keeps_its_share_of_the_camera_totals():
    run = Run(DOOR)
    run.walk(1, down(500, 400, 450, 550, 600))
    run.engine.set_zones(config(version=2))
    run.idle(1)

    assert run.data.lines == {}
    assert (run.data.count_in, run.data.total_count) == (1, 1)


def test_moving_a_line_does_not_count_people_it_moved_across():
    run = Run(DOOR)
    run.walk(1, down(500, 400, 450, 550, 560))
    lower = LineDef(id="door", points=((200, 700), (800, 700)))
    run.engine.set_zones(config(lower, version=2))
    run.walk(1, down(500, 560, 560, 560))  # now above the moved line, without walking
    assert run.line() == (1, 0)

    run.walk(1, down(500, 650, 750, 800))
    assert run.line() == (2, 0)


def test_crossing_a_moved_line_right_after_the_move_is_counted():
    run = Run(DOOR)
    run.walk(1, down(500, 400, 450, 550, 560))
    run.engine.set_zones(config(LineDef(id="door", points=((200, 600), (800, 600))), version=2))
    run.walk(1, down(500, 580, 640, 680))  # its side of the old line says nothing about the new

    assert run.line() == (2, 0)


def test_changing_the_anchor_does_not_count_a_phantom_crossing():
    run = Run(DOOR)
    run.walk(1, down(500, 400, 450, 520, 520))  # feet below the line, box centre above it
    assert run.line() == (1, 0)

    run.engine.set_zones(config(DOOR, version=2, anchor="center"))
    run.walk(1, down(500, 520, 520, 520))

    assert run.line() == (1, 0)


def test_reshaped_zone_keeps_its_occupants_and_their_dwell():
    run = Run(ROOM)
    run.walk(1, [(400, 400)] * 3)
    bigger = ROOM.model_copy(update={"points": [(100, 100), (700, 100), (700, 700), (100, 700)]})
    run.engine.set_zones(config(bigger, version=2))
    run.walk(1, [(400, 400)])

    assert (zone(run).occupancy, zone(run).entries) == (1, 1)
    assert zone(run).dwell_seconds == {1: pytest.approx(0.3)}


# --- anchors and scale -----------------------------------------------------------------------


def test_anchor_point_per_setting():
    box = (100, 200, 140, 300)
    assert anchor_point(box) == (120, 300)
    assert anchor_point(box, "center") == (120, 250)
    assert anchor_point(box, "top_center") == (120, 200)


def test_top_center_anchor_counts_when_the_head_crosses():
    run = Run(DOOR, anchor="top_center")
    run.walk(1, down(500, 520, 560, 600, 620))  # feet below the line, head 80 px higher crosses

    assert run.line() == (1, 0)


def test_a_crowd_crossing_many_lines_is_counted_exactly():
    lines = [LineDef(id=f"l{y}", points=((0, y), (1000, y))) for y in range(100, 1000, 100)]
    run = Run(*lines, ROOM)
    walkers = range(100)
    for y in range(50, 960, 20):
        run.step(*(obj(i, 5 + i * 9.9, y) for i in walkers))

    assert all(run.line(line.id) == (100, 0) for line in lines)
    assert run.data.total_count == 900
    assert zone(run).entries == zone(run).exits == 41  # walkers with 200 <= x <= 600
