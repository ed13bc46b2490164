"""The notifier's real servers serve the alert tests too."""

from tests.helpers.notifier import (  # noqa: F401 - fixtures
    db_url,
    hook_secret,
    receiver,
    start_notifier,
)
