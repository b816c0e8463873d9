"""What the shared SQL needs of a backend's open database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from adsbwatch.receiver.store.protocols import Closing


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Any: ...


class Connection(Protocol):
    """A connection inside a transaction; SQL with `?` parameters."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...


class Database(Closing, Protocol):
    location: str  # as messages show it (a URL without its password)
    row_locks: bool  # SELECT ... FOR UPDATE locks rows (PostgreSQL); SQLite's writes are serial

    def read(self, doing: str, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """The rows of one query; a failure is a one-line StoreError naming `doing`."""

    def transaction(self, doing: str) -> AbstractContextManager[Connection]:
        """One transaction, committed at the end; a failure a one-line StoreError."""
