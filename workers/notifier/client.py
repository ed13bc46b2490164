"""Asking the notifier (``rpc.notifier``): the alerting configuration (read, edit), each
target's delivery state, and direct sends. Failures are ``RequestFailed``
(``workers.bus.client``) with a sentence for people."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from workers.bus.client import RequestFailed, ServiceClient
from workers.contracts.alerting_admin import AlertingConfigReply, ConfigEdit, GetAlertingConfig
from workers.contracts.notifications import (
    EmailNotification,
    NotifierRequest,
    NotifierStatus,
    SendNow,
    SendResult,
    SendTest,
    TargetsStatus,
    WebhookNotification,
)

__all__ = ["SEND_TIMEOUT_S", "NotifierClient", "RequestFailed"]

#: a send waits longer than the notifier's SMTP timeout (30 s by default): the reply carries its
#: outcome
SEND_TIMEOUT_S = 45.0

R = TypeVar("R", bound=BaseModel)


class NotifierClient(ServiceClient):
    service = "notifier"

    def _queue(self) -> str:
        return self.bus.topology.rpc_notifier

    async def config(self) -> AlertingConfigReply:
        """The rules, targets and site settings in force, and the secrets the notifier lacks."""
        return await self._ask(AlertingConfigReply, GetAlertingConfig)

    async def edit(self, edit: ConfigEdit) -> AlertingConfigReply:
        """Store ``edit`` as the next version, saved by this broker account; a refused edit
        answers with the version in force and the reason (``error``, ``field``)."""
        return await self._ask(AlertingConfigReply, lambda: edit)

    async def status(self) -> NotifierStatus:
        """Each target's circuit breaker, failures and rate limit."""
        return await self._ask(NotifierStatus, TargetsStatus)

    async def send_test(self, target_id: str) -> SendResult:
        """One test message to a configured target now; its outcome, also when it failed."""
        return await self._ask(SendResult, lambda: SendTest(target_id=target_id),
                               timeout=SEND_TIMEOUT_S)

    async def send(self, notification: EmailNotification | WebhookNotification) -> SendResult:
        """One attempt now, not retried; its outcome."""
        return await self._ask(SendResult, lambda: SendNow(notification=notification),
                               timeout=SEND_TIMEOUT_S)

    async def _ask(self, reply: type[R], query: Callable[[], BaseModel], *,
                   timeout: float | None = None) -> R:
        request = self._build(lambda: NotifierRequest(query=query()))
        return await self._request(request, reply, timeout=timeout)
