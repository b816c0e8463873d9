"""The history view's reads of the store (store/reads.py: a SQLite file opened read-only
for each request, PostgreSQL connections kept from one to the next), in a worker thread
so the event loop never waits on the store. Reads run beside the station's writer; a
store that does not exist (yet) reads as empty.

At most READ_THREADS reads run at once, and at most WAITING_READS requests wait for one:
more are HistoryBusy at once (the map says "busy", the network loop and memory do not
suffer four huge reads at a time)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from adsbwatch.receiver.store.errors import NoStoreError
from adsbwatch.receiver.store.opening import open_reads

if TYPE_CHECKING:
    from adsbwatch.decoder.messages.watchlist import WatchEntry
    from adsbwatch.receiver.store.protocols import History, StoreReads

T = TypeVar("T")

READ_THREADS = 2
WAITING_READS = 16


class HistoryBusy(Exception):
    """Too many requests for the store at once: this one is not even queued."""


class HistoryReader:
    def __init__(self, db: str | None) -> None:
        self.db = db  # --db's value; None: no history
        self._reads: StoreReads | None = None  # made at the first read
        self._threads: ThreadPoolExecutor | None = None
        self._admitted = 0  # requests reading or waiting to

    async def read(self, query: Callable[[History], T], empty: T) -> T:
        """`query(history)` on a read-only History, or `empty` when there is no store. A
        store that cannot be read raises StoreError (one line saying why)."""
        return await self._in_thread(lambda reads: reads.history(query), empty)

    async def watch_entries(self) -> list[WatchEntry]:
        """The store's own watchlist (`adsbwatch watchlist add`)."""
        return await self._in_thread(
            lambda reads: reads.watchlist(lambda store: store.watch_entries()), [])

    async def _in_thread(self, read: Callable[[StoreReads], T], empty: T) -> T:
        if self.db is None:
            return empty
        if self._admitted >= WAITING_READS:
            raise HistoryBusy(f"{self._admitted} requests for the store under way already")
        if self._threads is None:
            self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="history")
        if self._reads is None:  # a --db that names no store we know: a StoreError here
            self._reads = open_reads(self.db)
        self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, read,
                                                                    self._reads)
        except NoStoreError:
            return empty
        finally:
            self._admitted -= 1

    def close(self) -> None:
        """Drop the reads not started; those under way end by themselves (and close
        their connections)."""
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
        if self._reads is not None:
            self._reads.close()
