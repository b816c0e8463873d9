"""What is known of an address with no aircraft database: its country's block, whether it
is in a military range, and the N-number a US address encodes; and these merged into what
a database says."""

from __future__ import annotations

from adsbwatch.decoder.registry.countries import country_of
from adsbwatch.decoder.registry.info import MILITARY, AircraftInfo
from adsbwatch.decoder.registry.military import is_military
from adsbwatch.decoder.registry.nnumber import n_number

_NOTHING = AircraftInfo()


def with_builtins(address: int, known: AircraftInfo | None) -> AircraftInfo | None:
    """`known` (a database's row, or None) with the country, the military flag and, when
    it names none, the registration the address encodes. None when nothing is known."""
    country = country_of(address)
    military = is_military(address)
    if known is None:
        registration = n_number(address)
        if country is None and not military and registration is None:
            return None
        known = _NOTHING
    else:
        registration = known.registration or n_number(address)
    # Made whole in one call (not _replace): this runs for every new aircraft.
    return AircraftInfo(
        registration, known.type_code, known.description, known.year, known.operator,
        country.code if country is not None else None,
        country.name if country is not None else None,
        known.flags | MILITARY if military else known.flags)
