"""Occupancy that stays true, on a scripted day: a shop open 08:00-20:00, one visitor every two
minutes staying half an hour, the door missing one exit in ten and, once, an entry; closing-time
reset at 22:00, and the figure corrected by the average visit (Little's law); the same for a
site whose doors are on two cameras."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.helpers.analytics import BERLIN, WorkerFactory, at, event, facts, store
from workers.analytics import AnalyticsClient
from workers.analytics.occupancy import ZoneOccupancy
from workers.analytics.queries import QueryService
from workers.bus import Bus
from workers.contracts import CountEvent, utcnow
from workers.contracts.queries import OccupancyQuery
from workers.contracts.zones import OccupancySettings, ZoneSet
from workers.storage import Database, upgrade
from workers.storage.cameras import add_zone_set

TZ = ZoneInfo(BERLIN)
OPEN, LAST_IN = at("2026-06-10T08:00+02:00"), at("2026-06-10T19:30+02:00")
VISIT = timedelta(minutes=30)
SHOP = OccupancySettings(reset_at="22:00", mean_visit_seconds=VISIT.total_seconds())


def scripted_day(start: datetime = OPEN) -> tuple[list[tuple[datetime, int]], int]:
    """(time, +1 entry / -1 exit) as the door counted them, in time order, and how many exits
    it missed."""
    moves, missed, t, n = [], 0, start, 0
    while t <= start + (LAST_IN - OPEN):
        moves.append((t, +1))
        if n % 10 == 9:
            missed += 1  # the door did not see this one leave
        else:
            moves.append((t + VISIT, -1))
        t, n = t + timedelta(minutes=2), n + 1
    # the cleaner, whom the door never saw come in, leaves before opening: not minus one person
    moves.append((start - timedelta(minutes=1), -1))
    return sorted(moves), missed


def truly_inside(t: datetime, start: datetime = OPEN) -> int:
    """Visitors who entered in (t - VISIT, t]: each stays exactly VISIT."""
    if t < start:
        return 0
    arrivals = [start + timedelta(minutes=2 * k) for k in range(346)]
    return sum(1 for a in arrivals if t - VISIT < a <= t and a <= start + (LAST_IN - OPEN))


def replay(moves, until: datetime, settings=SHOP) -> ZoneOccupancy:
    z = ZoneOccupancy(settings, TZ, OPEN - timedelta(hours=1))
    for t, d in moves:
        if t > until:
            break
        z.add(t, d)
    z.advance(until)
    return z


def test_raw_drifts_the_corrected_figure_holds_and_closing_time_resets_both():
    moves, missed = scripted_day()
    noon = at("2026-06-10T12:00+02:00")
    z = replay(moves, noon)
    true_noon = truly_inside(noon)
    assert true_noon == 15
    missed_by_noon = sum(1 for k in range(346) if k % 10 == 9
                         and OPEN + timedelta(minutes=2 * k) + VISIT <= noon)
    assert z.raw == true_noon + missed_by_noon  # every missed exit is still "inside"
    assert abs(z.corrected() - true_noon) <= 4 < abs(z.raw - true_noon)

    evening = at("2026-06-10T21:00+02:00")  # everyone has gone home
    z = replay(moves, evening)
    assert (z.raw, z.corrected(), truly_inside(evening)) == (missed, 0, 0)
    assert missed == 34

    z = replay(moves, at("2026-06-10T22:00+02:00"))
    assert (z.raw, z.corrected()) == (0, 0)  # closing time


def test_never_below_zero_is_a_setting():
    exits_first = [(OPEN, -1), (OPEN + timedelta(minutes=1), +1)]
    assert replay(exits_first, OPEN + timedelta(minutes=2)).raw == 1
    loose = OccupancySettings(never_below_zero=False)
    assert replay(exits_first, OPEN + timedelta(minutes=2), loose).raw == 0


async def test_the_occupancy_query_charts_raw_and_corrected_and_resets_at_closing_time(
        db: Database) -> None:
    zs = ZoneSet(camera_id="shop", frame_width=100, frame_height=100, zones=[{
        "id": "floor", "name": "Shop floor", "points": [[0, 0], [100, 0], [100, 100]],
        "occupancy": SHOP.model_dump()}])
    async with db.transaction() as session:
        await add_zone_set(session, "shop", 1, zs.model_dump(mode="json"), "m-zs", utcnow())
    two_days = [*scripted_day()[0], *scripted_day(OPEN + timedelta(days=1))[0]]
    await store(db, *[facts("shop", [event(t, "in" if d > 0 else "out", track=k, kind="zone",
                                           shape="floor")])
                      for k, (t, d) in enumerate(two_days)])
    # the second day asked for alone: what happened the day before is replayed from its reset
    day2 = await QueryService(db, BERLIN).occupancy(OccupancyQuery(
        camera_id="shop", period="hourly", start=at("2026-06-11T00:00+02:00"),
        end=at("2026-06-12T00:00+02:00")))
    by_hour = {p.label[11:16]: (p.at_end, p.corrected) for p in day2.points}
    assert by_hour["07:00"] == (0, 0)  # reset at 22:00 the day before: 34 missed exits gone
    noon_raw, noon_corrected = by_hour["11:00"]  # the bucket 11:00-12:00 ends at noon
    assert noon_raw == 15 + 10 and abs(noon_corrected - 15) <= 4
    assert by_hour["20:00"] == (34, 0)  # the raw figure drifted; the estimate knows they left
    assert by_hour["22:00"] == (0, 0)
    assert all(p.at_end >= 0 and p.corrected >= 0 for p in day2.points)


def two_doors() -> tuple[list[CountEvent], list[CountEvent]]:
    """The scripted day at the front door ("door" of camera "front"); at the yard door ("gate"
    of camera "yard") five come in at 10:00 (its "out"), and leave by the front at 10:30."""
    front = [event(t, "in" if d > 0 else "out", track=k, shape="door")
             for k, (t, d) in enumerate(scripted_day()[0])]
    yard = [event(at("2026-06-10T10:00+02:00"), "out", track=900 + k, shape="gate")
            for k in range(5)]
    front += [event(at("2026-06-10T10:30+02:00"), "out", track=900 + k, shape="door")
              for k in range(5)]
    return front, yard


async def test_site_occupancy_over_doors_on_two_cameras(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    """A shop with a front door (camera "front": "in" enters) and a back door (camera "yard":
    its "out" crossing enters); a zone and another line of the front camera are not doors."""
    db = Database(db_url)
    await upgrade(db)
    front, yard = two_doors()
    noise = [event(at("2026-06-10T10:15+02:00"), "in", track=1000, shape="till", kind="zone"),
             event(at("2026-06-10T10:15+02:00"), "in", track=1001, shape="window")]
    await store(db, facts("front", front), facts("yard", yard), facts("front", noise))
    await db.dispose()
    await start_worker(inprocess_bus, db_url)
    reply = await AnalyticsClient(inprocess_bus).site_occupancy(
        name="Shop", period="hourly", start=at("2026-06-10T09:00+02:00"),
        end=at("2026-06-11T00:00+02:00"), occupancy=SHOP,
        doors=[{"camera_id": "front", "line_id": "door"},
               {"camera_id": "yard", "line_id": "gate", "entering": "out"}])
    by_hour = {p.label[11:16]: (p.at_end, p.peak, p.corrected) for p in reply.points}
    # at its fullest, just before the five leave at 10:30: the visitors, the six exits missed by
    # then, and the five from the yard
    assert by_hour["10:00"][1] == 15 + 6 + 5
    raw_noon, _, corrected_noon = by_hour["11:00"]
    assert raw_noon == 15 + 10 and abs(corrected_noon - 15) <= 4
    assert by_hour["20:00"][0::2] == (34, 0) and by_hour["22:00"][0::2] == (0, 0)
