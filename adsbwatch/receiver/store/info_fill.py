"""What the aircraft database says of visits stored without it: a run before there was a
database (or before schema v5) left a visit's registration, type, operator and country
empty; a reader with a database (`sightings --aircraft-db`) fills them as it reads. What
a visit stored is kept: the database of its time said so."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from adsbwatch.decoder.registry.info import InfoLookup
from adsbwatch.receiver.store.rows import VisitRow

_FILLED = ("registration", "type_code", "operator", "country")  # VisitRow = AircraftInfo


def fill_info(visits: Iterable[VisitRow], info_of: InfoLookup) -> list[VisitRow]:
    """The visits, each empty column filled where `info_of` knows its aircraft (asked
    once per address)."""
    known: dict[int, object] = {}
    filled = []
    for v in visits:
        missing = [name for name in _FILLED if getattr(v, name) is None]
        if missing:
            if v.icao not in known:
                known[v.icao] = info_of(v.icao)
            info = known[v.icao]
            found = {name: getattr(info, name) for name in missing
                     if info is not None and getattr(info, name)}
            if found:
                v = replace(v, **found)
        filled.append(v)
    return filled
