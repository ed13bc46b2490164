"""A known set of tracks gives a known heatmap, cell by cell, flushed per hour as compact facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workers.contracts import ContractError, HeatmapFact
from workers.heatmap.grid import HeatAccumulator, summed

T0 = datetime(2026, 5, 4, 9, 59, 0, tzinfo=UTC)
W, H = 640, 360  # a 64x36 grid: 10 px cells


def box_at(col: int, row: int) -> tuple[float, float, float, float]:
    """A 20x40 box whose bottom centre is in the middle of cell (col, row)."""
    x, y = col * 10 + 5, row * 10 + 5
    return (x - 10, y - 40, x + 10, y)


def run(acc: HeatAccumulator, frames: list[list[tuple[int, tuple]]], step: float = 0.5,
        start: datetime = T0) -> list[HeatmapFact]:
    out = []
    for i, tracks in enumerate(frames):
        out += acc.add(tracks, W, H, start + timedelta(seconds=i * step))
    return out


def test_a_walker_visits_each_cell_once_and_a_stander_dwells_in_one() -> None:
    acc = HeatAccumulator("door")
    # track 1 walks along row 20 from col 10 to col 14, one cell per frame; track 2 stands at
    # (40, 30) for all five frames; track 3 has no id and cannot be followed
    frames = [[(1, box_at(10 + i, 20)), (2, box_at(40, 30)), (None, box_at(0, 0))]
              for i in range(5)]
    assert run(acc, frames) == []
    fact = acc.flush()
    assert fact is not None
    visits, dwell = dict(fact.visits), dict(fact.dwell)
    walk = [20 * 64 + c for c in range(10, 15)]
    stand = 30 * 64 + 40
    assert visits == {**{c: 1 for c in walk}, stand: 1}
    # the walker spends 0.5 s reaching each cell after its first; the stander 4 x 0.5 s
    assert dwell == {**{c: 0.5 for c in walk[1:]}, stand: 2.0}
    assert fact.frames == 5 and fact.first_at == T0
    assert fact.last_at == T0 + timedelta(seconds=2)
    assert acc.flush() is None  # nothing since


def test_coming_back_into_a_cell_is_a_new_visit_and_a_long_gap_adds_no_dwell() -> None:
    acc = HeatAccumulator("door", max_gap_s=2.0)
    a, b = box_at(5, 5), box_at(6, 5)
    run(acc, [[(7, a)], [(7, b)], [(7, a)]])  # a, b, back to a
    # lost for 10 s, then seen again in a: a new visit, and the gap is not dwell
    acc.add([(7, a)], W, H, T0 + timedelta(seconds=11))
    fact = acc.flush()
    assert dict(fact.visits) == {5 * 64 + 5: 3, 5 * 64 + 6: 1}
    assert dict(fact.dwell) == {5 * 64 + 5: 0.5, 5 * 64 + 6: 0.5}


def test_each_hour_is_its_own_fact_and_the_sum_is_the_whole() -> None:
    acc = HeatAccumulator("door", flush_every_s=3600)
    # 9:59:00 to 10:00:59 in 1 s steps: a person standing in one cell the whole time
    facts = run(acc, [[(1, box_at(3, 3))] for _ in range(120)], step=1.0)
    assert [f.hour_start.hour for f in facts] == [9]
    facts.append(acc.flush())
    assert facts[1].hour_start == datetime(2026, 5, 4, 10, tzinfo=UTC)
    cell = 3 * 64 + 3
    assert dict(facts[0].dwell) == {cell: 59.0}  # 9:59:01 .. 9:59:59
    assert dict(facts[1].dwell) == {cell: 60.0}  # 10:00:00 .. 10:00:59
    assert dict(facts[0].visits) == {cell: 1} and facts[1].visits == []  # still standing: one visit
    total = summed(facts)
    assert total.as_array("dwell")[3, 3] == 119.0 and total.visits.sum() == 1


def test_a_partial_hour_is_flushed_every_few_minutes() -> None:
    acc = HeatAccumulator("door", flush_every_s=300)
    facts = run(acc, [[(1, box_at(1, 1))] for _ in range(700)], step=1.0,
                start=datetime(2026, 5, 4, 10, tzinfo=UTC))
    assert [f.frames for f in facts] == [300, 300]
    assert all(f.hour_start.hour == 10 for f in facts)


def test_a_fact_is_compact_and_refuses_what_does_not_fit_its_grid() -> None:
    acc = HeatAccumulator("door")
    run(acc, [[(i, box_at(i % 64, (i // 64) % 36))] for i in range(64 * 36)], step=0.01)
    fact = acc.flush()
    body, _ = fact.to_wire()
    assert len(fact.visits) == 64 * 36 and len(body) < 64_000  # every cell once: still small
    assert HeatmapFact.from_wire(body) == fact
    data = fact.model_dump(mode="json")
    with pytest.raises(ContractError, match="outside the 64x36 grid"):
        HeatmapFact.validate_dict({**data, "visits": [[64 * 36, 1]]})
    with pytest.raises(ContractError, match="listed twice"):
        HeatmapFact.validate_dict({**data, "visits": [[3, 1], [3, 2]]})
    with pytest.raises(ContractError, match="less than or equal to 128"):
        HeatmapFact.validate_dict({**data, "cols": 4096})
