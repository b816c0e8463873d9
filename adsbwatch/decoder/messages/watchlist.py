"""The watchlist: which ICAO addresses (or address blocks) the user cares about.

The file format is plain text anyone can edit:

    # comment lines and blank lines are ignored
    3C6DD4 Lufthansa A320 (D-AIPX)     one address and an optional label
    100000-1FFFFF Russia               an inclusive address block and an optional label
    A1B2C3                             # a comment may follow after whitespace

An address is exactly 6 hex digits, in either case. The label is the rest of the line,
stripped; it may contain spaces, and a `#` inside it that does not follow whitespace.
Anything else is an error naming the file and line. An address or block listed twice is
allowed: the later line's label wins (even an empty one), and the entry keeps the place
of its first line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from heapq import heappop, heappush

MAX_ICAO = 0xFFFFFF
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_COMMENT = re.compile(r"(?:^|\s)#")  # '#' at the start or after whitespace


def label_problem(label: str) -> str | None:
    """Why `label` cannot be written as a watchlist label, or None if it can."""
    if "\n" in label or "\r" in label:
        return "a label cannot contain a line break"
    # Tabs and form feeds are spacing; a NUL would break an alert command's environment
    # and an escape would drive the terminal.
    control = next((c for c in label if (ord(c) < 0x20 and c not in "\t\x0b\x0c")
                    or ord(c) == 0x7F), None)
    if control is not None:
        return f"a label cannot contain the control character U+{ord(control):04X}"
    if label != label.strip():
        return "a label cannot start or end with whitespace"
    if _COMMENT.search(label):
        return "a label cannot contain '#' at its start or after whitespace (a comment)"
    return None


@dataclass(frozen=True)
class WatchEntry:
    """One watchlist line: the addresses lo..hi inclusive (lo == hi for one address)."""

    lo: int
    hi: int
    label: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.lo <= self.hi <= MAX_ICAO:
            raise ValueError(f"not an address block: {self.lo:#x}-{self.hi:#x} "
                             f"(need 0 <= lo <= hi <= {MAX_ICAO:#x})")
        problem = label_problem(self.label)
        if problem:
            raise ValueError(f"{problem}: {self.label!r}")

    @property
    def is_range(self) -> bool:
        return self.lo != self.hi

    def text(self) -> str:
        """The entry as a watchlist line (without the newline)."""
        address = f"{self.lo:06X}-{self.hi:06X}" if self.is_range else f"{self.lo:06X}"
        return f"{address} {self.label}" if self.label else address


class WatchlistError(ValueError):
    """A malformed watchlist line; str() is `source:line: message`."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


def _parse_hex(token: str) -> int:
    if not token or not set(token) <= _HEX_DIGITS:
        raise ValueError(f"{token!r} is not a 6-digit hex ICAO address")
    if len(token) != 6:
        raise ValueError(f"{token!r} has {len(token)} hex digits; an ICAO address has 6")
    return int(token, 16)


def parse_address(token: str) -> tuple[int, int]:
    """`HEX` or `LO-HI` as (lo, hi); ValueError with a one-line message otherwise."""
    if "-" not in token:
        icao = _parse_hex(token)
        return icao, icao
    lo_text, _, hi_text = token.partition("-")
    if "-" in hi_text:
        raise ValueError(f"{token!r} is not an address or a block LO-HI (too many '-')")
    if not lo_text:
        raise ValueError(f"block {token!r} has no start address before '-'")
    if not hi_text:
        raise ValueError(f"block {token!r} has no end address after '-'")
    lo, hi = _parse_hex(lo_text), _parse_hex(hi_text)
    if lo > hi:
        raise ValueError(f"block {token!r} runs backwards: its start is above its end")
    return lo, hi


def _parse_line(line: str) -> WatchEntry | None:
    comment = _COMMENT.search(line)
    if comment:
        line = line[:comment.start()]
    parts = line.split(None, 1)
    if not parts:
        return None
    lo, hi = parse_address(parts[0])
    label = parts[1].strip() if len(parts) > 1 else ""
    return WatchEntry(lo, hi, label)


def _latest_labels(entries: Iterable[WatchEntry]) -> list[WatchEntry]:
    """One entry per block, in order of first appearance, with the last label given."""
    by_block: dict[tuple[int, int], WatchEntry] = {}
    for entry in entries:
        by_block[(entry.lo, entry.hi)] = entry  # a dict keeps the first key's position
    return list(by_block.values())


def parse_watchlist(text: str, source: str) -> list[WatchEntry]:
    """The entries of a watchlist file's text; raises WatchlistError on the first bad line.

    `source` names the text in errors (usually the file name). Duplicates are allowed: the
    later label wins.
    """
    entries = []
    # Split on '\n' only, so line numbers agree with editors (splitlines() would also
    # break on form feeds and other characters editors show inline).
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        try:
            entry = _parse_line(line.removesuffix("\r"))
        except ValueError as exc:
            raise WatchlistError(source, number, str(exc)) from None
        if entry is not None:
            entries.append(entry)
    return _latest_labels(entries)


def format_watchlist(entries: Iterable[WatchEntry]) -> str:
    """Watchlist text for `entries`, one line each; parse_watchlist reads it back."""
    return "".join(entry.text() + "\n" for entry in entries)


class Watchlist:
    """Fast lookup of the entry covering an address.

    A single address beats any block containing it; among blocks, the narrowest wins,
    and between blocks of equal width the one starting lower. A block listed twice keeps
    the later label.
    """

    def __init__(self, entries: Iterable[WatchEntry] = ()) -> None:
        self.entries = _latest_labels(entries)
        self._singles = {e.lo: e for e in self.entries if not e.is_range}
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._owners: list[WatchEntry] = []
        self._build_segments([e for e in self.entries if e.is_range])

    def _build_segments(self, ranges: list[WatchEntry]) -> None:
        """Cut the address space at every block edge; give each piece its winning block.

        Overlapping blocks then become disjoint segments that one bisect can search.
        """
        edges = sorted({e.lo for e in ranges} | {e.hi + 1 for e in ranges})
        by_start = sorted(ranges, key=lambda e: e.lo)
        active: list[tuple[int, int, int, WatchEntry]] = []  # (width, lo, k, entry)
        k = 0
        for start, stop in zip(edges, edges[1:], strict=False):
            while k < len(by_start) and by_start[k].lo == start:
                e = by_start[k]
                heappush(active, (e.hi - e.lo, e.lo, k, e))  # k: never compare entries
                k += 1
            while active and active[0][3].hi < start:
                heappop(active)  # ended before this piece: drop it lazily
            if not active:
                continue
            owner = active[0][3]
            if self._owners and self._owners[-1] is owner and self._ends[-1] == start - 1:
                self._ends[-1] = stop - 1  # same winner as the piece before: extend it
            else:
                self._starts.append(start)
                self._ends.append(stop - 1)
                self._owners.append(owner)

    def match(self, icao: int) -> WatchEntry | None:
        """The entry that covers `icao`, or None."""
        single = self._singles.get(icao)
        if single is not None:
            return single
        i = bisect_right(self._starts, icao) - 1
        if i >= 0 and icao <= self._ends[i]:
            return self._owners[i]
        return None
