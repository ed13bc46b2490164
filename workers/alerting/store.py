"""The alert rules, notification targets and site settings as stored config: versions in the
analytics store.

The file a worker is started with (``notifications.json``) seeds the store: it is imported as a
new version when the store has none, or when the file changed since it was last imported.
Otherwise the newest stored version is in force, so an admin's edits survive restarts. Edits are
made by a notifier (``rpc.notifier``), which stores the next version and announces it with a
``config`` event on ``system.events``; every rule engine and notifier applies it at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from workers.contracts import SystemEvent, utcnow
from workers.contracts.alerting import AlertingConfig
from workers.contracts.alerting_admin import (
    CONFIG_NAME,
    SETTINGS,
    ConfigEdit,
    DeleteRule,
    DeleteTarget,
    PutRule,
    PutSettings,
    PutTarget,
    config_event_data,
    settings_of,
)
from workers.contracts.base import describe
from workers.contracts.phrases import Phrase, phrase_of, say
from workers.storage import Database
from workers.storage import alerting_config as store

SEED, CONSOLE = "seed", "console"
#: attempts at saving when another worker stores the same version number at the same moment
_SAVE_ATTEMPTS = 3


class EditRefused(ValueError):
    """An edit that cannot be saved; ``field`` names the form field at fault, if one is;
    ``phrase`` is why as a code and values (``str()`` the English), when there is one."""

    def __init__(self, why: str | Phrase, field: str | None = None, phrase: Phrase | None = None):
        super().__init__(why.english() if isinstance(why, Phrase) else why)
        self.field = field
        self.phrase = why if isinstance(why, Phrase) else phrase


@dataclass(frozen=True)
class Versioned:
    version: int
    config: AlertingConfig
    origin: str = SEED
    digest: str = ""
    saved_by: str = ""
    saved_at: datetime | None = None

    def event(self, source: str) -> SystemEvent:
        assert self.saved_at is not None
        event = SystemEvent(event_type="config", source=source, data=config_event_data(
            self.version, self.config, origin=self.origin, digest=self.digest,
            saved_by=self.saved_by, saved_at=self.saved_at))
        event.metadata.source = source
        return event


def digest(config: AlertingConfig) -> str:
    doc = config.model_dump(mode="json")
    if doc["language"] == "en":  # as before languages came: a seed file does not look changed
        del doc["language"]
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _versioned(row: store.AlertingConfigVersion) -> Versioned:
    return Versioned(row.version, AlertingConfig.model_validate(row.document), row.origin,
                     row.digest, row.saved_by, row.saved_at)


async def load_or_seed(db: Database, seed: AlertingConfig, *, by: str) -> Versioned:
    """The version in force, after importing ``seed`` if the store has nothing or the seed
    changed since it was last imported. An empty seed (no file) never replaces stored config."""
    empty = not seed.rules and not seed.targets
    seed_digest = digest(seed)
    for _ in range(_SAVE_ATTEMPTS):
        async with db.transaction() as session:
            current = await store.latest(session)
            last_seed = await store.latest(session, SEED)
            if current is not None and (
                    empty or (last_seed is not None and last_seed.digest == seed_digest)):
                return _versioned(current)
            version = (current.version if current else 0) + 1
            now = utcnow()
            if await store.add_version(session, version=version, document=seed.model_dump(
                    mode="json"), origin=SEED, digest=seed_digest, saved_by=by, saved_at=now):
                return Versioned(version, seed, SEED, seed_digest, by, now)
    raise RuntimeError("could not store the alerting configuration: it kept changing")


async def remember(db: Database, event: SystemEvent) -> Versioned | None:
    """The version a ``config`` event announces (stored too, if this store lacks it: a worker on
    a database of its own); None for another kind of config event or an invalid document."""
    d = event.data
    if d.get("config") != CONFIG_NAME:
        return None
    try:
        config = AlertingConfig.model_validate(d["document"])
        v = Versioned(int(d["version"]), config, str(d.get("origin") or CONSOLE),
                      str(d.get("digest") or digest(config)), str(d.get("saved_by") or ""),
                      datetime.fromisoformat(str(d["saved_at"])))
    except (KeyError, TypeError, ValueError, ValidationError):
        return None
    async with db.transaction() as session:
        await store.add_version(session, version=v.version, document=d["document"],
                                origin=v.origin, digest=v.digest, saved_by=v.saved_by,
                                saved_at=v.saved_at or utcnow())
    return v


async def current(db: Database) -> Versioned | None:
    async with db.transaction() as session:
        row = await store.latest(session)
    return _versioned(row) if row is not None else None


async def site_language(db: Database) -> str:
    """The site's language: the stored alerting settings' (English before there are any)."""
    versioned = await current(db)
    return versioned.config.language if versioned is not None else "en"


async def save_edit(db: Database, edit: ConfigEdit, *, by: str) -> Versioned:
    """Apply ``edit`` to the version in force and store the result as the next version, saved
    ``by`` (the broker account that asked); EditRefused says why not (invalid, or the item was
    changed by someone else meanwhile)."""
    for _ in range(_SAVE_ATTEMPTS):
        async with db.transaction() as session:
            row = await store.latest(session)
            if row is None:
                raise EditRefused(say("alerting_none_stored"))
            base = None
            if edit.base_version != row.version:
                base_row = await store.at_version(session, edit.base_version)
                base = AlertingConfig.model_validate(base_row.document) if base_row else None
            latest = _versioned(row)
            if isinstance(edit, PutSettings):
                changed = await _settings_changed_in(session, latest, base, edit.base_version)
                config = _settings_edited(latest, changed, edit)
            else:
                config = _edited(latest, base, edit)
            now = utcnow()
            if await store.add_version(
                    session, version=row.version + 1, document=config.model_dump(mode="json"),
                    origin=CONSOLE, digest=digest(config), saved_by=by, saved_at=now):
                return Versioned(row.version + 1, config, CONSOLE, digest(config), by, now)
    raise EditRefused(say("alerting_busy"))


def _edited(latest: Versioned, base: AlertingConfig | None,
            edit: PutRule | DeleteRule | PutTarget | DeleteTarget) -> AlertingConfig:
    doc = latest.config.model_dump(mode="json")
    if isinstance(edit, PutRule | DeleteRule):
        what, key = "rule", "rules"
        new_id = edit.rule.id if isinstance(edit, PutRule) else None
        old_id = edit.rule_id if isinstance(edit, DeleteRule) else edit.replaces
        item = edit.rule.model_dump(mode="json") if isinstance(edit, PutRule) else None
    else:
        assert isinstance(edit, PutTarget | DeleteTarget)
        what, key = "target", "targets"
        new_id = edit.target.id if isinstance(edit, PutTarget) else None
        old_id = edit.target_id if isinstance(edit, DeleteTarget) else edit.replaces
        item = edit.target.model_dump(mode="json") if isinstance(edit, PutTarget) else None
    items: list[dict[str, Any]] = doc[key]
    ids = [i["id"] for i in items]
    if old_id is not None and old_id not in ids:
        raise EditRefused(say(f"alert_{what}_gone", id=old_id), "id")
    if new_id is not None and new_id != old_id and new_id in ids:
        raise EditRefused(say(f"alert_{what}_id_exists", id=new_id), "id")
    if old_id is not None and base is not None:
        before = _find(base.model_dump(mode="json")[key], old_id)
        if before != _find(items, old_id):
            raise EditRefused(_changed(what, latest, id=old_id))
    if what == "target" and old_id is not None and new_id != old_id:
        if users := [r["id"] for r in doc["rules"] if old_id in r["targets"]]:
            raise EditRefused(say("alert_target_in_use", id=old_id, rules=", ".join(users)),
                              "id")
    if old_id is not None:
        index = ids.index(old_id)
        if item is None:
            del items[index]
        else:
            items[index] = item
    elif item is not None:
        items.append(item)
    # an item's own fields were checked with the request: what fails here is how it fits the rest
    return _validated(doc, lambda message: "targets" if "unknown targets" in message
                      else "channel" if "smtp" in message else None)


async def _settings_changed_in(session: AsyncSession, latest: Versioned,
                               base: AlertingConfig | None, base_version: int) -> Versioned | None:
    """The version that brought in the settings in force, when they are not those of ``base``
    (later versions may have changed only rules or targets: they did not touch the settings)."""
    now = settings_of(latest.config)
    if base is None or settings_of(base) == now:
        return None
    changed = latest
    for version in range(latest.version - 1, base_version, -1):
        row = await store.at_version(session, version)
        if row is None or settings_of(AlertingConfig.model_validate(row.document)) != now:
            break
        changed = _versioned(row)
    return changed


def _settings_edited(latest: Versioned, changed: Versioned | None,
                     edit: PutSettings) -> AlertingConfig:
    if changed is not None:
        raise EditRefused(_changed("settings", changed))
    doc = latest.config.model_dump(mode="json")
    doc.update(edit.model_dump(mode="json", include=set(SETTINGS)))
    # an unknown time zone is named by its field; the one whole-document failure a settings
    # change can cause is email targets left without an SMTP server
    return _validated(doc, lambda _: "smtp")


def _validated(doc: dict[str, Any], blame: Callable[[str], str | None]) -> AlertingConfig:
    """The edited document, or EditRefused naming the field at fault: the failing field itself,
    else the one ``blame`` names for a message about the document as a whole."""
    try:
        return AlertingConfig.model_validate(doc)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if len(errors) == 1 and errors[0]["loc"]:
            err = errors[0]
            raise EditRefused(err["msg"].removeprefix("Value error, "),
                              ".".join(str(p) for p in err["loc"]), phrase_of(err)) from exc
        message = describe(exc, "config").removeprefix("config.(message): ")
        phrase = phrase_of(errors[0]) if len(errors) == 1 else None
        raise EditRefused(message, blame(message), phrase) from exc


def _changed(what: str, latest: Versioned, **values: str) -> Phrase:
    """``what`` changed since the form was opened, by whom when that is known."""
    if latest.saved_by:
        return say(f"alert_{what}_changed_by", by=latest.saved_by, version=latest.version,
                   **values)
    return say(f"alert_{what}_changed", version=latest.version, **values)


def _find(items: list[dict[str, Any]], item_id: str) -> dict[str, Any] | None:
    return next((i for i in items if i["id"] == item_id), None)
