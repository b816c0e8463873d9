"""What is known of an aircraft beyond what it transmits: its registration, type,
operator and country, and the flags aircraft databases keep (tar1090-db's, which readsb
and tar1090 read). Filled from the aircraft database where the user has one, and from
what needs none (the country of an ICAO address block, the military address ranges, the
US N-number encoded in an address)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

# tar1090-db's flags: a string of '0'/'1', character j is bit j.
MILITARY, INTERESTING, PIA, LADD = 1, 2, 4, 8


class AircraftInfo(NamedTuple):
    registration: str | None = None  # "RA-86496", "N12345"
    type_code: str | None = None  # ICAO type designator: "IL62", "B738"
    description: str | None = None  # "ILYUSHIN Il-62"
    year: str | None = None
    operator: str | None = None  # owner or operator: "Russia - Air Force"
    country: str | None = None  # ISO 3166 alpha-2 of the address block: "RU"
    country_name: str | None = None  # "Russia"
    flags: int = 0  # MILITARY | INTERESTING | PIA | LADD

    @property
    def military(self) -> bool:
        return bool(self.flags & MILITARY)

    @property
    def interesting(self) -> bool:
        return bool(self.flags & INTERESTING)

    @property
    def db_flags(self) -> int:
        """readsb's aircraft.json `dbFlags`: the same bits."""
        return self.flags


# What the decoder's parts ask of the aircraft database: the info of an address (None:
# nothing known, not even a country), cheap enough to call for every new aircraft.
InfoLookup = Callable[[int], AircraftInfo | None]
