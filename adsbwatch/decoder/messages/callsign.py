"""Callsigns: the 8 six-bit characters of ADS-B identification (TC 1-4) and of Comm-B
BDS 2,0 (ICAO Annex 10 vol. IV, table 3-9: A-Z, space and 0-9; the rest unassigned)."""

from __future__ import annotations

UNASSIGNED = "#"  # what an unassigned code reads as, as pyModeS shows it
# What pads a callsign: spaces as sent, and the '_' and '#' other decoders write for them.
FILL = " _#"


def _charset() -> str:
    # Each code is its character's ASCII code with the top bits cut: 1-26 are 'A'-'Z'
    # (0x41-0x5A), 32 is ' ', 48-57 are '0'-'9'.
    return "".join(chr(0x40 | code) if 1 <= code <= 26
                   else chr(code) if code == 32 or 48 <= code <= 57 else UNASSIGNED
                   for code in range(64))


CHARSET = _charset()
# Two characters a look-up: the 4096 12-bit codes' pairs (four look-ups a callsign).
PAIRS = tuple(CHARSET[code >> 6] + CHARSET[code & 0x3F] for code in range(1 << 12))


def strip_fill(text: str) -> str:
    """A callsign without the padding around it ("" when nothing else was sent)."""
    return text.strip(FILL)


def callsign(bits48: int) -> str:
    """The callsign in a 48-bit field, first character most significant, unpadded."""
    return strip_fill(PAIRS[bits48 >> 36] + PAIRS[bits48 >> 24 & 0xFFF]
                      + PAIRS[bits48 >> 12 & 0xFFF] + PAIRS[bits48 & 0xFFF])
