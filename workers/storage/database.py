"""Where the analytics store lives and how to open it: SQLite in the user data folder by default,
PostgreSQL by URL (``postgresql+asyncpg://user@host/db``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from workers.paths import data_dir

ENV_DB_URL = "CAMCOUNT_DB_URL"


def default_url() -> str:
    return os.environ.get(ENV_DB_URL) or f"sqlite+aiosqlite:///{data_dir() / 'camcount.db'}"


def redact(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets console queries read while ingestion writes; NORMAL is durable across a process
    # crash (only an OS crash can lose the last commits), and far faster than FULL.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str | None = None, *, echo: bool = False):
        self.url = sa.make_url(url or default_url())
        if self.url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {redact(str(self.url))}: "
                             "use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_size=5, max_overflow=5, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    def __repr__(self) -> str:
        return f"<Database {redact(str(self.url))}>"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits on success and rolls back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
