"""The aircraft database as the station asks it: `Registry.info(address)` is the database's
row merged with the built-in tables (country, military ranges, N-numbers). Nothing is
opened until the first lookup, so that a command that never asks pays nothing; a missing
or unreadable file is one warning, and the built-ins answer on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from adsbwatch.decoder.registry.builtin import with_builtins
from adsbwatch.decoder.registry.info import AircraftInfo
from adsbwatch.decoder.registry.nnumber import address_of_n_number
from adsbwatch.receiver.core.lines import warn_on_stderr
from adsbwatch.receiver.defaults import default_aircraft_db_path

if TYPE_CHECKING:
    from adsbwatch.receiver.registry.database import AircraftDatabase


class Registry:
    def __init__(self, path: Path | None, warn: Callable[[str], None] = warn_on_stderr,
                 missing_ok: bool = False) -> None:
        """`path` None: the built-in tables only. `missing_ok`: a file that is not there
        is no warning (the default place, where the user may never have imported one)."""
        self.path = path
        self._warn = warn
        self._missing_ok = missing_ok
        self._lock = threading.Lock()
        self._opened = path is None
        self._database: AircraftDatabase | None = None

    def database(self) -> AircraftDatabase | None:
        """The open database; None when there is none to read (said once)."""
        if self._opened:
            return self._database
        with self._lock:
            if not self._opened:
                self._database = self._open()
                self._opened = True
        return self._database

    def _open(self) -> AircraftDatabase | None:
        from adsbwatch.receiver.registry.database import AircraftDatabase, DatabaseError

        assert self.path is not None
        if not self.path.exists():
            if not self._missing_ok:
                self._warn(f"no aircraft database at {self.path}: registrations and types "
                           "are not shown (make one with `adsbwatch db update` or "
                           "`adsbwatch db import FILE`)")
            return None
        try:
            return AircraftDatabase(self.path)
        except DatabaseError as exc:
            self._warn(f"{exc}; going on with the built-in tables only (countries, "
                       "military ranges, N-numbers)")
            return None

    def info(self, address: int) -> AircraftInfo | None:
        """What is known of `address`; None when nothing is."""
        database = self.database()
        return with_builtins(address, database.row(address) if database else None)

    def address_of(self, registration: str) -> int | None:
        """The address of a registration (any case): the database's, else the one a US
        N-number encodes."""
        database = self.database()
        found = database.address_of(registration.strip()) if database else None
        return found if found is not None else address_of_n_number(registration)

    def close(self) -> None:
        with self._lock:
            if self._database is not None:
                self._database.close()
            self._database = None
            self._opened = self.path is None


def open_registry(path: Path | None, warn: Callable[[str], None] = warn_on_stderr,
                  missing_ok: bool = False) -> Registry:
    """The registry of the database at `path` (None: built-ins only); nothing is opened
    until the first lookup."""
    return Registry(path, warn, missing_ok)


def open_chosen_registry(given: Path | None, store_db: str | Path | None,
                         warn: Callable[[str], None] = warn_on_stderr) -> Registry:
    """The database --aircraft-db names (`given`: said when it is not there), else the
    one beside the store `store_db` (the user may never have made it: nothing said)."""
    path = given if given is not None else default_aircraft_db_path(store_db)
    return Registry(path, warn, missing_ok=given is None)
