"""The alerting configuration in force in one worker: the stored version, seeded from the file
at start, replaced by each newer version a ``config`` event announces. The rule engine and the
notifier both hold one; what a new version changes in each is their own ``on_change``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from workers.alerting import store
from workers.alerting.store import Versioned
from workers.contracts import SystemEvent
from workers.contracts.alerting import AlertingConfig
from workers.storage import Database

#: called with the version now in force and the config it replaced
OnChange = Callable[[Versioned, AlertingConfig], Awaitable[None]]


class ConfigInForce:
    def __init__(self, seed: AlertingConfig, db: Database, on_change: OnChange):
        self.seed = seed
        self.config = seed
        #: the stored version in force (0 before start)
        self.version = 0
        self.db = db
        self._on_change = on_change

    async def start(self, *, by: str) -> Versioned:
        """Seed the store if it has nothing (or the file changed) and take the version in force;
        the caller applies it in its own order."""
        stored = await store.load_or_seed(self.db, self.seed, by=by)
        self.config, self.version = stored.config, stored.version
        return stored

    async def apply(self, stored: Versioned) -> bool:
        """Put ``stored`` in force if it is newer than the version in force; whether it was."""
        if stored.version <= self.version:
            return False
        old = self.config
        self.config, self.version = stored.config, stored.version
        await self._on_change(stored, old)
        return True

    async def on_event(self, event: SystemEvent) -> Versioned | None:
        """A ``config`` event: the version it announces, once in force; None when it was another
        config, an invalid one, or one in force already."""
        stored = await store.remember(self.db, event)
        if stored is None or not await self.apply(stored):
            return None
        return stored

    async def current(self) -> Versioned | None:
        """The newest stored version, put in force if this worker missed its event."""
        stored = await store.current(self.db)
        if stored is not None:
            await self.apply(stored)
        return stored
