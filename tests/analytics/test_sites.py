"""Stored sites: a shop with a front door and a yard gate on two cameras, and its fitting room
(a zone), saved by an admin over the analytics worker's request API, read back, renamed,
refused when it clashes, deleted; and its occupancy on a scripted day asked for by its id, kept
true by the site's own settings (closing-time reset, never below zero, the average visit)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.analytics.test_occupancy import OPEN, SHOP, TZ, two_doors
from tests.analytics.test_reports import pdf_words, produced, request
from tests.helpers.analytics import WorkerFactory, at, event, facts, store
from tests.helpers.waiting import until
from workers import i18n
from workers.analytics import AnalyticsClient
from workers.analytics.client import RequestFailed
from workers.bus import Bus, Delivery, RemoteError
from workers.contracts import SystemEvent
from workers.contracts.queries import AnalyticsRequest, SaveSite
from workers.contracts.sites import SITES_CONFIG, Site
from workers.storage import Database, upgrade

SHOP_SITE = Site(id="shop", name="Shop", occupancy=SHOP, max_occupancy=40,
                 doors=[{"camera_id": "front", "line_id": "door"},
                        {"camera_id": "yard", "line_id": "gate", "entering": "out"}])


def edited(site: Site, **changes: object) -> Site:
    """``site`` with ``changes``, validated as a saved one is."""
    return Site.model_validate({**site.model_dump(), **changes})


async def test_an_admin_saves_renames_and_deletes_a_site_and_rule_engines_hear_of_it(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    await start_worker(inprocess_bus, db_url)
    announced: list[SystemEvent] = []

    async def on_event(e: SystemEvent, _: Delivery) -> None:
        if e.event_type == "config" and e.data.get("config") == SITES_CONFIG:
            announced.append(e)

    await inprocess_bus.subscribe(inprocess_bus.topology.system_events, [], on_event,
                                  model=SystemEvent)
    client = AnalyticsClient(inprocess_bus)
    assert await client.sites() == []
    saved = await client.save_site(SHOP_SITE)
    assert saved.saved and saved.sites == [SHOP_SITE]
    await until(lambda: len(announced) == 1, what="the sites change announced")

    # a second site under the same name, or a new one under a taken id: refused, nothing saved
    clash = await client.save_site(edited(SHOP_SITE, id="shop-2"))
    assert not clash.saved and "a site named 'Shop' exists already" in (clash.error or "")
    assert clash.error_phrase is not None  # and in the reader's language
    assert i18n.say(clash.error_phrase, "ko") == "이름이 'Shop'인 사이트가 이미 있습니다"
    taken = await client.save_site(edited(SHOP_SITE, name="Other"))
    assert not taken.saved and "id 'shop' exists already" in (taken.error or "")
    assert await client.sites() == [SHOP_SITE]

    # renamed, with a zone added and a new closing time: the old id is gone
    fitting = edited(SHOP_SITE, id="shop-west", name="Shop (west)",
                     zones=[{"camera_id": "front", "zone_id": "fitting"}],
                     occupancy={**SHOP.model_dump(), "reset_at": "21:00"})
    assert (await client.save_site(fitting, replaces="shop")).saved
    assert await client.sites() == [fitting]

    assert (await client.delete_site("shop-west")).saved
    gone = await client.delete_site("shop-west")
    assert not gone.saved and gone.error == "no site 'shop-west' is stored"
    assert await client.sites() == []
    await until(lambda: len(announced) == 3, what="each change announced")

    # a site with nothing that counts is refused before asking
    with pytest.raises(RequestFailed, match="has no door and no zone"):
        await client.save_site(Site.model_construct(id="x", name="Empty", doors=[], zones=[]))


async def test_a_save_sent_through_the_question_exchange_is_refused(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    await start_worker(inprocess_bus, db_url)
    t = inprocess_bus.topology
    with pytest.raises(RemoteError, match="not taken on the read-only query exchange"):
        await inprocess_bus.request(t.rpc_analytics, AnalyticsRequest(query=SaveSite(
            site=SHOP_SITE)), exchange=t.queries, timeout=5)
    assert await AnalyticsClient(inprocess_bus).sites() == []


async def test_a_stored_sites_occupancy_on_a_scripted_day(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    """Visitors come in by the front door and leave by it (missing one exit in ten); five come in
    through the yard gate (its "out"); three in the fitting room from 15:00 to 16:10 are counted
    by the zone; a cleaner leaves by the front before opening (never below zero); closing at 22:00."""
    db = Database(db_url)
    await upgrade(db)
    front, yard = two_doors()
    fitting = [event(at("2026-06-10T15:00+02:00"), "in", track=950 + k, shape="fitting",
                     kind="zone") for k in range(3)]
    fitting += [event(at("2026-06-10T16:10+02:00"), "out", track=950 + k, shape="fitting",
                      kind="zone") for k in range(3)]
    other_line = [event(at("2026-06-10T10:15+02:00"), "in", track=1001, shape="window")]
    await store(db, facts("front", front), facts("yard", yard), facts("front", fitting),
                facts("front", other_line))
    await db.dispose()
    await start_worker(inprocess_bus, db_url)
    client = AnalyticsClient(inprocess_bus)
    site = edited(SHOP_SITE, zones=[{"camera_id": "front", "zone_id": "fitting"}])
    assert (await client.save_site(site)).saved
    reply = await client.site_occupancy(site_id="shop", period="hourly",
                                        start=at("2026-06-10T07:00+02:00"),
                                        end=at("2026-06-11T00:00+02:00"))
    assert (reply.name, reply.max_occupancy) == ("Shop", 40)
    by_hour = {p.label[11:16]: (p.at_end, p.peak, p.corrected) for p in reply.points}
    assert by_hour["07:00"][0] == 0  # the cleaner's exit at 07:59 is not minus one person
    # at its fullest just before the five from the yard leave at 10:30 (six exits missed by then)
    assert by_hour["10:00"][1] == 15 + 6 + 5
    raw_noon, _, corrected_noon = by_hour["11:00"]
    assert raw_noon == 15 + 10 and abs(corrected_noon - 15) <= 4
    # the fitting room's three count while they are in it (15:00-16:10), not after
    doors_only = await client.site_occupancy(
        doors=SHOP_SITE.doors, occupancy=SHOP, period="hourly",
        start=at("2026-06-10T07:00+02:00"), end=at("2026-06-11T00:00+02:00"))
    extra = {p.label[11:16]: a.at_end - p.at_end
             for a, p in zip(reply.points, doors_only.points, strict=True)}
    assert extra.pop("15:00") == 3  # the bucket that ends at 16:00
    assert set(extra.values()) == {0}
    assert by_hour["20:00"][0::2] == (34, 0)  # the raw figure drifted; the estimate did not
    assert by_hour["22:00"][0::2] == (0, 0)  # closing time
    assert all(p.at_end >= 0 and (p.corrected or 0) >= 0 for p in reply.points)

    # the same site without the reset: the drift is still there at midnight
    loose = edited(site, occupancy={**SHOP.model_dump(), "reset_at": None})
    assert (await client.save_site(loose, replaces="shop")).saved
    late = await client.site_occupancy(site_id="shop", period="daily", start=OPEN,
                                       end=OPEN + timedelta(hours=16))
    assert late.points[-1].at_end == 34

    with pytest.raises(RequestFailed, match="no site 'nowhere' is stored"):
        await client.site_occupancy(site_id="nowhere", period="hourly", start=OPEN,
                                    end=OPEN + timedelta(hours=1))


async def test_the_pdf_report_charts_the_sites_on_its_cameras(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    db = Database(db_url)
    await upgrade(db)
    front, yard = two_doors()
    await store(db, facts("front", front), facts("yard", yard))
    await db.dispose()
    await start_worker(inprocess_bus, db_url)
    client = AnalyticsClient(inprocess_bus)
    assert (await client.save_site(SHOP_SITE)).saved
    elsewhere = edited(SHOP_SITE, id="depot", name="Depot",
                       doors=[{"camera_id": "depot", "line_id": "door"}])
    assert (await client.save_site(elsewhere)).saved
    text = pdf_words(await produced(inprocess_bus, request(
        camera_ids=["front"], date_range={"start": "2026-06-09T22:00:00Z",
                                          "end": "2026-06-10T22:00:00Z"})))
    assert "Occupancy of site Shop" in text and "Depot" not in text  # not on the cameras
    # what the analytics window shows for the same day, bucket by bucket
    day = await client.site_occupancy(site_id="shop", period="hourly", timezone="Europe/Berlin",
                                      start=at("2026-06-10T00:00+02:00"),
                                      end=at("2026-06-11T00:00+02:00"))
    peak = max(p.peak for p in day.points)
    assert peak == 48 and f"Peak: {peak} people at once. Maximum: 40." in text
    assert "Until Inside Most at once Corrected" in text
    table = " ".join(f"{p.end.astimezone(TZ):%H:%M} {p.at_end} {p.peak} {p.corrected}"
                     for p in day.points)
    assert table in text.replace("Until Inside Most at once Corrected ", ""), text  # page breaks
    assert "11:00 22 26" in text and "22:00 0 34 0" in text  # the yard's five; closing time
