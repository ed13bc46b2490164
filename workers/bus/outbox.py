"""Publishing facts so that none is lost: confirmed by the broker, or kept on disk until it is.

A fact (a count event, a camera state change) is published with confirms and ``mandatory`` as
usual. When the broker cannot take it — the connection is down, the queue is full and the broker
nacks (``reject-publish``), nothing is bound — it goes into a journal on disk (SQLite, one file
per producer) instead of failing its producer, and a drain task republishes the journal in order,
with backoff, deleting each entry only once the broker has confirmed it. While the journal holds
anything, new facts queue behind it, so a backlog drains in the order it was counted. A producer
restarted after a crash drains what its last run left.

A fact republished after a lost confirm can arrive twice; consumers are idempotent on the
message id, which the journal keeps.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from workers.bus.base import Bus
from workers.bus.errors import BusError
from workers.contracts.base import Contract
from workers.paths import data_dir
from workers.tasks import cancel_and_wait

log = logging.getLogger(__name__)

#: journal entries republished per round while draining
DRAIN_BATCH = 200
BACKOFF_START_S = 0.5
BACKOFF_CAP_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exchange TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    body BLOB NOT NULL,
    headers TEXT NOT NULL,
    created REAL NOT NULL
)
"""

Entry = tuple[int, str, str, bytes, dict[str, Any], float]


class OutboxInUse(BusError):
    """Another running process owns this journal (two workers started with one id)."""


def _lock(path: Path) -> FileLock:
    return FileLock(path.with_name(path.name + ".lock"), timeout=0)


class _Journal:
    """The entries waiting for the broker. SQLite on disk (WAL: an entry written is kept across a
    crash of the process), or a list when ``path`` is None (local mode: the in-process bus
    dies with its process anyway). Called from one thread only.

    Each running producer holds a lock on its file. At open, journals in the same folder whose
    lock is free were left by producers that are gone (a detector restarted under a new id);
    their entries are taken over, so no fact waits for a process that will not come back.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock: FileLock | None = None
        self._mem: list[Entry] = []
        self._next = 1

    def open(self) -> int:
        if self.path is None:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.path)
        try:
            self._lock.acquire()
        except Timeout:
            raise OutboxInUse(f"another running worker uses {self.path}: give each worker its "
                              "own --worker-id") from None
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        for other in sorted(self.path.parent.glob("*.sqlite")):
            if other != self.path:
                self._adopt(other)
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def _adopt(self, other: Path) -> None:
        assert self._db is not None
        lock = _lock(other)
        try:
            lock.acquire()
        except Timeout:
            return  # its producer is running
        try:
            self._db.execute("ATTACH DATABASE ? AS orphan", (str(other),))
            try:
                self._db.execute(_SCHEMA.replace("outbox", "orphan.outbox", 1))
                n = self._db.execute(
                    "INSERT INTO outbox (exchange, routing_key, body, headers, created) "
                    "SELECT exchange, routing_key, body, headers, created FROM orphan.outbox "
                    "ORDER BY id").rowcount
            finally:
                self._db.execute("DETACH DATABASE orphan")
            for leftover in (other, other.with_name(other.name + "-wal"),
                             other.with_name(other.name + "-shm")):
                leftover.unlink(missing_ok=True)
            if n:
                log.warning("took over %d facts from %s, left by a worker that is gone", n, other)
        finally:
            lock.release()
            Path(lock.lock_file).unlink(missing_ok=True)

    def add(self, exchange: str, key: str, body: bytes, headers: dict[str, Any]) -> None:
        now = time.time()
        if self._db is None:
            self._mem.append((self._next, exchange, key, body, headers, now))
            self._next += 1
            return
        self._db.execute("INSERT INTO outbox (exchange, routing_key, body, headers, created) "
                         "VALUES (?, ?, ?, ?, ?)", (exchange, key, body, json.dumps(headers), now))

    def oldest(self, n: int) -> list[Entry]:
        if self._db is None:
            return self._mem[:n]
        rows = self._db.execute("SELECT id, exchange, routing_key, body, headers, created FROM outbox "
                                "ORDER BY id LIMIT ?", (n,)).fetchall()
        return [(i, ex, k, b, json.loads(h), c) for i, ex, k, b, h, c in rows]

    def remove(self, ids: list[int]) -> None:
        if self._db is None:
            gone = set(ids)
            self._mem = [e for e in self._mem if e[0] not in gone]
            return
        self._db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def journal_path(bus: Bus, producer_id: str) -> Path | None:
    """Where a producer's facts wait for the broker: the user data folder, one folder per
    namespace; None (memory) on a bus that keeps nothing itself."""
    if not bus.durable:
        return None
    return data_dir() / "outbox" / (bus.topology.namespace or "default") / f"{producer_id}.sqlite"


class FactOutbox:
    def __init__(self, bus: Bus, path: Path | None, *, name: str = "facts"):
        self.bus = bus
        self.name = name
        self._journal = _Journal(path)
        self._io = ThreadPoolExecutor(1, thread_name_prefix=f"camcount-outbox-{name}")
        self._wake = asyncio.Event()
        self._empty = asyncio.Event()
        self._empty.set()
        self._drainer: asyncio.Task[None] | None = None
        #: entries in the journal (kept here so stats never touch the disk)
        self.buffered = 0
        self._oldest_at: float | None = None
        self.published = 0
        self.last_error = ""

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    async def start(self) -> None:
        self.buffered = await self._run(self._journal.open)
        if self.buffered:
            log.warning("%s: %d facts left by an earlier run wait for the broker; sending them",
                        self.name, self.buffered)
            self._oldest_at = time.time()
            self._empty.clear()
            self._wake.set()
        self._drainer = asyncio.get_running_loop().create_task(self._drain_forever())

    async def close(self) -> None:
        """Stop draining. What is still buffered stays on disk for the next start."""
        await cancel_and_wait(self._drainer)
        if self.buffered:
            log.warning("%s: stopping with %d facts not yet confirmed by the broker; they are "
                        "kept in %s and sent at the next start", self.name, self.buffered,
                        self._journal.path or "memory (lost: local mode)")
        await self._run(self._journal.close)
        self._io.shutdown(wait=True)

    def stats(self) -> dict[str, Any]:
        return {"facts_buffered": self.buffered,
                "facts_oldest_s": round(time.time() - self._oldest_at, 1)
                if self.buffered and self._oldest_at else 0.0,
                "facts_published": self.published,
                "facts_error": self.last_error if self.buffered else ""}

    async def sent(self) -> None:
        """Return once nothing waits in the journal."""
        await self._empty.wait()

    async def put(self, exchange: str, routing_key: str, message: Contract) -> bool:
        """Publish a fact; True once the broker confirmed it, False when it was buffered (it is
        then sent later, in order). Raises only for a message that can never be sent."""
        body, headers = message.to_wire()
        message.check_size(body)
        if not self.buffered:
            try:
                await self.bus.publish(exchange, routing_key, body, headers=headers)
                self.published += 1
                return True
            except BusError as exc:
                self._note_failure(exc)
        await self._buffer(exchange, routing_key, body, headers)
        return False

    async def _buffer(self, exchange: str, key: str, body: bytes, headers: dict[str, Any]) -> None:
        await self._run(self._journal.add, exchange, key, body, headers)
        if not self.buffered:
            self._oldest_at = time.time()
        self.buffered += 1
        self._empty.clear()
        self._wake.set()

    def _note_failure(self, exc: BaseException) -> None:
        if not self.buffered:
            log.warning("%s: the broker did not take a fact (%s); buffering facts on disk until "
                        "it does", self.name, exc)
        self.last_error = str(exc)

    async def _drain_forever(self) -> None:
        pause = BACKOFF_START_S
        while True:
            await self._wake.wait()
            entries = await self._run(self._journal.oldest, DRAIN_BATCH)
            if not entries:
                self._wake.clear()
                continue
            self._oldest_at = entries[0][5]
            sent: list[int] = []
            try:
                for id_, exchange, key, body, headers, _ in entries:
                    await self.bus.publish(exchange, key, body, headers=headers)
                    sent.append(id_)
            except Exception as exc:  # whatever it is, the drain goes on: the facts wait on disk
                if not isinstance(exc, BusError):
                    log.exception("%s: unexpected failure sending buffered facts", self.name)
                self._note_failure(exc)
            if sent:
                await self._run(self._journal.remove, sent)
                self.buffered -= len(sent)
                self.published += len(sent)
                pause = BACKOFF_START_S
                if not self.buffered:
                    self._empty.set()
                    log.info("%s: every buffered fact is confirmed by the broker", self.name)
            if len(sent) < len(entries):
                await asyncio.sleep(pause)
                pause = min(pause * 2, BACKOFF_CAP_S)
