"""RabbitMQ's HTTP management API: unacked counts and message rates the AMQP protocol lacks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import aiohttp


@dataclass(frozen=True)
class QueueStats:
    name: str
    ready: int
    unacked: int
    consumers: int
    publish_rate: float | None
    deliver_rate: float | None


def default_http_url(amqp_url: str) -> str:
    parts = urlsplit(amqp_url)
    scheme, port = ("https", 15671) if parts.scheme == "amqps" else ("http", 15672)
    return f"{scheme}://{parts.hostname}:{port}"


class ManagementAPI:
    """Reads queue statistics for one vhost; same credentials as the AMQP URL."""

    def __init__(self, amqp_url: str, http_url: str | None = None):
        parts = urlsplit(amqp_url)
        self.base = (http_url or default_http_url(amqp_url)).rstrip("/")
        self.vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        self._headers = {"Authorization": aiohttp.encode_basic_auth(
            unquote(parts.username or "guest"), unquote(parts.password or "guest"))}
        self._session: aiohttp.ClientSession | None = None

    async def _get(self, path: str, **params: str) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=3))
        async with self._session.get(f"{self.base}{path}", params=params) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def queues(self) -> dict[str, QueueStats]:
        rows = await self._get(
            f"/api/queues/{quote(self.vhost, safe='')}",
            columns="name,messages_ready,messages_unacknowledged,consumers,message_stats")
        out = {}
        for r in rows:
            stats = r.get("message_stats") or {}
            out[r["name"]] = QueueStats(
                r["name"], int(r.get("messages_ready") or 0),
                int(r.get("messages_unacknowledged") or 0), int(r.get("consumers") or 0),
                (stats.get("publish_details") or {}).get("rate"),
                (stats.get("deliver_get_details") or {}).get("rate"))
        return out

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
