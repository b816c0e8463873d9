"""Opening the store the user named with --db: the one place that knows which backend
holds it. A path (or nothing: the user's default) is a SQLite file; a `postgresql://` or
`postgres://` URL a PostgreSQL database; any other URL is refused. A backend (and its
driver) is imported when a store is opened, so a command that opens none starts without
it.

A store that cannot be opened is a CannotOpenStore (exit status 2: the --db given is at
fault), one that is not there when only read a NoStoreError, a server that does not
answer a StoreError (exit status 1). Messages show the location without its password."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adsbwatch.receiver.defaults import VISIT_GAP_S, default_db_path
from adsbwatch.receiver.locations import POSTGRES_SCHEMES, shown, url_scheme
from adsbwatch.receiver.store.errors import (
    CannotOpenStore,
    NoStoreError,
    StoreError,
    StoreUnreachable,
)
from adsbwatch.receiver.store.protocols import History, Pruner, Recorder, WatchlistStore
from adsbwatch.receiver.store.unsaved import Restored, read_unsaved

if TYPE_CHECKING:
    from adsbwatch.receiver.store.protocols import StoreReads
    from adsbwatch.receiver.store.sql.database import Database

POSTGRES_EXTRA = "pip install 'adsbwatch[postgres]'"


def store_location(db: str | None) -> str:
    """--db as given, else the user's default store."""
    return db if db else str(default_db_path())


def shown_location(db: str | None) -> str:
    """The store as a message names it: a URL without its password."""
    return shown(store_location(db))


def _checked_url(location: str) -> str:
    scheme = url_scheme(location)
    if scheme not in POSTGRES_SCHEMES:
        raise CannotOpenStore(
            f"--db {shown(location)}: {scheme}:// is no store adsbwatch knows: give the "
            "path of a SQLite file or a postgresql:// URL")
    return location


@contextmanager
def _opening() -> Iterator[None]:
    """A backend's failure to open as CannotOpenStore, but for a server that did not
    answer (a runtime failure)."""
    try:
        yield
    except (CannotOpenStore, StoreUnreachable):
        raise
    except StoreError as exc:
        raise CannotOpenStore(str(exc)) from None


def _is_server(db: str | None) -> bool:
    location = store_location(db)
    if url_scheme(location) is None:
        return False
    _checked_url(location)
    return True


def _postgres() -> None:
    """psycopg is there, else a one-line CannotOpenStore saying how to get it."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise CannotOpenStore(f"--db postgresql://... needs psycopg, which is not "
                              f"installed: {POSTGRES_EXTRA}") from None


def _existing(path: Path) -> Path:
    """The path of a store a reading command opens: it must be there (reading never
    creates one)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        raise NoStoreError(f"there is no store at {path}: check --db, or record one first "
                           f"(e.g. `adsbwatch replay FILE --db {path}`)") from None
    except OSError as exc:
        raise CannotOpenStore(f"cannot open the database {path} ({exc.strerror or exc})"
                              ) from None
    return path


def _database(db: str | None, *, read_only: bool) -> Database:
    """The store opened for the shared SQL (sql/): a SQLite file (read-only: one that
    exists) or a PostgreSQL database."""
    location = store_location(db)
    with _opening():
        if _is_server(db):
            _postgres()
            from adsbwatch.receiver.store.postgres.connection import PgStore

            return PgStore(location, read_only=read_only)
        from adsbwatch.receiver.store.sqlite.connection import Store

        path = Path(location)
        return Store(_existing(path) if read_only else path, read_only=read_only)


def open_recorder(db: str | None, *, warn: Callable[[str], None], site: str | None = None,
                  visit_gap_s: float = VISIT_GAP_S, **options: Any) -> Recorder:
    """The store a station writes to, created if need be. `warn` gets the writer's
    lines (it cannot write, it writes again, rows went to a file); `site`: the station's,
    which every row it writes carries; `visit_gap_s`: the silence that ends a visit, which
    also decides whether another site's visit is the same one; `options` tune the
    backend (tests)."""
    location = store_location(db)
    options["site"] = site
    options["visit_gap_s"] = visit_gap_s
    with _opening():
        if _is_server(db):
            _postgres()
            from adsbwatch.receiver.store.postgres.recorder import open_postgres_recorder

            return open_postgres_recorder(location, warn, **options)
        from adsbwatch.receiver.store.sqlite.recorder import open_sqlite_recorder

        return open_sqlite_recorder(Path(location), warn, **options)


def open_history(db: str | None) -> History:
    """The store opened read-only for its history; NoStoreError if there is none."""
    from adsbwatch.receiver.store.sql.history import SqlHistory

    return SqlHistory(_database(db, read_only=True))


def open_watchlist_store(db: str | None, *, read_only: bool = False) -> WatchlistStore:
    """The store's watchlist; read-only, a store that is not there is a NoStoreError."""
    from adsbwatch.receiver.store.sql.watchlist import SqlWatchlistStore

    return SqlWatchlistStore(_database(db, read_only=read_only))


def open_reads(db: str | None) -> StoreReads:
    """The store for reading again and again (see reads.py); opens nothing yet: each read
    may raise what open_history does."""
    from adsbwatch.receiver.store.reads import FreshReads, KeptReads

    if _is_server(db):
        _postgres()
        from adsbwatch.receiver.store.postgres.connection import PgStore

        def connect() -> PgStore:
            return _database(db, read_only=True)  # type: ignore[return-value]

        return KeptReads(connect)
    return FreshReads(lambda: open_history(db),
                      lambda: open_watchlist_store(db, read_only=True))


def open_pruner(db: str | None, **options: Any) -> Pruner:
    """The store opened to prune (see pruning.py); NoStoreError if there is none (pruning
    creates nothing). `options` tune the backend (tests)."""
    from adsbwatch.receiver.store.pruning import BatchedPruner

    location = store_location(db)
    with _opening():
        if _is_server(db):
            _postgres()
            from adsbwatch.receiver.store.postgres.pruning import PgPruneTarget

            return BatchedPruner(PgPruneTarget(location, **options))
        from adsbwatch.receiver.store.sqlite.pruning import SqlitePruneTarget

        return BatchedPruner(SqlitePruneTarget(_existing(Path(location)), **options))


def restore_unsaved(db: str | None, file: Path) -> Restored:
    """The rows of an unsaved-rows file (see unsaved.py) written into the store in one
    transaction. The file is read first: a bad line (UnsavedFileError, naming file:line)
    writes nothing."""
    from adsbwatch.receiver.store.sql.restore import restore_into

    saved = read_unsaved(file)
    with _database(db, read_only=False) as store:
        left_out = restore_into(store, saved.batch)
    return Restored(saved.rows - left_out, left_out, saved.cut_off)
