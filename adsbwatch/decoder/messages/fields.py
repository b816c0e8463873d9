"""Bit fields of a 56-bit ME (extended squitter) field, declared as data.

A layout names a message's fields as DO-260B's tables give them, each a `Field(first bit,
width)` with bits counted from 1 at the most significant, and reads them all at once.
The decoders unpack the values in the order the layout declares them, so each layout
reads like its table in the standard and the shifts are worked out in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

ME_BITS = 56

Reader = Callable[[int], tuple[int, ...]]


class Field(NamedTuple):
    first: int  # ME bit, 1 = the most significant (the type code's first bit)
    width: int


def layout(**fields: Field) -> Reader:
    """A function of an ME field giving these fields' values, in declaration order.

    The one place bit numbers become shifts: the layout is made into a single
    expression of shifts and masks, once (as namedtuple makes its classes), so reading
    a message costs what hand-written shifts cost. Only ints go into the expression.
    """
    for name, f in fields.items():
        if not (f.first >= 1 and f.width >= 1 and f.first + f.width - 1 <= ME_BITS):
            raise ValueError(f"field {name} {f} does not fit in {ME_BITS} bits")
    cuts = ", ".join(f"me >> {ME_BITS + 1 - f.first - f.width} & {(1 << f.width) - 1}"
                     for f in fields.values())
    reader: Reader = eval(f"lambda me: ({cuts},)", {})  # noqa: S307
    reader.__doc__ = f"ME fields {', '.join(fields)}"
    return reader

