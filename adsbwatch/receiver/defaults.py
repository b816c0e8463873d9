"""Defaults shared by the command line, the pipeline and the store, kept apart so
that the command line's parsers show them without importing what uses them."""

from __future__ import annotations

import os
from pathlib import Path

SIGHTING_WAIT_S = 10.0  # how long a sighting may wait for the callsign, by default
VISIT_GAP_S = 600.0  # silence that ends a visit, by default
AIRCRAFT_EXPIRY_S = 60.0  # silence after which an aircraft leaves the table (dump1090's)
DEFAULT_BIND = "127.0.0.1"  # network services listen on loopback unless told otherwise
MAX_CLIENTS = 1000  # clients a network port takes at once, by default


def default_db_path() -> Path:
    """$XDG_DATA_HOME/adsbwatch/adsbwatch.db, else ~/.local/share/adsbwatch/adsbwatch.db."""
    base = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says to ignore a relative value.
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "adsbwatch" / "adsbwatch.db"


AIRCRAFT_DB_NAME = "aircraft.db"
# tar1090-db's aircraft.csv.gz, as readsb's and tar1090's install scripts fetch it
AIRCRAFT_DB_URL = "https://raw.githubusercontent.com/wiedehopf/tar1090-db/csv/aircraft.csv.gz"


def default_aircraft_db_path(db: str | Path | None) -> Path:
    """The aircraft database beside the store `db` (--db as given; None: the default
    store); beside the default store when the store is not a file (a URL)."""
    if db is None or "://" in str(db):
        return default_db_path().parent / AIRCRAFT_DB_NAME
    return Path(db).parent / AIRCRAFT_DB_NAME
