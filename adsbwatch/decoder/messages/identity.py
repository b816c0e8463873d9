"""The 13-bit identity (Mode A code, the squawk) of DF5/21 replies.

Bits, most significant first: C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4; each octal digit
ABCD is its pulses 4 2 1. Matches pyModeS' idcode_to_squawk.
"""

from __future__ import annotations


def _squawk(code: int) -> str:
    def pulse(i: int) -> int:  # i counts from C1 = 0
        return (code >> (12 - i)) & 1

    digits = ((5, 3, 1), (11, 9, 7), (4, 2, 0), (12, 10, 8))  # A, B, C, D: pulses 4 2 1
    return "".join(str(pulse(p4) << 2 | pulse(p2) << 1 | pulse(p1))
                   for p4, p2, p1 in digits)


SQUAWK_BY_CODE: tuple[str, ...] = tuple(_squawk(code) for code in range(1 << 13))


def squawk(code: int) -> str:
    """The four octal digits of a 13-bit identity code."""
    return SQUAWK_BY_CODE[code]
