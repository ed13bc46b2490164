"""Helpers for tests against the real broker."""

from __future__ import annotations

import aio_pika
from aiormq.exceptions import ChannelClosed

from workers.topology import Topology


async def purge_namespace(url: str, topology: Topology, extra_queues: list[str] = ()) -> None:
    """Delete every queue and exchange of a test's namespace."""
    conn = await aio_pika.connect(url)
    try:
        names = [q.name for q in topology.queues] + list(extra_queues)
        for name in names:
            ch = await conn.channel()
            try:
                await ch.queue_delete(name)
            except ChannelClosed:
                continue
            await ch.close()
        for ex in topology.exchanges:
            ch = await conn.channel()
            try:
                await ch.exchange_delete(ex.name)
            except ChannelClosed:
                continue
            await ch.close()
    finally:
        await conn.close()
