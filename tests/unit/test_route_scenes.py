"""Routes counted exactly on generated scenes whose routes are known by construction."""

from __future__ import annotations

import pytest

from workers.accuracy.routes import count_routes, route_matrix
from workers.samples.route_scenes import SIDES, make_route_scene, route_zone_set


def test_the_scenes_hold_every_route():
    seen = set()
    for seed in range(4):
        _, truth = make_route_scene(people=10, seed=seed)
        seen |= set(truth.matrix())
    assert seen == {(a, b) for a in SIDES for b in SIDES}


@pytest.mark.parametrize("tracker", ["bytetrack", "iou"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_routes_are_counted_exactly_with_their_transit_times(seed: int, tracker: str):
    scene, truth = make_route_scene(people=10, seed=seed)
    zones = route_zone_set(scene.truth.width, scene.truth.height)
    events = count_routes(scene.truth, zones, tracker=tracker, jitter=0.02, seed=seed)
    assert route_matrix(events) == truth.matrix()
    # through the street in 3-5 s at a walking pace; a U-turn takes longer than zero
    assert all(0 < e.dwell_seconds < 30 for e in events)
