"""Webhook delivery: the notifier's payload as JSON, POSTed to the target's URL with the target's
headers, signed with its secret, the message id as idempotency key."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from workers import __version__
from workers.contracts.alerting import WebhookTarget
from workers.notifier.outcome import Outcome
from workers.notifier.signing import ATTEMPT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign

#: statuses worth trying again: the receiver is busy, throttling or broken for now
RETRYABLE = frozenset({408, 425, 429})


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str).encode()


async def post(session: aiohttp.ClientSession, target: WebhookTarget, payload: dict[str, Any],
               secret: str, *, message_id: str, attempt: int) -> Outcome:
    body = body_of(payload)
    url, timeout_s = target.url, target.timeout_seconds
    headers = {
        **target.headers,  # the target's own first: ours below cannot be overridden
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"CamCount-Notifier/{__version__}",
        SIGNATURE_HEADER: sign(secret, body),
        IDEMPOTENCY_HEADER: message_id,
        ATTEMPT_HEADER: str(attempt),
    }
    try:
        async with session.post(str(url), data=body, headers=headers, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:
            status = resp.status
            text = (await resp.text(errors="replace"))[:300] if status >= 300 else ""
    except TimeoutError:
        return Outcome.failed(f"no answer from {url} within {timeout_s:g} s")
    except aiohttp.ClientError as exc:
        return Outcome.failed(f"{url} unreachable: {type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        return Outcome(True, status)
    error = f"HTTP {status} from {url}" + (f": {text.strip()}" if text.strip() else "")
    if status >= 500 or status in RETRYABLE:
        return Outcome.failed(error, status)
    if 300 <= status < 400:
        error += " (redirects are not followed: configure the final address)"
    return Outcome.refused(error, status)
