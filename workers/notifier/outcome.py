"""What one delivery attempt came to, and the two ways it can fail."""

from __future__ import annotations

from dataclasses import dataclass

from workers.bus.errors import PermanentError


@dataclass(frozen=True)
class Outcome:
    ok: bool
    #: HTTP status or SMTP reply code; None when nothing answered
    status: int | None = None
    error: str | None = None
    #: worth trying again later (a timeout, a 5xx, a 429); a refusal is not
    retryable: bool = False

    @classmethod
    def failed(cls, error: str, status: int | None = None) -> Outcome:
        return cls(False, status, error, retryable=True)

    @classmethod
    def refused(cls, error: str, status: int | None = None) -> Outcome:
        return cls(False, status, error, retryable=False)


class DeliveryFailed(Exception):
    """An attempt failed in a way worth retrying; the bus retries it with backoff."""


class DeliveryRefused(PermanentError):
    """Retrying cannot help (refused by the receiver, attempts used up, misconfigured)."""
