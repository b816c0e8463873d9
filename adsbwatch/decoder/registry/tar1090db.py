"""One line of tar1090-db's aircraft.csv (what readsb's --db-file and tar1090 read):
`hex;registration;type;flags;description;year;owner/operator`, `;`-separated.

As readsb reads it (aircraft.c, dbUpdate): the address is hexadecimal (any case) and 0 is
no aircraft; the flags are a string of characters, the j-th '1' setting bit j (0 military,
1 interesting, 2 PIA, 3 LADD; anything else is 0), at most 16 of them. Unlike readsb,
a line that stops after its flags (or after any later field) is kept with the fields it
has, and a line readsb would skip is reported with the reason."""

from __future__ import annotations

from typing import NamedTuple

from adsbwatch.decoder.registry.info import AircraftInfo

SEPARATOR = ";"
FIELDS = ("hex", "registration", "type", "flags", "description", "year", "owner/operator")
MIN_FIELDS = 4  # hex, registration, type and flags
FLAG_CHARACTERS = 16  # readsb's dbFlags is 16 bits
_HEX = frozenset("0123456789abcdefABCDEF")
_CONTROL = {code: " " for code in range(32)}  # readsb turns control characters to spaces


class Row(NamedTuple):
    """A line that names an aircraft: its address and what the database says of it
    (country left to the built-in tables)."""

    address: int
    info: AircraftInfo


class BadLine(NamedTuple):
    reason: str


def _text(field: str) -> str | None:
    text = field.translate(_CONTROL).strip()
    return text or None


def parse_flags(text: str) -> int:
    """readsb's reading of the flags field: character j is bit j when it is '1'."""
    bits = 0
    for j, character in enumerate(text[:FLAG_CHARACTERS]):
        if character == "1":
            bits |= 1 << j
    return bits


def parse_line(line: str) -> Row | BadLine:
    """A line without its newline."""
    fields = line.rstrip("\r\n").split(SEPARATOR)
    if len(fields) < MIN_FIELDS:
        return BadLine(f"{len(fields)} field{'s' if len(fields) != 1 else ''}, not the "
                       f"{MIN_FIELDS} or more of {SEPARATOR.join(FIELDS)}")
    hex_text = fields[0].strip()
    if not 1 <= len(hex_text) <= 6 or not _HEX.issuperset(hex_text):
        return BadLine(f"{hex_text[:20]!r} is not an address of up to 6 hex digits")
    address = int(hex_text, 16)
    if address == 0:
        return BadLine("address 000000 is no aircraft")
    fields += [""] * (len(FIELDS) - len(fields))
    return Row(address, AircraftInfo(
        registration=_text(fields[1]), type_code=_text(fields[2]),
        description=_text(fields[4]), year=_text(fields[5]), operator=_text(fields[6]),
        flags=parse_flags(fields[3].strip())))
