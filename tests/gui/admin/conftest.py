"""The admin windows' tests use the notifier's real servers (``tests.helpers.notifier``)."""

from tests.helpers.notifier import (  # noqa: F401 - fixtures of the alert rules and targets forms
    certificate,
    db_url,
    hook_secret,
    receiver,
    smtp_starttls,
    start_notifier,
)
