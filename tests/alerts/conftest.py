"""The notifier's real servers and buses serve the alert tests too."""

from tests.notifier.conftest import (  # noqa: F401 - fixtures
    db_url,
    hook_secret,
    inprocess_bus,
    receiver,
    start_notifier,
)
