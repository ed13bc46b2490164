"""The few places where SQLite and PostgreSQL need different SQL, hidden behind one name each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on both databases.

    PostgreSQL keeps ``timestamptz``. SQLite has no time zones, so values are stored as naive UTC
    in SQLAlchemy's fixed-width text format, which keeps range comparisons on the index correct.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: CamCount stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: integer primary keys: 64-bit on PostgreSQL, SQLite's rowid alias (which must be INTEGER)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - reads as the SQL function it is
    """Whole seconds since 1970 of a UTCDateTime column, as an integer."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def insert(dialect: str, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
    """INSERT with ON CONFLICT support for the session's database."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
