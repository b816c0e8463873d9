"""The history view's reads of the store: one short-lived read-only connection per
request, in a worker thread so the event loop never waits on SQLite. WAL lets these
reads run beside the station's writer; a store that does not exist (yet) reads as
empty."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from adsbwatch.receiver.store.sqlite import Store

T = TypeVar("T")


class HistoryReader:
    def __init__(self, db_path: str | None) -> None:
        self.path = Path(db_path) if db_path else None

    async def read(self, query: Callable[[Store], T], empty: T) -> T:
        """`query(store)` on a fresh read-only Store, or `empty` when there is no store.
        A store that cannot be read raises StoreError (one line saying why)."""
        if self.path is None:
            return empty
        return await asyncio.get_running_loop().run_in_executor(
            None, self._read_now, query, empty)

    def _read_now(self, query: Callable[[Store], T], empty: T) -> T:
        from adsbwatch.receiver.store.sqlite import Store

        assert self.path is not None
        if not os.path.exists(self.path):
            return empty
        store = Store(self.path, read_only=True)
        try:
            return query(store)
        finally:
            store.close()
