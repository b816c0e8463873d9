"""The aircraft database file: SQLite, one row an aircraft keyed by its address (a WITHOUT
ROWID table: the row is in the key's B-tree, one page walk a lookup), an index on the
upper-case registration, and a table saying where it came from. Written whole by
importing.py; read here, read-only."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import NamedTuple

from adsbwatch.decoder.registry.info import AircraftInfo

MMAP_BYTES = 1 << 28  # read through the page cache, not a read() call a page
FORMAT = "adsbwatch-aircraft-1"  # about.format: what this code reads

SCHEMA = """
CREATE TABLE aircraft (
    address INTEGER PRIMARY KEY,
    registration TEXT,
    type_code TEXT,
    description TEXT,
    year TEXT,
    operator TEXT,
    flags INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
# Made after the rows are in: one sort instead of 600k index inserts.
REGISTRATION_INDEX = "CREATE INDEX aircraft_registration ON aircraft (upper(registration))"

_ROW = ("SELECT registration, type_code, description, year, operator, flags "
        "FROM aircraft WHERE address = ?")
_BY_REGISTRATION = ("SELECT address FROM aircraft WHERE upper(registration) = ? "
                    "ORDER BY address LIMIT 1")


class DatabaseError(Exception):
    """The file is not an aircraft database this code reads (or cannot be read)."""


class About(NamedTuple):
    aircraft: int
    imported: float  # Unix time
    source: str  # the file or URL it was made from
    skipped: int  # lines of the source left out


class AircraftDatabase:
    """An open database: lookups by address and by registration, from any thread."""

    def __init__(self, path: Path) -> None:
        try:
            # immutable: no locks taken per query (a third of a lookup's time). True of
            # this file: it is never written in place, a new one is renamed over it,
            # and this open one stays as it was.
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1",
                                       uri=True, check_same_thread=False)
            self._db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            about = dict(self._db.execute("SELECT key, value FROM about"))
        except sqlite3.Error as exc:
            raise DatabaseError(f"{path} is not an aircraft database ({exc})") from None
        if about.get("format") != FORMAT:
            self._db.close()
            raise DatabaseError(f"{path} is an aircraft database of another format "
                                f"({about.get('format')!r}, not {FORMAT!r}): import it again")
        self.about = About(int(about.get("aircraft", 0)), float(about.get("imported", 0)),
                           about.get("source", ""), int(about.get("skipped", 0)))
        self._lock = threading.Lock()

    def row(self, address: int) -> AircraftInfo | None:
        with self._lock:
            found = self._db.execute(_ROW, (address,)).fetchone()
        if found is None:
            return None
        registration, type_code, description, year, operator, flags = found
        return AircraftInfo(registration, type_code, description, year, operator,
                            flags=flags)

    def address_of(self, registration: str) -> int | None:
        with self._lock:
            found = self._db.execute(_BY_REGISTRATION, (registration.upper(),)).fetchone()
        return None if found is None else found[0]

    def close(self) -> None:
        self._db.close()
