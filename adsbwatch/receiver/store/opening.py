"""Opening the store the user named with --db: the one place that knows which backend
holds it. A path (or nothing: the user's default) is a SQLite file; a PostgreSQL URL is
where that backend plugs in (issue 18). A backend is imported when a store is opened, so
a command that opens none starts without it.

A store that cannot be opened is a CannotOpenStore (exit status 2: the --db given is at
fault), one that is not there when only read a NoStoreError."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adsbwatch.receiver.defaults import default_db_path
from adsbwatch.receiver.store.errors import CannotOpenStore, NoStoreError, StoreError
from adsbwatch.receiver.store.protocols import History, Pruner, Recorder, WatchlistStore
from adsbwatch.receiver.store.unsaved import Restored, read_unsaved

_URL_SCHEMES = ("postgresql://", "postgres://")


def store_location(db: str | None) -> str:
    """--db as given, else the user's default store."""
    return db if db else str(default_db_path())


@contextmanager
def _opening() -> Iterator[None]:
    try:
        yield
    except CannotOpenStore:
        raise
    except StoreError as exc:
        raise CannotOpenStore(str(exc)) from None


def _sqlite_path(db: str | None) -> Path:
    location = store_location(db)
    if location.startswith(_URL_SCHEMES):
        # Not the URL itself in the message: it may hold a password.
        raise CannotOpenStore("--db: PostgreSQL stores are not supported yet; give the "
                              "path of a SQLite file")
    return Path(location)


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


def open_recorder(db: str | None, *, warn: Callable[[str], None],
                  **options: Any) -> Recorder:
    """The store a station writes to, created if need be. `warn` gets the writer's
    lines (it cannot write, it writes again, rows went to a file); `options` tune the
    backend (tests)."""
    from adsbwatch.receiver.store.sqlite.recorder import open_sqlite_recorder

    with _opening():
        return open_sqlite_recorder(_sqlite_path(db), warn, **options)


def open_history(db: str | None) -> History:
    """The store opened read-only for its history; NoStoreError if there is none."""
    from adsbwatch.receiver.store.sqlite.history import SqliteHistory

    with _opening():
        return SqliteHistory(_existing(_sqlite_path(db)))


def open_watchlist_store(db: str | None, *, read_only: bool = False) -> WatchlistStore:
    """The store's watchlist; read-only, a store that is not there is a NoStoreError."""
    from adsbwatch.receiver.store.sqlite.watchlist import SqliteWatchlistStore

    with _opening():
        path = _sqlite_path(db)
        return SqliteWatchlistStore(_existing(path) if read_only else path,
                                    read_only=read_only)


def open_pruner(db: str | None, **options: Any) -> Pruner:
    """The store opened to prune (see pruning.py); NoStoreError if there is none (pruning
    creates nothing). `options` tune the backend (tests)."""
    from adsbwatch.receiver.store.pruning import BatchedPruner
    from adsbwatch.receiver.store.sqlite.pruning import SqlitePruneTarget

    with _opening():
        target = SqlitePruneTarget(_existing(_sqlite_path(db)), **options)
    return BatchedPruner(target)


def restore_unsaved(db: str | None, file: Path) -> Restored:
    """The rows of an unsaved-rows file (see unsaved.py) written into the store in one
    transaction. The file is read first: a bad line (UnsavedFileError, naming file:line)
    writes nothing."""
    from adsbwatch.receiver.store.sqlite.connection import Store
    from adsbwatch.receiver.store.sqlite.restore import restore_into

    saved = read_unsaved(file)
    with _opening():
        store = Store(_sqlite_path(db))
    with store:
        left_out = restore_into(store, saved.batch)
    return Restored(saved.rows - left_out, left_out, saved.cut_off)
