"""Address ranges looked up by bisection: the country blocks and the military ranges are
tables of disjoint [first, last] ranges of 24-bit addresses, each with a value."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class RangeTable(Generic[T]):
    """Disjoint ranges of addresses, each with a value; `find` is a bisection."""

    def __init__(self, ranges: Iterable[tuple[int, int, T]]) -> None:
        rows = sorted(ranges, key=lambda row: row[0])
        nexts = rows[1:] + [(1 << 24, 0, None)]  # the last range ends below 2**24
        for (first, last, _), (after, _, _) in zip(rows, nexts, strict=True):
            if not 0 <= first <= last < after:
                raise ValueError(f"range {first:06X}-{last:06X} is empty or overlaps the "
                                 f"next one, which starts at {after:06X}")
        self._firsts = [first for first, _, _ in rows]
        self._lasts = [last for _, last, _ in rows]
        self._values = [value for _, _, value in rows]

    def __len__(self) -> int:
        return len(self._firsts)

    def find(self, address: int) -> T | None:
        """The value of the range holding `address`, None when none does."""
        i = bisect_right(self._firsts, address) - 1
        if i >= 0 and address <= self._lasts[i]:
            return self._values[i]
        return None

    def rows(self) -> list[tuple[int, int, T]]:
        """The ranges in address order."""
        return list(zip(self._firsts, self._lasts, self._values, strict=True))
