"""The SQLite backend: one file (WAL) per store. Only opening.py imports it; `Store` is
a connection to the file (`Store(path).close()` creates or migrates one). The SQL it runs
is sql/'s, shared with PostgreSQL."""

from adsbwatch.receiver.store.sqlite.connection import Store

__all__ = ["Store"]
