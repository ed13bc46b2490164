"""The notifier's tests run against real servers on loopback (``tests.helpers.notifier``)."""

from tests.helpers.notifier import (  # noqa: F401 - fixtures
    certificate,
    db_url,
    hook_secret,
    receiver,
    smtp_starttls,
    smtp_tls,
    start_notifier,
)
