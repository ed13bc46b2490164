"""Reading the alert rules and notification targets document (``notifications.json``).

The rule engine and the notifier read the same file: rules name targets, the engine queues
notifications naming a target, the notifier sends them with the target's stored recipients or URL
and its secret.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from workers.contracts.alerting import AlertingConfig
from workers.i18n import cli_language, explain
from workers.storage import data_dir

ENV_CONFIG = "CAMCOUNT_NOTIFICATIONS"


class ConfigError(ValueError):
    """The document cannot be used; the message names the file and every field at fault."""


def default_path() -> Path:
    return Path(os.environ.get(ENV_CONFIG) or data_dir() / "notifications.json")


def parse(text: str, where: str = "notifications config") -> AlertingConfig:
    try:
        return AlertingConfig.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not JSON: {exc}") from exc
    except ValidationError as exc:
        raise ConfigError(f"{where}: {explain(exc, cli_language())}") from exc


def load(path: Path | None = None) -> AlertingConfig:
    """The document at ``path`` (default: $CAMCOUNT_NOTIFICATIONS, else ``notifications.json``
    in the user data folder). No file at the default place means no rules and no targets; a
    path given explicitly must exist."""
    explicit = path is not None
    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{path}: no such file") from None
        return AlertingConfig()
    return parse(text, str(path))
