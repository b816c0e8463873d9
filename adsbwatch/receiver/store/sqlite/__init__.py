"""The SQLite backend: one file (WAL) per store. Only opening.py imports it; `Store` is
a connection to the file (`Store(path).close()` creates or migrates one)."""

from adsbwatch.receiver.store.sqlite.connection import Store

__all__ = ["Store"]
