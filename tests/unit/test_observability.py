"""The observability bound: which true crossings the simulated detector saw on both sides."""

from __future__ import annotations

from dataclasses import replace

from workers.accuracy.noise import Noise, simulate
from workers.accuracy.observability import DetectionLog
from workers.samples.scenarios import make_scenario


def sightings(noise: Noise, *, kind: str = "pairs", window_s: float = 1.0) -> list:
    truth = make_scenario(kind, people=4, fps=10).truth
    log = DetectionLog()
    simulate(truth, noise, seed=0, on_detections=log)
    return log.sightings(truth, window_s=window_s)


def test_without_noise_every_crossing_is_seen_on_both_sides_every_frame_of_the_window() -> None:
    found = sightings(Noise.none())
    assert found and all(s.observable for s in found)
    # 10 frames a side in 1 s, but for the one or two a walker spends in the line's dead band
    assert all(8 <= s.before <= 10 and 8 <= s.after <= 11 for s in found)


def test_a_detector_that_misses_everyone_leaves_nothing_observable() -> None:
    found = sightings(replace(Noise.none(), drop=1.0, occluded_drop=1.0))
    assert found and not any(s.observable for s in found)


def test_false_positives_are_nobody_s_sighting() -> None:
    quiet = sightings(replace(Noise.none(), drop=1.0, occluded_drop=1.0, ghosts=2.0, doubles=1.0))
    assert not any(s.before or s.after for s in quiet)


def test_a_person_seen_on_scattered_frames_is_observable_but_not_followed() -> None:
    full = sightings(Noise.none())
    assert all(s.followed and s.before_run == s.before for s in full)
    # every other frame dropped at random is still often a run of two; nearly all dropped is not
    sparse = sightings(replace(Noise.none(), drop=0.85, occluded_drop=0.85))
    assert any(s.observable and not s.followed for s in sparse)
    assert all(s.before_run <= s.before and s.after_run <= s.after for s in sparse)
