"""One connection to the PostgreSQL store: connecting (a bounded wait, so a server that is
not there is a one-line error at the start), checking and migrating the schema, reading
and one transaction at a time. SQL comes with SQLite's `?` parameters (sql/'s text) and
is given to psycopg with its own `%s`. Autocommit, so nothing holds a transaction open
between the writer's batches; read-only connections refuse to write at the server.
A connection is used by one thread at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from types import TracebackType
from typing import Any

import psycopg

from adsbwatch.receiver.locations import shown
from adsbwatch.receiver.store.errors import (
    CannotOpenStore,
    NoStoreError,
    StoreError,
    StoreUnreachable,
)
from adsbwatch.receiver.store.postgres.failures import (
    first_line,
    no_such_database,
    refused_login,
    why,
)
from adsbwatch.receiver.store.postgres.schema import (
    MIGRATION_LOCK,
    SCHEMA_VERSION,
    VERSION_TABLE,
    check_version,
    migration_steps,
    no_store,
    version_sql,
)

CONNECT_TIMEOUT_S = 5  # libpq's connect_timeout: whole seconds
# How long a write waits for a lock another connection holds (a station's transaction, a
# prune) before it fails as "locked", rather than hanging: a command's, as SQLite's
# busy wait bounds it. The recorder and the pruner set their own on their connections.
LOCK_WAIT_S = 10.0


@lru_cache(maxsize=256)
def pg_sql(sql: str) -> str:
    """SQLite's `?` parameters as psycopg's `%s` (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """A psycopg connection that takes sql/'s text (the shared SQL's Connection)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        return self.conn.execute(pg_sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor:
        """The cursor: its rowcount is the rows of all the statements together (left
        open, as closing it forgets that; a client-side cursor holds nothing at the server)."""
        rows = list(rows)
        cursor = self.conn.cursor()
        if rows:
            cursor.executemany(pg_sql(sql), rows)
        return cursor


def dial(url: str) -> psycopg.Connection:
    """A connection, psycopg's failure as it is."""
    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)


def bound_lock_waits(conn: psycopg.Connection, seconds: float) -> None:
    """A statement of `conn` that waits `seconds` for a lock fails (lock_not_available:
    "locked by another program") instead of waiting on."""
    conn.execute("SELECT set_config('lock_timeout', %s, false)",
                 (f"{max(1, round(seconds * 1000))}ms",))


def connect(url: str) -> psycopg.Connection:
    """A connection to the server the URL names; a one-line StoreError if there is none
    (CannotOpenStore when the URL is at fault, StoreUnreachable when the server is)."""
    location = shown(url)
    try:
        return dial(url)
    except psycopg.ProgrammingError as exc:  # libpq could not read the URL
        raise CannotOpenStore(f"--db {location} is not a PostgreSQL URL libpq can read "
                              f"({first_line(exc, url)})") from None
    except psycopg.Error as exc:
        reason = first_line(exc, url)
        if no_such_database(exc):
            raise NoStoreError(f"{location}: {reason} (create it first: createdb NAME)"
                               ) from None
        if refused_login(exc):
            raise CannotOpenStore(f"{location}: the server refused the login ({reason})"
                                  ) from None
        raise StoreUnreachable(f"cannot connect to the database {location} ({reason}): "
                               "is the server running, and the URL right?") from None


class PgStore:
    """The store at `url`, connected and checked; migrated unless `read_only`, created
    in an empty database unless `existing` (NoStoreError then)."""

    row_locks = True

    def __init__(self, url: str, read_only: bool = False, existing: bool = False) -> None:
        self.url = url
        self.location = shown(url)
        self.read_only = read_only
        self.existing = existing
        self.conn: psycopg.Connection = connect(url)
        try:
            if read_only:
                self.conn.execute("SET default_transaction_read_only = on")
            self._check_and_migrate()
            # After migrating: another station's migration may take longer than this.
            bound_lock_waits(self.conn, LOCK_WAIT_S)
        except psycopg.Error as exc:
            self.conn.close()
            raise StoreError(f"cannot open the database {self.location}: "
                             f"{why(exc, url)}") from None
        except BaseException:
            self.conn.close()
            raise

    # -------------------------------------------------------------------- the schema

    def _version(self) -> int:
        """The checked version (0: an empty database)."""
        # One statement, one snapshot: another station migrating the database at the
        # same moment must not show its tables without its version table.
        (table, others), = self.conn.execute(
            "SELECT to_regclass(%s), (SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema())", (VERSION_TABLE,))
        version = None
        if table is not None:
            (version,), = self.conn.execute(version_sql())
        return check_version(version, others, self.location, read_only=self.read_only)

    def _check_and_migrate(self) -> None:
        version = self._version()
        if version == SCHEMA_VERSION or self.read_only:
            return  # the usual case: no lock taken to open
        if version == 0 and self.existing:
            raise no_store(self.location)
        with self.conn.transaction():
            # One station at a time; check again under the lock: another may have done it.
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            for statement in migration_steps(self._version()):
                self.conn.execute(statement)

    # -------------------------------------------------------------------- the SQL

    @contextmanager
    def writing(self) -> Iterator[PgConnection]:
        """One transaction; psycopg's failures go on as they are."""
        with self.conn.transaction():
            yield PgConnection(self.conn)

    @contextmanager
    def transaction(self, doing: str) -> Iterator[PgConnection]:
        """writing(), a failure a one-line StoreError: "cannot {doing} in {where}: why"."""
        try:
            with self.writing() as conn:
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"cannot {doing} in {self.location}: {why(exc, self.url)}"
                             ) from None

    def read(self, doing: str, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            return self.conn.execute(pg_sql(sql), params).fetchall()
        except psycopg.Error as exc:
            raise StoreError(f"cannot {doing} from {self.location}: {why(exc, self.url)}"
                             ) from None

    # -------------------------------------------------------------------- closing

    @property
    def closed(self) -> bool:
        return self.conn.closed

    @property
    def lost(self) -> bool:
        """Closed, or broken by a server that went away: a new connection is needed."""
        return self.conn.closed or self.conn.broken

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
