"""Answering the console's requests to read and edit the alerting configuration (on
``rpc.notifier``): an edit is stored as the next version by the broker account that asked, put
in force here and announced on ``system.events`` to every rule engine and notifier."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from workers.alerting import store
from workers.alerting.follow import ConfigInForce
from workers.alerting.store import EditRefused, Versioned
from workers.bus import Bus, PublishError
from workers.contracts.alerting import AlertingConfig
from workers.contracts.alerting_admin import AlertingConfigReply, ConfigEdit, GetAlertingConfig
from workers.contracts.phrases import say

log = logging.getLogger(__name__)

#: the secret references of a config this worker cannot resolve, with why
SecretProblems = Callable[[AlertingConfig], dict[str, str]]


class ConfigRequests:
    def __init__(self, in_force: ConfigInForce, bus: Bus, *, source: str,
                 secret_problems: SecretProblems):
        self.in_force, self.bus, self.source = in_force, bus, source
        self.secret_problems = secret_problems

    async def answer(self, q: GetAlertingConfig | ConfigEdit,
                     by: str | None) -> AlertingConfigReply:
        """Read the config in force, or edit it as ``by`` (the broker account that asked)."""
        if isinstance(q, GetAlertingConfig):
            return self._reply(await self.in_force.current())
        db = self.in_force.db
        if not by:
            why = say("alerting_no_sender")
            return self._reply(await store.current(db), error=why.english(), error_phrase=why)
        try:
            stored = await store.save_edit(db, q, by=by)
        except EditRefused as exc:
            return self._reply(await store.current(db), error=str(exc), field=exc.field,
                               error_phrase=exc.phrase)
        await self.in_force.apply(stored)
        try:
            await self.bus.publish(self.bus.topology.system_events, "", stored.event(self.source),
                                   mandatory=False)
        except PublishError as exc:  # stored: engines pick it up when they next start
            log.warning("config version %d not announced: %s", stored.version, exc)
        log.info("config version %d saved by %s", stored.version, by)
        return self._reply(stored)

    def _reply(self, stored: Versioned | None, **refusal: Any) -> AlertingConfigReply:
        stored = stored or Versioned(self.in_force.version, self.in_force.config)
        return AlertingConfigReply(version=stored.version, config=stored.config,
                                   saved_by=stored.saved_by, saved_at=stored.saved_at,
                                   secret_problems=self.secret_problems(stored.config), **refusal)
