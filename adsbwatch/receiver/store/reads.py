"""Reads of the store for a program that reads it again and again (the web map's history):
each a query on a History or the watchlist, from any thread.

A SQLite file is opened read-only afresh for each read (cheap, and it sees the writer's
latest commit without holding anything open between reads). A PostgreSQL connection costs
tens of milliseconds and one of the server's connection slots: its connections are kept
between reads, one per read under way (the caller bounds how many run at once), and one
found lost (a server restarted) is replaced and its read tried once more."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import History, WatchlistStore
from adsbwatch.receiver.store.sql.database import Database
from adsbwatch.receiver.store.sql.history import SqlHistory
from adsbwatch.receiver.store.sql.watchlist import SqlWatchlistStore

T = TypeVar("T")


class FreshReads:
    """Each read on a store opened for it (and closed after)."""

    def __init__(self, open_history: Callable[[], History],
                 open_watchlist: Callable[[], WatchlistStore]) -> None:
        self._open_history = open_history
        self._open_watchlist = open_watchlist

    def history(self, query: Callable[[History], T]) -> T:
        with self._open_history() as history:
            return query(history)

    def watchlist(self, query: Callable[[WatchlistStore], T]) -> T:
        with self._open_watchlist() as store:
            return query(store)

    def close(self) -> None:
        pass


class Reconnectable(Database, Protocol):
    @property
    def lost(self) -> bool:
        """The connection is gone (its server went away): a new one is needed."""


class KeptReads:
    """Reads on connections kept from one read to the next; `connect()` opens one."""

    def __init__(self, connect: Callable[[], Reconnectable]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._idle: list[Reconnectable] = []
        self._closed = False

    def history(self, query: Callable[[History], T]) -> T:
        return self._read(lambda store: query(SqlHistory(store)))

    def watchlist(self, query: Callable[[WatchlistStore], T]) -> T:
        return self._read(lambda store: query(SqlWatchlistStore(store)))

    def close(self) -> None:
        """Close the idle connections; one in use is closed when its read ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for store in idle:
            store.close()

    def _read(self, query: Callable[[Database], T]) -> T:
        store = self._take()
        try:
            try:
                return query(store)
            except StoreError:
                if not store.lost:
                    raise
            store.close()  # lost while idle (a restarted server): once more, anew
            store = self._connect()
            return query(store)
        finally:
            self._give_back(store)

    def _take(self) -> Reconnectable:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _give_back(self, store: Reconnectable) -> None:
        with self._lock:
            if not (self._closed or store.lost):
                self._idle.append(store)
                return
        store.close()
