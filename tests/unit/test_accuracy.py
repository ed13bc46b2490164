"""True crossings from typed CSVs and generated JSON, and matching counts to them."""

from __future__ import annotations

import pytest

from workers.accuracy.matching import CountedEvent, score
from workers.accuracy.truth import TrueCrossing, TruthError, from_csv, from_ground_truth, parse_time
from workers.samples.scenarios import make_scenario


def test_csv_rows_are_frames_or_times_with_a_header_and_comments_ignored() -> None:
    rows = from_csv("frame_or_time,line,direction\n171,door,in\n# a comment\n\n"
                    "17.5s,door,OUT\n0:18.25,door,in\n", fps=10)
    assert [(c.time, c.line, c.direction) for c in rows] == [
        (17.1, "door", "in"), (17.5, "door", "out"), (18.25, "door", "in")]
    assert parse_time("1:02:03", 25) == 3723.0


@pytest.mark.parametrize(("text", "why"), [
    ("171,door,sideways", "direction must be in or out"),
    ("171,door", "expected frame_or_time,line,direction"),
    ("171,door,in\nsoon,door,in", "row 2: 'soon' is neither a frame number nor a time"),
    ("171,,in", "the line id is empty"),
])
def test_csv_mistakes_are_refused_with_the_row(text: str, why: str) -> None:
    with pytest.raises(TruthError, match=why):
        from_csv(text, fps=10, where="typed.csv")


def crossing(t: float, direction: str = "in", line: str = "door", until: float | None = None):
    return TrueCrossing(t, line, direction, t, t if until is None else until)


def event(t: float, direction: str = "in", line: str = "door") -> CountedEvent:
    return CountedEvent(t, round(t * 10), line, direction, 1)


def test_counts_match_within_the_tolerance_per_line_and_direction() -> None:
    truth = [crossing(10), crossing(20), crossing(30, "out")]
    counted = [event(10.8), event(22.0), event(30.1, "in"), event(30.2, "out"), event(5, "in", "exit")]
    result = score(truth, counted, tolerance=1.0)
    rows = {(s.line, s.direction): s.row() for s in result.lines}
    assert rows[("door", "in")] == {"line": "door", "direction": "in", "true": 2, "counted": 3,
                                    "matched": 1, "missed": 1, "extra": 2, "accuracy": -0.5}
    assert rows[("door", "out")]["accuracy"] == 1.0
    assert rows[("exit", "in")]["extra"] == 1 and rows[("exit", "in")]["accuracy"] == 0.0
    assert (result.true, result.missed, result.extra) == (3, 1, 3)
    assert result.accuracy == pytest.approx(1 - 4 / 3)


def test_someone_who_stood_on_the_line_may_be_counted_any_time_they_stood_there() -> None:
    truth = [crossing(10, until=13)]
    assert score(truth, [event(13.5)]).missed == 0
    assert score(truth, [event(14.5)]).missed == 1


def test_each_count_matches_one_crossing_at_most() -> None:
    result = score([crossing(10), crossing(10.5)], [event(10.2)])
    assert (result.missed, result.extra) == (1, 0)
    result = score([crossing(10)], [event(10.2), event(10.3)])
    assert (result.missed, result.extra) == (0, 1)


def test_ground_truth_windows_and_hog_flags() -> None:
    truth = make_scenario("linger", people=2, fps=10).truth
    [c] = from_ground_truth(truth)
    assert c.earliest < c.latest and c.earliest <= c.time <= c.latest
    dark = make_scenario("dark", people=2).truth
    assert [c.hog_visible for c in from_ground_truth(dark)] == [True, False]
