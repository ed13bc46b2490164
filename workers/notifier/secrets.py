"""Secrets by reference: ``env:NAME`` or ``keyring:service/username``. Values never appear in
messages, config documents or logs; only the reference is ever shown."""

from __future__ import annotations

import asyncio
import logging
import os

from workers.contracts.alerting import AlertingConfig, WebhookTarget
from workers.notifier.outcome import DeliveryRefused

log = logging.getLogger(__name__)


class SecretMissing(LookupError):
    """The reference points at nothing (an unset variable, no keyring entry)."""


def _lookup(ref: str) -> str:
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(name)
    elif scheme == "keyring":
        import keyring  # only where keyring references are used: it may probe a desktop service

        service, _, user = name.partition("/")
        value = keyring.get_password(service, user)
    else:
        raise SecretMissing(f"unknown secret reference {ref!r} (use env:NAME or keyring:service/name)")
    if not value:
        raise SecretMissing(f"secret {ref} is not set")
    return value


async def resolve(ref: str) -> str:
    """The secret's value; keyring backends may block (D-Bus), so this runs in a thread."""
    return await asyncio.to_thread(_lookup, ref)


def references(config: AlertingConfig) -> list[str]:
    """Every secret a config refers to: the webhook targets' and the SMTP password."""
    refs = [t.secret for t in config.targets if isinstance(t, WebhookTarget)]
    if config.smtp is not None and config.smtp.password:
        refs.append(config.smtp.password)
    return refs


class TargetSecrets:
    """The secrets of the config in force, looked up once per version on this machine, and the
    targets this notifier cannot serve for lack of one."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self._values: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        #: targets this notifier cannot send to, and why (a secret not set on this machine)
        self.unservable: dict[str, str] = {}

    async def look_up(self, config: AlertingConfig) -> None:
        """A target whose secret is missing here is left to notifiers that have it (queued
        sends) or refused with the reason (direct)."""
        self._values, self._errors = {}, {}
        for ref in references(config):
            try:
                self._values[ref] = await resolve(ref)
            except SecretMissing as exc:
                self._errors[ref] = str(exc)
        smtp_ref = config.smtp.password if config.smtp is not None else None
        self.unservable = {}
        for t in config.targets:
            ref = t.secret if isinstance(t, WebhookTarget) else smtp_ref
            if ref is not None and ref in self._errors:
                self.unservable[t.id] = f"{self._errors[ref]} on {self.worker_id}"
        if self.unservable:
            log.error("this notifier cannot send to %s: %s; their notifications are left for a "
                      "notifier that can", ", ".join(sorted(self.unservable)),
                      "; ".join(sorted(set(self._errors.values()))))

    def problems(self, config: AlertingConfig) -> dict[str, str]:
        """The references of ``config`` this notifier cannot resolve, with why."""
        return {ref: self._errors[ref] for ref in references(config) if ref in self._errors}

    def value(self, ref: str) -> str:
        if ref not in self._values:
            raise DeliveryRefused(self._errors.get(ref, f"secret {ref} is not set")
                                  + f" on {self.worker_id}")
        return self._values[ref]
