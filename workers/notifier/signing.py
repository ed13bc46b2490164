"""Webhook signatures: ``X-CamCount-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with
the target's secret. Receivers verify with ``verify`` (or the few lines in docs/notifications.md)
and de-duplicate on ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-CamCount-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
ATTEMPT_HEADER = "X-CamCount-Attempt"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """True if ``header`` is the signature of exactly these body bytes (constant-time compare)."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)
