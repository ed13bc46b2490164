"""Maximum occupancy of a site whose doors are on two cameras: raised once past the limit for the
set time, not again within the cooldown, not flickering at the limit (hysteresis); the site's
own settings (never below zero, closing-time reset, the corrected figure) hold its figure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.alerts.test_engine import run
from tests.helpers.analytics import FAST, event, facts, store
from tests.helpers.waiting import until
from workers.alerts.engine import RuleEngine
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.bus import Bus, Delivery
from workers.contracts import DetectionResult, SystemEvent, utcnow
from workers.contracts.alerting import AlertingConfig, SiteOccupancyRule
from workers.contracts.detection import CountEvent, CountingData, DetectionBlock
from workers.contracts.sites import Site
from workers.storage import Database, upgrade
from workers.storage.sites import put_site

#: the front door's "in" enters; the yard gate's "out" does (it was drawn the other way round)
SHOP = Site(id="shop", name="Shop", max_occupancy=20,
            doors=[{"camera_id": "front", "line_id": "door"},
                   {"camera_id": "yard", "line_id": "gate", "entering": "out"}])
BASE = datetime(2026, 6, 10, 21, 58, tzinfo=UTC)


def crossings(cam: str, t: float, line: str, direction: str, n: int) -> DetectionResult:
    at = BASE + timedelta(seconds=t)
    return DetectionResult(
        camera_id=cam, frame_id=f"f{t}", frame_timestamp=at, frame_width=960, frame_height=540,
        detection_results=DetectionBlock(total_count=0, processing_time=0.01, model_version="t"),
        counting_data=CountingData(events=[
            CountEvent(kind="line", shape_id=line, direction=direction, class_name="person",
                       track_id=int(t * 100) + i, at=at) for i in range(n)]))


def engine_for(site: Site, rule: SiteOccupancyRule) -> RuleEngine:
    engine = RuleEngine([rule])
    engine.directory.sites = {site.id: site}
    engine.set_timezone("UTC")
    return engine


def script(engine: RuleEngine, moves: dict[float, list[tuple[str, str, str, int]]]
           ) -> Callable[[float], None]:
    """Each camera sends a result every half second; ``moves[t]`` are its crossings then."""
    def feed(t: float) -> None:
        for cam, line in (("front", "door"), ("yard", "gate")):
            events = [(d, n) for c, _, d, n in moves.get(t, []) if c == cam]
            for direction, n in events or [("in", 0)]:
                engine.on_result(crossings(cam, t, line, direction, n), t)
    return feed


def test_a_site_over_its_maximum_raises_once_and_not_again_within_the_cooldown() -> None:
    rule = SiteOccupancyRule(id="full", sites=["shop"], for_seconds=5, hysteresis=3,
                             cooldown_seconds=120)
    engine = engine_for(SHOP, rule)
    moves = {
        1.0: [("front", "door", "out", 2)],  # the cleaner leaves: nobody inside, not minus two
        10.0: [("front", "door", "in", 15), ("yard", "gate", "out", 7)],  # 22 inside
        40.0: [("yard", "gate", "in", 3)],  # 19: at the limit, still over (hysteresis 3)
        45.0: [("front", "door", "in", 1)],  # 20
        60.0: [("front", "door", "out", 6)],  # 14: back under
        70.0: [("yard", "gate", "out", 10)],  # 24 again, within the cooldown
    }
    changes = run(engine, 200, feed=script(engine, moves))
    seen = [(t, c.action, c.value) for t, c in changes]
    assert seen == [(15.0, "raise", 22), (60.0, "resolve", 14), (135.0, "raise", 24)]
    assert changes[0][1].message == "Site Shop: 22 inside, more than 20 for 5 s"


def test_without_a_limit_of_its_own_the_rule_uses_each_sites_maximum() -> None:
    unlimited = Site.model_validate({**SHOP.model_dump(), "id": "yard", "name": "Yard",
                                     "max_occupancy": None})
    rule = SiteOccupancyRule(id="full", for_seconds=0, cooldown_seconds=0)
    engine = RuleEngine([rule])
    engine.directory.sites = {"shop": SHOP, "yard": unlimited}
    changes = run(engine, 20, feed=script(engine, {5.0: [("front", "door", "in", 30)]}))
    assert [(t, c.action, c.subject.name) for t, c in changes] == [(5.0, "raise", "shop")]


def test_closing_time_empties_the_site_and_resolves_its_alert() -> None:
    closing = Site.model_validate({**SHOP.model_dump(), "occupancy": {"reset_at": "22:00"}})
    engine = engine_for(closing, SiteOccupancyRule(id="full", for_seconds=5))
    changes = run(engine, 200, feed=script(engine, {10.0: [("front", "door", "in", 25)]}))
    # nobody was seen leaving; at 22:00 (120 s in) the place is known to be empty
    assert [(t, c.action, c.value) for t, c in changes] == [(15.0, "raise", 25),
                                                            (120.0, "resolve", 0)]


def test_the_corrected_figure_is_the_one_watched_when_the_site_has_an_average_visit() -> None:
    visits = Site.model_validate({**SHOP.model_dump(),
                                  "occupancy": {"mean_visit_seconds": 60, "margin": 0}})
    engine = engine_for(visits, SiteOccupancyRule(id="full", for_seconds=5))
    changes = run(engine, 200, feed=script(engine, {10.0: [("front", "door", "in", 25)]}))
    # the door saw nobody leave; a minute is a visit, so after it they are estimated gone
    assert [(t, c.action) for t, c in changes] == [(15.0, "raise"), (70.0, "resolve")]


async def engine_in_analytics(bus: Bus, db_url: str, tmp_path: Path,
                              ) -> tuple[AnalyticsWorker, list[SystemEvent]]:
    """An analytics worker running a rule for every site (the site's own maximum, 0.5 s), and
    the alerts it raises as announced on ``system.events``."""
    rule = SiteOccupancyRule(id="full", for_seconds=0.5, cooldown_seconds=600)
    analytics = AnalyticsWorker(db_url=db_url, settings=FAST, reports_dir=tmp_path,
                                alerting=AlertingConfig(rules=[rule]))
    await analytics.start(bus)
    raised: list[SystemEvent] = []

    async def on_event(e: SystemEvent, _: Delivery) -> None:
        if e.event_type == "alert" and e.data.get("action") == "raise":
            raised.append(e)

    await bus.subscribe(bus.topology.system_events, [], on_event, model=SystemEvent)
    return analytics, raised


async def test_the_rule_engine_in_the_analytics_worker_watches_a_site_saved_after_it_started(
        inprocess_bus: Bus, tmp_path: Path) -> None:
    """Saved over the request API while the engine runs: the engine hears of it, follows the
    doors' cameras' results, and raises one alert for the site, stored and announced."""
    bus, t = inprocess_bus, inprocess_bus.topology
    analytics, raised = await engine_in_analytics(bus, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
                                                  tmp_path)
    try:
        assert (await AnalyticsClient(bus).save_site(SHOP)).saved
        assert analytics.alerts is not None
        await until(lambda: "shop" in analytics.alerts.engine.directory.sites, what="the site")
        started = asyncio.get_running_loop().time()
        k = 0
        while not raised and asyncio.get_running_loop().time() - started < 10:
            # 15 in by the front door and 7 by the yard gate at first, then nobody moves
            moves = [("front", "door", "in", 15), ("yard", "gate", "out", 7)] if k == 0 else \
                [("front", "door", "in", 0), ("yard", "gate", "out", 0)]
            for cam, line, direction, n in moves:
                await bus.publish(t.camera_events, t.detection_key(cam),
                                  crossings(cam, 1000 + k, line, direction, n), mandatory=False)
            k += 1
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # and no second one
        assert [(e.data["subject"], e.data["message"]) for e in raised] == [
            ("shop", "Site Shop: 22 inside, more than 20 for 0.5 s")]
    finally:
        await analytics.stop()


async def test_after_a_restart_the_engine_starts_from_the_stored_count_events(
        inprocess_bus: Bus, tmp_path: Path) -> None:
    """22 came in before the engine started (stored by analytics); the cameras now send results
    with nobody crossing: the site is still full, and the alert is raised."""
    bus, t = inprocess_bus, inprocess_bus.topology
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    db = Database(db_url)
    await upgrade(db)
    async with db.transaction() as session:
        await put_site(session, SHOP, None, "admin", utcnow())
    earlier = utcnow() - timedelta(minutes=10)
    await store(db, facts("front", [event(earlier, "in", track=k) for k in range(15)]),
                facts("yard", [event(earlier, "out", track=100 + k, shape="gate")
                               for k in range(7)]))
    await db.dispose()
    analytics, raised = await engine_in_analytics(bus, db_url, tmp_path)
    try:
        for _ in range(40):
            if raised:
                break
            for cam in ("front", "yard"):
                quiet = crossings(cam, 0, "door", "in", 0)
                quiet.frame_timestamp = utcnow()
                await bus.publish(t.camera_events, t.detection_key(cam), quiet, mandatory=False)
            await asyncio.sleep(0.25)
        assert [e.data["value"] for e in raised] == [22]
    finally:
        await analytics.stop()
