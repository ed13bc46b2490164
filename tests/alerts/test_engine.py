"""The rules, driven with an explicit clock: when they raise, how often, and when they resolve."""

from __future__ import annotations

from datetime import UTC, datetime

from workers.alerts.directory import CameraDirectory, SavedCamera
from workers.alerts.engine import Change, RuleEngine, Subject
from workers.contracts import (
    CameraConfig,
    CameraControl,
    CameraStatus,
    DetectionBlock,
    DetectionResult,
    SystemEvent,
    ZoneSet,
)
from workers.contracts.alerting import (
    CameraOfflineRule,
    CrossingsRule,
    ErrorQueueRule,
    QueueDepthRule,
    WorkerSilentRule,
    ZoneOccupancyRule,
)
from workers.contracts.detection import CountEvent, CountingData, ZoneAnalysis
from workers.contracts.zones import ZoneDef


def result(cam: str, occupancy: dict[str, int] | None = None, crossings: int = 0) -> DetectionResult:
    now = datetime.now(UTC)
    return DetectionResult(
        camera_id=cam, frame_id="f", frame_timestamp=now, frame_width=960, frame_height=540,
        detection_results=DetectionBlock(total_count=0, processing_time=0.01, model_version="t"),
        counting_data=CountingData(
            zone_analysis={z: ZoneAnalysis(occupancy=n) for z, n in (occupancy or {}).items()},
            events=[CountEvent(kind="line", shape_id="door", direction="in", class_name="person",
                               track_id=i, at=now) for i in range(crossings)]))


def run(engine: RuleEngine, until: float, step: float = 0.5, start: float = 0.0,
        feed=None) -> list[tuple[float, Change]]:
    """Evaluate every ``step`` s from ``start`` to ``until``; ``feed(t)`` observes first."""
    out = []
    t = start
    while t <= until + 1e-9:
        if feed is not None:
            feed(t)
        out += [(t, c) for c in engine.evaluate(t)]
        t = round(t + step, 6)
    return out


def occupancy_rule(**kw) -> ZoneOccupancyRule:
    return ZoneOccupancyRule(id="crowd", zones=["queue"], above=5, for_seconds=10,
                             cooldown_seconds=60, **kw)


def test_occupancy_above_n_for_less_than_t_raises_nothing() -> None:
    engine = RuleEngine([occupancy_rule()])
    # 8 people for 9.5 s, then 3
    changes = run(engine, 30, feed=lambda t: engine.on_result(
        result("entrance", {"queue": 8 if t < 9.5 else 3}), t))
    assert changes == []


def test_occupancy_above_n_for_longer_raises_once_then_resolves() -> None:
    engine = RuleEngine([occupancy_rule(severity="critical")])
    changes = run(engine, 40, feed=lambda t: engine.on_result(
        result("entrance", {"queue": 8 if t < 25 else 3, "other": 50}), t))
    assert [(t, c.action) for t, c in changes] == [(10.0, "raise"), (25.0, "resolve")]
    raised = changes[0][1]
    assert (raised.subject.camera_id, raised.subject.zone_id, raised.value) == ("entrance", "queue", 8)
    assert raised.message == "Zone queue on camera entrance: 8 present, more than 5 for 10 s"
    assert changes[1][1].message.startswith("Resolved after 25 s: Zone queue")


def test_alerts_are_worded_in_the_sites_language() -> None:
    engine = RuleEngine([occupancy_rule()])
    engine.set_language("vi")
    changes = run(engine, 40, feed=lambda t: engine.on_result(
        result("entrance", {"queue": 8 if t < 25 else 3}), t))
    assert [c.message for _, c in changes] == [
        "Vùng queue của camera entrance: có 8 người, nhiều hơn 5 trong 10 giây",
        "Đã kết thúc sau 25 giây: Vùng queue của camera entrance: có 8 người, nhiều hơn 5 trong "
        "10 giây"]


def test_occupancy_flapping_raises_once_per_cooldown() -> None:
    engine = RuleEngine([occupancy_rule()])
    # crowded for 15 s out of every 20 s, for 3 minutes; cooldown 60 s
    changes = run(engine, 180, feed=lambda t: engine.on_result(
        result("entrance", {"queue": 8 if t % 20 < 15 else 1}), t))
    raises = [t for t, c in changes if c.action == "raise"]
    assert raises == [10.0, 70.0, 130.0]
    assert all(b - a >= 60 for a, b in zip(raises, raises[1:], strict=False))


def test_occupancy_without_fresh_results_does_not_alert() -> None:
    engine = RuleEngine([occupancy_rule(stale_seconds=3)])
    engine.on_result(result("entrance", {"queue": 9}), 0.0)  # then the camera goes quiet
    assert run(engine, 30) == []


def test_camera_offline_for_a_short_blip_does_not_alert_but_a_longer_outage_does() -> None:
    engine = RuleEngine([CameraOfflineRule(id="cam-down", for_seconds=3, severity="critical")])

    def feed(t: float) -> None:  # status every 0.5 s: offline 10-12 s (a blip), 20-30 s
        state = "offline" if 10 <= t < 12 or 20 <= t < 30 else "online"
        engine.on_status(CameraStatus(camera_id="gate", state=state,
                                      detail="connection refused" if state != "online" else ""), t)

    changes = run(engine, 40, feed=feed)
    assert [(t, c.action) for t, c in changes] == [(23.0, "raise"), (30.0, "resolve")]
    assert changes[0][1].message == ("Camera gate offline (connection refused) for more than 3 s")
    assert changes[0][1].subject.camera_id == "gate"


def test_a_camera_whose_status_stops_counts_as_offline() -> None:
    engine = RuleEngine([CameraOfflineRule(id="cam-down", for_seconds=3)], camera_silence_s=5)
    engine.on_status(CameraStatus(camera_id="gate", state="online"), 0.0)
    changes = run(engine, 10)
    assert [(t, c.action) for t, c in changes] == [(8.0, "raise")]
    assert "silent" in changes[0][1].message


def camera_worker_beat(worker: str, group: str | None, state: str = "running") -> SystemEvent:
    return SystemEvent(event_type="health", source=worker,
                       data={"role": "camera", "state": state, "group": group})


def test_a_saved_camera_no_camera_worker_serves_alerts_by_name_until_a_worker_serves_it() -> None:
    directory = CameraDirectory(saved={
        "yard": SavedCamera(name="Yard gate", group="south"),
        "door": SavedCamera(name="Front door", group="north"),
        "spare": SavedCamera(name="Spare", group="south", enabled=False)})
    engine = RuleEngine([CameraOfflineRule(id="cam-down", for_seconds=2)], directory=directory,
                        worker_silence_s=15)

    def feed(t: float) -> None:  # a north worker all along; a south one from 40 s
        if t % 5 == 0:
            engine.on_health(camera_worker_beat("cam-north", "north"), t)
            engine.on_status(CameraStatus(camera_id="door", state="online"), t)
            if t >= 40:
                engine.on_health(camera_worker_beat("cam-south", "south"), t)

    changes = run(engine, 60, feed=feed)
    # judged once the workers had 15 s to say they run; raised 2 s later; served at 40 s
    assert [(t, c.action, c.subject.camera_id) for t, c in changes] == [
        (17.0, "raise", "yard"), (40.0, "resolve", "yard")]
    assert changes[0][1].message == ("Camera Yard gate has no camera worker: none runs for its "
                                     "group 'south' for more than 2 s")


def test_a_camera_whose_only_worker_goes_silent_says_so_by_name() -> None:
    directory = CameraDirectory(saved={"yard": SavedCamera(name="Yard gate")})
    engine = RuleEngine([CameraOfflineRule(id="cam-down", for_seconds=0)], directory=directory,
                        camera_silence_s=5, worker_silence_s=15)

    def feed(t: float) -> None:  # one worker for every group, killed at 30 s
        if t < 30 and t % 5 == 0:
            engine.on_health(camera_worker_beat("local", None), t)
        if t < 30:
            engine.on_status(CameraStatus(camera_id="yard", state="online"), t)

    changes = run(engine, 60, feed=feed)
    assert [(t, c.action) for t, c in changes] == [(34.5, "raise")]
    assert changes[0][1].message.startswith("Camera Yard gate silent")


def test_alerts_name_cameras_and_zones_as_people_do() -> None:
    directory = CameraDirectory()
    directory.set_zones(ZoneSet(camera_id="entrance", frame_width=960, frame_height=540, zones=[
        ZoneDef(id="left", name="Left half", points=[(0, 0), (480, 0), (480, 540), (0, 540)])]))
    directory.on_control(CameraControl(camera_id="entrance", action="configure", config=CameraConfig(
        camera_id="entrance", name="Entrance", source="x.mp4")))
    engine = RuleEngine([ZoneOccupancyRule(id="crowd", above=1, for_seconds=0)],
                        directory=directory)
    engine.on_result(result("entrance", {"left": 3}), 0.0)
    [change] = engine.evaluate(0.0)
    assert change.message == "Zone Left half on camera Entrance: 3 present, more than 1 for 0 s"


def test_a_silent_worker_alerts_and_its_return_resolves() -> None:
    engine = RuleEngine([WorkerSilentRule(id="silent", roles=["detector"], for_seconds=15)])

    def beat(worker: str, role: str, state: str = "running") -> SystemEvent:
        return SystemEvent(event_type="health", source=worker, data={"role": role, "state": state})

    def feed(t: float) -> None:
        if t % 5 == 0:
            engine.on_health(beat("analytics-1", "analytics"), t)  # not watched
            if t < 10 or t >= 40:
                engine.on_health(beat("det-1", "detector"), t)
            if t < 10:
                engine.on_health(beat("det-2", "detector"), t)
            if t == 10:  # det-2 stops cleanly: no alert
                engine.on_health(beat("det-2", "detector", "stopped"), t)

    changes = run(engine, 60, feed=feed)
    assert [(t, c.action, c.subject.name) for t, c in changes] == [
        (20.0, "raise", "det-1"), (40.0, "resolve", "det-1")]


def test_crossings_above_and_below_a_threshold_in_a_period() -> None:
    engine = RuleEngine([
        CrossingsRule(id="rush", lines=["door"], period_seconds=10, above=20, cooldown_seconds=0),
        CrossingsRule(id="quiet", lines=["door"], period_seconds=10, below=3, cooldown_seconds=0)])

    def feed(t: float) -> None:
        # 1 crossing a second, a rush of 5 a second from 30 to 40 s, none from 50 s
        if t == int(t) and t < 50:
            engine.on_result(result("entrance", crossings=5 if 30 <= t < 40 else 1), t)

    changes = run(engine, 65, feed=feed)
    assert [(t, c.rule.id, c.action) for t, c in changes] == [
        (32.0, "rush", "raise"), (47.5, "rush", "resolve"), (57.5, "quiet", "raise")]
    assert changes[2][1].message == "Camera entrance: 2 crossings in the last 10 s, fewer than 3"


def test_queue_depth_and_a_growing_error_queue() -> None:
    engine = RuleEngine([
        QueueDepthRule(id="backlog", queues=["camera.detection.results"], above=100, for_seconds=5),
        ErrorQueueRule(id="errors", min_growth=5, period_seconds=10, severity="critical")])

    def feed(t: float) -> None:
        engine.on_depths({"camera.detection.results": 500 if 10 <= t < 20 else 10,
                          "dead.letter.error": 3 if t < 30 else 12}, t)

    changes = run(engine, 60, step=1.0, feed=feed)
    assert [(t, c.rule.id, c.action) for t, c in changes] == [
        (15.0, "backlog", "raise"), (20.0, "backlog", "resolve"),
        (30.0, "errors", "raise"), (40.0, "errors", "resolve")]
    assert changes[2][1].value == 9


# -- alerts taken over from an earlier run (the engine restarted while they were open) ---------

def test_a_silent_worker_alert_taken_over_stays_open_until_the_worker_beats_again() -> None:
    engine = RuleEngine([WorkerSilentRule(id="silent", roles=["detector"], for_seconds=15)])
    # raised 100 s before the restart, and the worker has not been heard of since
    assert engine.adopt("silent", Subject(name="det-1"), "Worker det-1 silent", 100.0, 0.0)

    def feed(t: float) -> None:
        if t >= 300 and t % 5 == 0:
            engine.on_health(SystemEvent(event_type="health", source="det-1",
                                         data={"role": "detector", "state": "running"}), t)

    changes = run(engine, 310, step=1.0, feed=feed)
    assert [(t, c.action, c.subject.name) for t, c in changes] == [(300.0, "resolve", "det-1")]
    assert changes[0][1].message.endswith("Worker det-1 silent")


def test_an_occupancy_alert_taken_over_waits_for_news_of_its_zone() -> None:
    engine = RuleEngine([occupancy_rule()], adopted_unheard_s=60)
    raised = "Zone queue on camera entrance: 8 present"
    assert engine.adopt("crowd", Subject("entrance", "queue"), raised, 30.0, 0.0)

    def feed(t: float) -> None:  # the camera reports again 20 s after the restart
        if t >= 20:
            engine.on_result(result("entrance", {"queue": 8 if t < 40 else 2}), t)

    changes = run(engine, 100, feed=feed)
    # neither resolved for lack of news nor raised a second time: resolved when it ends
    assert [(t, c.action) for t, c in changes] == [(40.0, "resolve")]
    assert changes[0][1].message.endswith(raised)


def test_an_alert_taken_over_whose_subject_is_never_heard_of_is_closed_as_unknown() -> None:
    engine = RuleEngine([QueueDepthRule(id="backlog", queues=["camera.detection.results"],
                                        above=100, for_seconds=5)], adopted_unheard_s=60)
    assert engine.adopt("backlog", Subject(name="camera.detection.results"), "Queue deep",
                        10.0, 0.0)
    changes = run(engine, 120, step=1.0)
    assert [(t, c.action) for t, c in changes] == [(60.0, "resolve")]
    assert changes[0][1].message == ("Closed, nothing heard of it for 60 s since the alert "
                                     "engine restarted: Queue deep")
