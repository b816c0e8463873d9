"""Bit fields of a 56-bit ME (extended squitter) or MB (Comm-B) field, declared as data.

A `Layout` names a message's fields as DO-260B's tables give them, each a `Field(first
bit, width)` with bits counted from 1 at the most significant, and reads them all at
once. The decoders unpack the values in the order the layout declares them, so each
layout reads like its table in the standard and the shifts are worked out in one place.
"""

from __future__ import annotations

from typing import NamedTuple

ME_BITS = 56


class Field(NamedTuple):
    first: int  # ME bit, 1 = the most significant (the type code's first bit)
    width: int


class Layout:
    """Fields read together from one ME field, in the order they are declared."""

    __slots__ = ("names", "_cuts")

    def __init__(self, **fields: Field) -> None:
        for name, f in fields.items():
            if not (f.first >= 1 and f.width >= 1 and f.first + f.width - 1 <= ME_BITS):
                raise ValueError(f"field {name} {f} does not fit in {ME_BITS} bits")
        self.names = tuple(fields)
        # (right shift, mask) per field: the one place bit numbers become shifts.
        self._cuts = tuple((ME_BITS + 1 - f.first - f.width, (1 << f.width) - 1)
                           for f in fields.values())

    def __call__(self, me: int) -> list[int]:
        """The fields' values, in declaration order."""
        return [(me >> shift) & mask for shift, mask in self._cuts]


def bit(me: int, first: int) -> int:
    """One bit of an ME field (for the few read alone, as the IMF)."""
    return (me >> (ME_BITS - first)) & 1
