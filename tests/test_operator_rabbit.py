"""An operator account (the permissions of docs/admin.md, made with rabbitmqctl) tries every admin
action by publishing straight to the broker, as a script with its credentials would: the broker
refuses each, and the running workers change nothing. Its acknowledgement of an alert is taken,
recorded as its broker account; one claiming another account is refused by the broker, one that
does not say who sent it is refused by the analytics worker, with the reason in the error
queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aio_pika
import pytest

from tests.helpers.analytics import FAST
from tests.helpers.buses import error_inbox
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until, until_fetched
from tests.rabbit_util import operator_account, purge_namespace
from workers.alerting import store as config_store
from workers.analytics import AnalyticsWorker
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Delivery, NotAllowed, PublishError, RemoteError
from workers.bus.rabbit import RabbitBus
from workers.contracts import (
    AlertAcknowledgement,
    AlertFacts,
    CameraControl,
    ReportRequest,
    SystemEvent,
    WebhookNotification,
    ZoneSet,
    utcnow,
)
from workers.contracts.alerting import (
    AlertingConfig,
    CameraOfflineRule,
    SiteOccupancyRule,
    ZoneOccupancyRule,
)
from workers.contracts.alerting_admin import PutRule, config_event_data
from workers.contracts.notifications import NotifierRequest
from workers.contracts.queries import AnalyticsRequest, FacesViewsQuery, SaveSite, SaveZoneSet
from workers.contracts.sites import Site, SiteDoor
from workers.contracts.zones import LineDef
from workers.notifier.worker import NotifierWorker
from workers.storage import Database
from workers.storage.cameras import stored_zone_set
from workers.storage.models import Alert
from workers.topology import ERROR_HEADER, Topology

pytestmark = pytest.mark.rabbit

RULES = AlertingConfig(rules=[CameraOfflineRule(id="cam-down", for_seconds=30)])
FORGED_RULES = AlertingConfig(rules=[ZoneOccupancyRule(id="forged", above=0)])


def admin_actions(t: Topology) -> dict[str, tuple[str, str, object]]:
    """Every admin action as a publish: (exchange, routing key, message)."""
    return {
        "config event on system.events": (t.system_events, "", SystemEvent(
            event_type="config", source="notifier-1", data=config_event_data(
                2, FORGED_RULES, origin="console", digest="forged", saved_by="admin",
                saved_at=utcnow()))),
        "critical alert on system.events": (t.system_events, "", SystemEvent(
            event_type="alert", source="alerts", severity="critical",
            data={"action": "raise", "rule_id": "cam-down", "message": "forged"})),
        "zone change on camera.events": (t.camera_events, t.control_key("door"), CameraControl(
            camera_id="door", action="set_zones",
            zones=ZoneSet(camera_id="door", version=9, frame_width=640, frame_height=360))),
        "camera stop on camera.events": (t.camera_events, t.control_key("door"),
                                         CameraControl(camera_id="door", action="stop")),
        "rule edit to rpc.notifier": ("", t.rpc_notifier, NotifierRequest(query=PutRule(
            rule=FORGED_RULES.rules[0], base_version=1))),
        "webhook to notification.webhook": ("", t.webhook_queue, WebhookNotification(
            target_id="any", about=AlertFacts(action="raise", alert_id="a", rule_id="r",
                                              severity="critical", message="x", at=utcnow()))),
        "report request on analytics.jobs": (
            t.analytics_jobs, "analytics.report.daily_summary", ReportRequest(
                report_type="daily_summary", format="csv", camera_ids=["door"],
                date_range={"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"})),
    }


async def test_every_admin_action_published_by_an_operator_is_refused_by_the_broker(
        namespace: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    t = topology = Topology(namespace)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}"
    workers = RabbitBus(BROKER_URL, topology, source="workers")  # an admin account
    await workers.start()
    analytics = AnalyticsWorker(db_url=db_url, settings=FAST, reports_dir=tmp_path,
                                alerting=RULES)
    notifier = NotifierWorker(RULES, db_url=db_url, worker_id="notifier-1")
    await analytics.start(workers)
    await notifier.start(workers)
    controls: list[CameraControl] = []
    events: list[SystemEvent] = []

    async def on_control(c: CameraControl, _: Delivery) -> None:
        controls.append(c)

    async def on_event(e: SystemEvent, _: Delivery) -> None:
        events.append(e)

    await workers.subscribe(t.camera_events, [t.control_key("*")], on_control, model=CameraControl)
    await workers.subscribe(t.system_events, [], on_event, model=SystemEvent)
    errors = await error_inbox(workers)
    db = Database(db_url)
    # an alert raised by the rule engine (an admin account), for the operator to acknowledge
    alert = SystemEvent(event_type="alert", source="alerts", severity="warning",
                        data={"action": "raise", "rule_id": "cam-down",
                              "message": "Camera door offline"})

    async def stored() -> Alert | None:
        async with db.transaction() as session:
            return await session.get(Alert, alert.message_id, populate_existing=True)

    refusals: dict[str, str] = {}
    try:
        with operator_account(BROKER_URL, namespace) as (url, user):
            operator = RabbitBus(url, topology, source="operator-probe")
            await operator.start()
            try:
                for what, (exchange, key, message) in admin_actions(t).items():
                    with pytest.raises(NotAllowed) as refused:
                        await operator.publish(exchange, key, message)
                    refusals[what] = str(refused.value)
                    assert "ACCESS_REFUSED" in refusals[what], what
                    assert f"refused for user '{user}'" in refusals[what], what
                with pytest.raises(NotAllowed, match="ACCESS_REFUSED"):  # a request, the same
                    await operator.request(t.rpc_notifier, NotifierRequest(query=PutRule(
                        rule=FORGED_RULES.rules[0], base_version=1)), timeout=5)

                ack = AlertAcknowledgement(alert_id=alert.message_id)
                # claiming another account: the broker checks user_id against the login
                operator.user = "guest"
                with pytest.raises(PublishError) as forged:
                    await operator.publish(t.alert_acks, "", ack)
                refusals["acknowledgement with user_id 'guest'"] = str(forged.value)
                assert (f"PRECONDITION_FAILED - user_id property set to 'guest' but "
                        f"authenticated user was '{user}'") in str(forged.value)
                operator.user = user
                # not saying who: the broker lets it through, the analytics worker refuses it
                await _publish_without_user_id(url, t.alert_acks, ack)
                dead = await asyncio.wait_for(errors.get(), 15)
                assert "must say which broker account sent it" in dead.headers[ERROR_HEADER]

                # the operator's own acknowledgement, overtaking its alert: the analytics
                # worker retries it (republished by the workers' account), and still records
                # the operator's broker account
                await operator.publish(t.alert_acks, "", ack)
                logged = f"no alert '{alert.message_id}' is stored"
                await until(lambda: logged in caplog.text, what=f"the log line {logged!r}")
                await workers.publish(t.system_events, "", alert)
                row = await until_fetched(stored, lambda a: a is not None and a.acknowledged_by,
                                          timeout=15)
                assert row.acknowledged_by == user
                announced = await until_fetched(lambda: _async([e for e in events if e.data.get(
                    "action") == "acknowledge"]), timeout=10)
                assert [e.data["by"] for e in announced] == [user]
                assert operator.state == "connected"
            finally:
                await operator.close()  # before its account goes

        # nothing changed: rules, alerts, cameras
        await asyncio.sleep(1.0)
        current = await config_store.current(db)
        assert current is not None and (current.version, current.origin) == (1, "seed")
        assert analytics.alerts is not None
        assert (notifier.version, analytics.alerts.version) == (1, 1)
        rule_ids = [r.id for r in analytics.alerts.engine.rules]
        assert "cam-down" in rule_ids and "forged" not in rule_ids
        assert controls == []
        async with db.transaction() as session:
            assert await stored_zone_set(session, "door", 9) is None  # no zone set recorded
        assert [e.data.get("message") for e in events if e.event_type == "alert"
                and e.data.get("action") == "raise"] == ["Camera door offline"]
        async with db.transaction() as session:
            alerts = list((await session.execute(Alert.__table__.select())).all())
        assert [a.alert_id for a in alerts] == [alert.message_id]
        print("\nwhat the broker answered the operator:")
        for what, reason in refusals.items():
            print(f"  {what}: {reason}")
    finally:
        await notifier.stop()
        await analytics.stop()
        await db.dispose()
        await workers.close()
        await purge_namespace(BROKER_URL, topology)


async def test_an_operator_may_ask_analytics_questions_but_not_save_through_them(
        namespace: str, tmp_path: Path) -> None:
    """Charts, totals and the wall's zones at start come from analytics over ``rpc.queries``,
    which an operator may write to; a save sent there is refused with the reason, and the
    default exchange (where saves go) stays closed to it."""
    topology = Topology(namespace)
    workers = RabbitBus(BROKER_URL, topology, source="workers")
    await workers.start()
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", settings=FAST,
                                reports_dir=tmp_path)
    await analytics.start(workers)
    zones = ZoneSet(camera_id="door", version=1, frame_width=640, frame_height=360,
                    lines=[LineDef(id="in", name="Way in", points=((320, 0), (320, 360)))])
    try:
        saved = await AnalyticsClient(workers).save_zone_set(zones, base_version=0)
        assert saved.saved
        with operator_account(BROKER_URL, namespace) as (url, _):
            operator = RabbitBus(url, topology, source="operator-console")
            await operator.start()
            try:
                client = AnalyticsClient(operator)
                assert await client.latest_zone_set("door") == zones
                assert [c.camera_id for c in (await client.cameras()).cameras] == ["door"]
                await client.totals("door")
                with pytest.raises(RequestFailed) as refused:
                    await client.save_zone_set(zones.model_copy(update={"version": 2}),
                                               base_version=1)
                assert refused.value.why == "not_allowed"
                # the same save pushed through the question exchange: analytics refuses it
                with pytest.raises(RemoteError, match="not taken on the read-only query exchange"):
                    await operator.request(topology.rpc_analytics, AnalyticsRequest(
                        query=SaveZoneSet(zone_set=zones.model_copy(update={"version": 2}),
                                          base_version=1)), exchange=topology.queries, timeout=5)
                assert await client.latest_zone_set("door") == zones
            finally:
                await operator.close()
    finally:
        await analytics.stop()
        await workers.close()
        await purge_namespace(BROKER_URL, topology)


async def _publish_without_user_id(url: str, exchange_name: str,
                                   message: AlertAcknowledgement) -> None:
    conn = await aio_pika.connect(url)
    try:
        ch = await conn.channel()
        exchange = await ch.get_exchange(exchange_name, ensure=False)
        body, headers = message.to_wire()
        await exchange.publish(aio_pika.Message(body, headers=headers,
                                                message_id=message.message_id), "")
    finally:
        await conn.close()


async def _async(value):
    return value


async def test_sites_are_edited_by_admins_and_the_faces_view_log_is_for_admins_only(
        namespace: str, tmp_path: Path) -> None:
    """Over RabbitMQ: an admin saves, renames and deletes a site, and the rule engine in the
    analytics worker hears of each change; an operator reads the sites but may not save one,
    and may not read the faces-view log (privacy audit) through the question exchange: the
    refusal is in the site's language."""
    topology = Topology(namespace)
    workers = RabbitBus(BROKER_URL, topology, source="workers")
    await workers.start()
    analytics = AnalyticsWorker(
        db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", settings=FAST, reports_dir=tmp_path,
        alerting=AlertingConfig(language="vi", rules=[SiteOccupancyRule(id="full")]))
    await analytics.start(workers)
    assert analytics.alerts is not None
    engine = analytics.alerts.engine
    shop = Site(id="shop", name="Shop", max_occupancy=40,
                doors=[SiteDoor(camera_id="front", line_id="door"),
                       SiteDoor(camera_id="yard", line_id="gate", entering="out")])
    admin = AnalyticsClient(workers)
    try:
        assert (await admin.save_site(shop)).saved
        await until(lambda: "shop" in engine.directory.sites, what="the rule engine's sites")
        renamed = Site.model_validate({**shop.model_dump(), "id": "shop-2", "name": "Shop 2"})
        assert (await admin.save_site(renamed, replaces="shop")).saved
        await until(lambda: list(engine.directory.sites) == ["shop-2"], what="the rename")
        assert await admin.faces_views() is not None  # an admin reads the log
        with operator_account(BROKER_URL, namespace) as (url, _):
            operator = RabbitBus(url, topology, source="operator-console")
            await operator.start()
            try:
                client = AnalyticsClient(operator)
                assert await client.sites() == [renamed]
                with pytest.raises(RequestFailed) as refused:
                    await client.save_site(shop)
                assert refused.value.why == "not_allowed"
                with pytest.raises(RemoteError, match="not taken on the read-only query exchange"):
                    await operator.request(topology.rpc_analytics, AnalyticsRequest(
                        query=SaveSite(site=shop)), exchange=topology.queries, timeout=5)
                # the faces-view log: not through the admins' way in, nor the questions' one
                with pytest.raises(RequestFailed) as refused:
                    await client.faces_views()
                assert refused.value.why == "not_allowed"
                with pytest.raises(RemoteError) as audit:
                    await operator.request(topology.rpc_analytics, AnalyticsRequest(
                        query=FacesViewsQuery()), exchange=topology.queries, timeout=5)
                assert "Chỉ quản trị viên mới được đọc nhật ký xem khuôn mặt" in str(audit.value)
            finally:
                await operator.close()
        assert await admin.sites() == [renamed]
        assert (await admin.delete_site("shop-2")).saved
        await until(lambda: not engine.directory.sites, what="the deletion")
    finally:
        await analytics.stop()
        await workers.close()
        await purge_namespace(BROKER_URL, topology)
