"""The 13-bit altitude code of DF0/4/16/20 replies, in feet (ICAO Annex 10 vol. IV 3.1.2.6.5.4).

Bits, most significant first: C1 A1 C2 A2 C4 A4 M B1 Q B2 D2 B4 D4. With M = 0 and Q = 1
the other 11 bits count 25 ft steps from -1000 ft; with M = Q = 0 they are the Gillham
(Mode C) code of an old encoding altimeter; M = 1 (metres) is not in use. None: the
altitude is unknown or the code is not a valid one. Matches pyModeS' altcode_to_altitude.
"""

from __future__ import annotations


def _gray_to_binary(gray: int) -> int:
    value = 0
    while gray:
        value ^= gray
        gray >>= 1
    return value


def _gillham_feet(code: int) -> int | None:
    bit = [(code >> (12 - i)) & 1 for i in range(13)]  # bit[0] is C1
    c1, a1, c2, a2, c4, a4, _, b1, _, b2, d2, b4, d4 = bit
    # The 500 ft counter is Gray coded over D2 D4 A1 A2 A4 B1 B2 B4; the 100 ft one
    # over C1 C2 C4, where only 1..5 (Gray 001 011 010 110 100) are used.
    fives = _gray_to_binary(d2 << 7 | d4 << 6 | a1 << 5 | a2 << 4 | a4 << 3
                            | b1 << 2 | b2 << 1 | b4)
    hundreds = _gray_to_binary(c1 << 2 | c2 << 1 | c4)
    if hundreds in (0, 5, 6):
        return None
    if hundreds == 7:
        hundreds = 5
    if fives & 1:  # the 100 ft counter runs backwards in every other 500 ft band
        hundreds = 6 - hundreds
    return fives * 500 + hundreds * 100 - 1300


def _feet(code: int) -> int | None:
    if code == 0:
        return None
    if code & 0x40:  # M: metric
        return None
    if code & 0x10:  # Q: 25 ft steps
        steps = (code & 0x1F80) >> 2 | (code & 0x20) >> 1 | (code & 0x0F)
        return steps * 25 - 1000
    return _gillham_feet(code)


# 8192 codes: one list look-up per reply instead of the bit juggling.
FEET_BY_CODE: tuple[int | None, ...] = tuple(_feet(code) for code in range(1 << 13))


def altitude_ft(code: int) -> int | None:
    """Feet for a 13-bit altitude code, or None."""
    return FEET_BY_CODE[code]
