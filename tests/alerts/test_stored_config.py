"""Rules and targets as stored config, and rule state across a restart: real workers on the
in-process bus and one SQLite database, as a site runs them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError

from tests.alerts.test_engine import result
from tests.helpers.waiting import until_fetched
from workers.alerts.worker import AlertsSettings, AlertsWorker
from workers.bus import Bus, Delivery
from workers.contracts import CameraStatus, SystemEvent
from workers.contracts.alerting import (
    AlertingConfig,
    BreakerSettings,
    CameraOfflineRule,
    EmailTarget,
    SmtpSettings,
    ZoneOccupancyRule,
)
from workers.contracts.alerting_admin import (
    AlertingConfigReply,
    DeleteTarget,
    GetAlertingConfig,
    PutRule,
    PutSettings,
)
from workers.contracts.notifications import NotifierRequest
from workers.contracts.phrases import Phrase
from workers.i18n import say
from workers.storage import Database
from workers.storage.models import Alert

FAST = AlertsSettings(tick_s=0.1, camera_silence_s=30)
OFFLINE = CameraOfflineRule(id="cam-down", for_seconds=0.5, cooldown_seconds=0,
                            severity="critical")


@pytest.fixture
async def events(inprocess_bus: Bus) -> AsyncIterator[list[SystemEvent]]:
    seen: list[SystemEvent] = []

    async def on_event(e: SystemEvent, _: Delivery) -> None:
        seen.append(e)

    sub = await inprocess_bus.subscribe(inprocess_bus.topology.system_events, [], on_event,
                                        model=SystemEvent)
    yield seen
    await sub.cancel()


def alert_events(events: list[SystemEvent], action: str) -> list[SystemEvent]:
    return [e for e in events if e.event_type == "alert" and e.data.get("action") == action]


async def gate(bus: Bus, state: str) -> None:
    """Camera gate says it is ``state``, as its camera worker would."""
    await bus.publish(bus.topology.camera_events, bus.topology.status_key("gate"),
                      CameraStatus(camera_id="gate", state=state))


async def stored_alerts(db_url: str) -> list[Alert]:
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            return list((await session.execute(Alert.__table__.select())).all())
    finally:
        await db.dispose()


async def test_an_alert_open_across_a_restart_stays_open_while_it_holds_then_is_resolved(
        inprocess_bus: Bus, db_url: str, events: list[SystemEvent]) -> None:
    bus = inprocess_bus
    config = AlertingConfig(rules=[OFFLINE])

    first = AlertsWorker(config, db_url=db_url, settings=FAST)
    await first.start(bus)
    await gate(bus, "offline")
    [raised] = await until_fetched(lambda: _value(alert_events(events, "raise")))
    await first.stop()

    second = AlertsWorker(config, db_url=db_url, settings=FAST)  # the same database
    await second.start(bus)
    try:
        await gate(bus, "offline")  # still down: the open alert is not raised again
        await asyncio.sleep(1.0)
        assert len(alert_events(events, "raise")) == 1 and alert_events(events, "resolve") == []
        assert second.stats()["open_alerts"] == 1

        await gate(bus, "online")
        [resolve] = await until_fetched(lambda: _value(alert_events(events, "resolve")))
        assert resolve.data["alert_id"] == raised.message_id
        [row] = await stored_alerts(db_url)
        assert row.alert_id == raised.message_id and row.resolved_at is not None
    finally:
        await second.stop()


async def test_a_restart_within_the_cooldown_does_not_raise_the_same_alert_again(
        inprocess_bus: Bus, db_url: str, events: list[SystemEvent]) -> None:
    """Raised and resolved, then the engine restarts (a console in local mode starts every
    morning) while the condition comes back within the rule's cooldown: no second alert."""
    bus = inprocess_bus
    config = AlertingConfig(rules=[OFFLINE.model_copy(update={"cooldown_seconds": 600})])

    first = AlertsWorker(config, db_url=db_url, settings=FAST)
    await first.start(bus)
    await gate(bus, "offline")
    await until_fetched(lambda: _value(alert_events(events, "raise")))
    await gate(bus, "online")
    await until_fetched(lambda: _value(alert_events(events, "resolve")))
    await first.stop()

    second = AlertsWorker(config, db_url=db_url, settings=FAST)  # the same database
    await second.start(bus)
    try:
        await gate(bus, "offline")
        await asyncio.sleep(1.5)  # three times the rule's 0.5 s
        assert len(alert_events(events, "raise")) == 1
    finally:
        await second.stop()


async def test_an_open_alert_whose_rule_was_removed_meanwhile_is_resolved_at_start(
        inprocess_bus: Bus, db_url: str, events: list[SystemEvent]) -> None:
    bus = inprocess_bus
    first = AlertsWorker(AlertingConfig(rules=[OFFLINE]), db_url=db_url, settings=FAST)
    await first.start(bus)
    await gate(bus, "offline")
    [raised] = await until_fetched(lambda: _value(alert_events(events, "raise")))
    await first.stop()

    other = ZoneOccupancyRule(id="crowd", above=5, for_seconds=1)
    second = AlertsWorker(AlertingConfig(rules=[other]), db_url=db_url, settings=FAST)
    await second.start(bus)
    try:
        [resolve] = await until_fetched(lambda: _value(alert_events(events, "resolve")))
        assert resolve.data["alert_id"] == raised.message_id
        assert "rule was removed" in resolve.data["message"]
    finally:
        await second.stop()


async def test_a_rule_saved_over_rpc_changes_what_the_running_engine_raises(
        inprocess_bus: Bus, db_url: str, start_notifier, events: list[SystemEvent]) -> None:
    bus = inprocess_bus
    rule = ZoneOccupancyRule(id="crowd", zones=["queue"], above=10, for_seconds=0.3,
                             cooldown_seconds=0)
    config = AlertingConfig(rules=[rule])
    await start_notifier(bus, config)
    engine = AlertsWorker(config, db_url=db_url, settings=FAST)
    await engine.start(bus)
    try:
        async def crowd(n: int, seconds: float) -> None:
            for _ in range(int(seconds / 0.1)):
                await bus.publish(bus.topology.camera_events,
                                  bus.topology.detection_key("entrance"),
                                  result("entrance", {"queue": n}), mandatory=False)
                await asyncio.sleep(0.1)

        await crowd(6, 1.0)
        assert alert_events(events, "raise") == [], "6 is not more than 10"

        bus.user = "admin-1"  # who saves is the account the bus names, not a field of the request
        reply = await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=PutRule(
            rule=rule.model_copy(update={"above": 5}), replaces="crowd", base_version=1)),
            reply_model=AlertingConfigReply)
        assert (reply.error, reply.version, reply.saved_by) == (None, 2, "admin-1")
        await until_fetched(lambda: _value(engine.version == 2))

        await crowd(6, 1.0)
        [raised] = alert_events(events, "raise")
        assert raised.data["message"].startswith("Zone queue on camera entrance: 6 present, "
                                                 "more than 5")
    finally:
        await engine.stop()


async def test_edits_survive_a_restart_with_the_same_file_and_a_changed_file_is_imported(
        inprocess_bus: Bus, db_url: str, start_notifier) -> None:
    bus = inprocess_bus
    seed = AlertingConfig(rules=[OFFLINE])

    async def ask(query) -> AlertingConfigReply:
        return await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=query),
                                 reply_model=AlertingConfigReply)

    notifier = await start_notifier(bus, seed)
    await ask(PutRule(rule=OFFLINE.model_copy(update={"for_seconds": 90}), replaces="cam-down",
                      base_version=1))
    await notifier.stop()

    again = await start_notifier(bus, seed)  # same file: the admin's edit stays in force
    reply = await ask(GetAlertingConfig())
    assert (reply.version, reply.config.rules[0].for_seconds) == (2, 90)
    await again.stop()

    changed = seed.model_copy(update={"rules": [OFFLINE.model_copy(update={"for_seconds": 7})]})
    await start_notifier(bus, changed)  # the installer edited the file: it wins
    reply = await ask(GetAlertingConfig())
    assert (reply.version, reply.config.rules[0].for_seconds) == (3, 7)


async def test_an_edit_of_a_stale_form_or_an_invalid_one_is_refused_with_the_reason(
        inprocess_bus: Bus, db_url: str, start_notifier, receiver) -> None:
    from tests.helpers.notifier import hook_config

    bus = inprocess_bus
    config = hook_config(receiver.url).model_copy(update={"rules": [
        OFFLINE.model_copy(update={"targets": ["hook"]})]})
    await start_notifier(bus, config)

    async def ask(query, by: str = "admin") -> AlertingConfigReply:
        bus.user = by  # the local user of the in-process bus: who saves
        return await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=query),
                                 reply_model=AlertingConfigReply)

    assert (await ask(PutRule(rule=OFFLINE.model_copy(update={"targets": ["hook"],
                                                               "for_seconds": 5}),
                              replaces="cam-down", base_version=1), "ann")).error is None
    stale = await ask(PutRule(rule=OFFLINE.model_copy(update={"for_seconds": 9}),
                              replaces="cam-down", base_version=1), "bob")
    assert stale.error == ("rule 'cam-down' was changed by ann (version 2) since you opened it: "
                           "reload and edit it again")
    assert stale.version == 2 and stale.config.rules[0].for_seconds == 5
    unknown = await ask(PutRule(rule=OFFLINE.model_copy(update={"id": "new", "targets": ["nope"]}),
                                base_version=2))
    assert (unknown.error, unknown.field) == ("rule 'new' names unknown targets: nope", "targets")
    in_use = await ask(DeleteTarget(target_id="hook", base_version=2))
    assert in_use.error == "target 'hook' is used by rules cam-down: take it out of them first"
    assert (await ask(GetAlertingConfig())).version == 2


SMTP = SmtpSettings(host="mail.example.org", sender="camcount@example.org", username="camcount",
                    password="env:CAMCOUNT_TEST_SMTP_PASSWORD")
MAIL_SEED = AlertingConfig(smtp=SMTP, rules=[OFFLINE],
                           targets=[EmailTarget(id="ops-mail", recipients=["ops@example.org"])])


async def test_settings_changed_since_the_form_was_opened_are_refused_naming_who_changed_them(
        inprocess_bus: Bus, start_notifier) -> None:
    bus = inprocess_bus
    notifier = await start_notifier(bus, MAIL_SEED)
    notifier.status()  # each target's breaker exists from now, with the settings of version 1

    async def ask(query, by: str = "admin") -> AlertingConfigReply:
        bus.user = by  # the local user of the in-process bus: who saves
        return await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=query),
                                 reply_model=AlertingConfigReply)

    opened = (await ask(GetAlertingConfig())).config  # version 1, in two admins' forms
    ann = await ask(PutSettings.of(opened.model_copy(update={
        "smtp": SMTP.model_copy(update={"port": 2525})}), base_version=1), "ann")
    assert (ann.error, ann.version, ann.config.smtp.port) == (None, 2, 2525)
    bob = await ask(PutRule(rule=OFFLINE.model_copy(update={"for_seconds": 5}),
                            replaces="cam-down", base_version=2), "bob")
    assert (bob.error, bob.version) == (None, 3)

    carol = PutSettings.of(opened.model_copy(update={"timezone": "Europe/Berlin"}),
                           base_version=1)
    stale = await ask(carol, "carol")
    assert stale.error == ("settings were changed by ann (version 2) since you opened them: "
                           "reload and edit them again")
    assert (stale.version, stale.config.smtp.port, stale.config.timezone) == (3, 2525, "UTC")

    # reloaded at version 2: bob changed a rule since, not the settings, so hers go in
    reloaded = PutSettings.of(ann.config.model_copy(update={
        "timezone": "Europe/Berlin", "breaker": BreakerSettings(failures=2, open_seconds=5)}),
        base_version=2)
    merged = await ask(reloaded, "carol")
    assert (merged.error, merged.version) == (None, 4)
    assert (merged.config.timezone, merged.config.smtp.port,
            merged.config.rules[0].for_seconds) == ("Europe/Berlin", 2525, 5)
    assert (notifier.version, notifier.config.timezone) == (4, "Europe/Berlin")
    assert notifier.gate.breakers["ops-mail"].settings == BreakerSettings(failures=2, open_seconds=5)


async def test_settings_that_do_not_fit_the_document_are_refused_with_the_reason_and_field(
        inprocess_bus: Bus, start_notifier) -> None:
    bus = inprocess_bus
    await start_notifier(bus, MAIL_SEED)

    async def ask(query) -> AlertingConfigReply:
        return await bus.request(bus.topology.rpc_notifier, NotifierRequest(query=query),
                                 reply_model=AlertingConfigReply)

    no_smtp = await ask(PutSettings.of(MAIL_SEED.model_copy(update={"smtp": None}),
                                       base_version=1))
    assert (no_smtp.error, no_smtp.field) == ("email targets need an 'smtp' section", "smtp")
    mars = await ask(PutSettings.of(MAIL_SEED.model_copy(update={"timezone": "Mars/Olympus"}),
                                    base_version=1))
    assert (mars.error, mars.field) == ("unknown time zone 'Mars/Olympus'", "timezone")
    # and as a code with its values, which a console says in its own language
    assert mars.error_phrase == Phrase(code="unknown_time_zone", params={"name": "Mars/Olympus"})
    assert say(mars.error_phrase, "ru") == "неизвестный часовой пояс «Mars/Olympus»"
    reply = await ask(GetAlertingConfig())
    assert (reply.version, reply.config) == (1, MAIL_SEED)

    with pytest.raises(ValidationError, match="smtp.password"):  # a value, not a reference
        PutSettings.of(MAIL_SEED.model_copy(update={"smtp": SMTP.model_dump() | {
            "password": "mail-pass"}}), base_version=1)


async def _value(value):
    return value
