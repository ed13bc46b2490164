"""Alert rules, notification targets and site settings as an admin edits them: requests to the
notifier (``rpc.notifier``), which stores the next version and has every rule engine and notifier
apply it at once (docs/notifications.md). Secrets never travel: targets and the SMTP server hold
a reference to where the notifier finds them, and the notifier says which references it cannot
resolve."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from camcount_desktop import i18n
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.console import Console
from workers.contracts import SystemEvent
from workers.contracts.alerting import AlertingConfig, AlertRule, Target
from workers.contracts.alerting_admin import (
    CONFIG_NAME,
    AlertingConfigReply,
    ConfigEdit,
    DeleteRule,
    DeleteTarget,
    PutRule,
    PutSettings,
    PutTarget,
)
from workers.contracts.notifications import SendResult, TargetStatus
from workers.notifier.client import NotifierClient, RequestFailed

log = logging.getLogger(__name__)
R = TypeVar("R")


@dataclass(frozen=True)
class Refusal:
    """Why a change was not saved; ``field`` names the form field at fault, if one is."""

    message: str
    field: str | None = None


class AlertingController(QObject):
    changed = Signal()

    def __init__(self, console: Console, access: AdminAccess, parent: QObject | None = None):
        super().__init__(parent)
        self.console, self.access = console, access
        self.notifier = NotifierClient(console.bus)
        self.config: AlertingConfig | None = None
        self.version = 0
        self.saved_by = ""
        self.secret_problems: dict[str, str] = {}
        #: each target's delivery state in the notifier (circuit breaker, last error)
        self.delivery: dict[str, TargetStatus] = {}
        self._reload: asyncio.Task[None] | None = None
        #: held while a request that answers with the version in force is out
        self._asking = asyncio.Lock()
        console.adapter.config_received.connect(self._on_config)

    def _on_config(self, event: SystemEvent) -> None:
        """A newer version was saved elsewhere (another console, a changed seed file): once
        shown, the rules and targets follow it without a Reload."""
        data = event.data
        if self.config is None or data.get("config") != CONFIG_NAME \
                or int(data.get("version", 0)) <= self.version:
            return
        if self._reload is None or self._reload.done():
            task = self._reload = asyncio.get_running_loop().create_task(
                self._follow(int(data["version"])))
            self.destroyed.connect(lambda *_: task.cancel())  # not after the window is gone

    async def _follow(self, version: int) -> None:
        async with self._asking:
            pass  # our own edit in flight answers with the version it made: no second read
        if version > self.version:
            await self.load()

    async def load(self) -> str | None:
        """Read the rules and targets in force, and how delivery to each is going; None when
        done, else why not."""
        result = await self._ask(self.notifier.config)
        if isinstance(result, Refusal):
            return result.message
        await self.load_delivery()
        return None

    async def load_delivery(self) -> None:
        """The notifier's breaker state per target (a paused target holds its sends back)."""
        try:
            status = await self.notifier.status()
        except RequestFailed as exc:
            log.info("no delivery state from the notifier: %s", exc)
            return
        self.delivery = {t.target_id: t for t in status.targets}
        self.changed.emit()

    async def save_rule(self, rule: AlertRule, replaces: str | None,
                        base_version: int) -> Refusal | None:
        """Add ``rule`` or replace ``replaces``; ``base_version``: the form's (a rule changed
        since is refused, not overwritten)."""
        return await self._edit(PutRule(rule=rule, replaces=replaces,
                                        **self._edit_fields(base_version)))

    async def delete_rule(self, rule_id: str) -> Refusal | None:
        return await self._edit(DeleteRule(rule_id=rule_id, **self._edit_fields()))

    async def save_target(self, target: Target, replaces: str | None,
                          base_version: int) -> Refusal | None:
        return await self._edit(PutTarget(target=target, replaces=replaces,
                                          **self._edit_fields(base_version)))

    async def delete_target(self, target_id: str) -> Refusal | None:
        return await self._edit(DeleteTarget(target_id=target_id, **self._edit_fields()))

    async def save_settings(self, settings: AlertingConfig, base_version: int) -> Refusal | None:
        """Replace the site settings with those of ``settings`` (its rules and targets are not
        sent); settings changed since ``base_version``, the form's, are not overwritten."""
        return await self._edit(PutSettings.of(settings, **self._edit_fields(base_version)))

    async def send_test(self, target_id: str) -> SendResult | Refusal:
        """The notifier's direct mode: one attempt now; its outcome (the receiver's own words on
        failure) or why the request itself failed."""
        result = await self._request(lambda: self.notifier.send_test(target_id))
        if isinstance(result, SendResult):
            await self.load_delivery()  # a test counts towards the target's breaker
        return result

    def _edit_fields(self, base_version: int | None = None) -> dict[str, object]:
        # who saves is the broker account the notifier sees (user_id), not a field we could fake
        return {"base_version": self.version if base_version is None else base_version}

    async def _edit(self, edit: ConfigEdit) -> Refusal | None:
        result = await self._ask(lambda: self.notifier.edit(edit))
        return result if isinstance(result, Refusal) else None

    async def _request(self, ask: Callable[[], Awaitable[R]]) -> R | Refusal:
        """Ask the notifier; why it could not answer, in the words the form shows."""
        try:
            return await ask()
        except RequestFailed as exc:
            return Refusal(self.access.refused() if exc.why == "not_allowed" else i18n.refusal(exc))

    async def _ask(self, ask: Callable[[], Awaitable[AlertingConfigReply]]
                   ) -> AlertingConfigReply | Refusal:
        async with self._asking:
            reply = await self._request(ask)
        if isinstance(reply, Refusal):
            return reply
        # a refused edit still tells what is in force: the form is shown against it
        self.config, self.version, self.saved_by = reply.config, reply.version, reply.saved_by
        self.secret_problems = reply.secret_problems
        self.changed.emit()
        if reply.error is not None:
            return Refusal(i18n.say(reply.error_phrase, reply.error), reply.field)
        return reply
