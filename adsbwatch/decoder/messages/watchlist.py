"""The watchlist: which aircraft the user cares about, one rule a line.

The file format is plain text anyone can edit:

    # comment lines and blank lines are ignored
    3C6DD4 Lufthansa A320 (D-AIPX)     one address and an optional label
    100000-1FFFFF Russia               an inclusive address block and an optional label
    A1B2C3                             # a comment may follow after whitespace
    country:RU military                conditions: all must hold
    squawk:7500,7600,7700 emergency    any aircraft squawking one of these
    type:IL62 "military transport"     a label in double quotes may start like a condition

A line is one or more conditions, then an optional label. An address is exactly 6 hex
digits, in either case, and comes first when given; the other conditions (watchrules.py)
are `reg:`, `type:`, `country:`, `operator:`, `military`, `interesting`, `callsign:` and
`squawk:`, each at most once a line. The label starts at the first word that is not a
condition and runs to the end of the line, stripped; it may contain spaces, and a `#`
inside it that does not follow whitespace. A label wholly in double quotes loses them
(so it may start with `military` or `reg:`). Anything else is an error naming the file
and line. A rule listed twice (the same conditions, in any order) is allowed: the later
line's label wins (even an empty one), and the rule keeps the place of its first line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from heapq import heappop, heappush

from adsbwatch.decoder.messages.watchline import needs_quotes, parse_address, read_line
from adsbwatch.decoder.messages.watchrules import ORDER, Condition, Seen

__all__ = ["MAX_ICAO", "WatchEntry", "Watchlist", "WatchlistError", "format_watchlist",
           "label_problem", "parse_address", "parse_rule", "parse_watchlist",
           "parse_watchlist_lines"]

MAX_ICAO = 0xFFFFFF
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
    """One watchlist rule: the addresses lo..hi inclusive (lo == hi for one address; the
    whole address space when the line names none) and the other conditions, all of
    which must hold, with the rule's label."""

    lo: int = 0
    hi: int = MAX_ICAO
    label: str = ""
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.lo <= self.hi <= MAX_ICAO:
            raise ValueError(f"not an address block: {self.lo:#x}-{self.hi:#x} "
                             f"(need 0 <= lo <= hi <= {MAX_ICAO:#x})")
        problem = label_problem(self.label)
        if problem:
            raise ValueError(f"{problem}: {self.label!r}")
        keys = [c.key for c in self.conditions]
        if len(set(keys)) != len(keys):
            raise ValueError(f"a condition is given twice: {' '.join(keys)}")
        # One order, so the same rule written in another order is the same rule.
        object.__setattr__(self, "conditions",
                           tuple(sorted(self.conditions, key=lambda c: ORDER[c.key])))

    @property
    def is_range(self) -> bool:
        return self.lo != self.hi

    @property
    def by_address(self) -> bool:
        """The rule is an address or block alone (today's lines): the fast index has it."""
        return not self.conditions

    @property
    def names_address(self) -> bool:
        return not self.conditions or (self.lo, self.hi) != (0, MAX_ICAO)

    def rule(self) -> str:
        """The rule's conditions as written, without the label: what identifies it."""
        words = [f"{self.lo:06X}-{self.hi:06X}" if self.is_range else f"{self.lo:06X}"]
        if not self.names_address:
            words = []
        return " ".join([*words, *(c.text() for c in self.conditions)])

    def text(self) -> str:
        """The entry as a watchlist line (without the newline)."""
        if not self.label:
            return self.rule()
        label = f'"{self.label}"' if needs_quotes(self.label) else self.label
        return f"{self.rule()} {label}"

    @property
    def sighting_label(self) -> str:
        """What a sighting by this rule is called: its label; without one, its text, but
        for an address alone (the alert shows the address already)."""
        return self.label or ("" if self.by_address else self.rule())

    def holds(self, seen: Seen) -> bool:
        return self.lo <= seen.address <= self.hi and all(
            c.holds(seen) for c in self.conditions)


class WatchlistError(ValueError):
    """A malformed watchlist line; str() is `source:line: message`."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


def _parse_line(line: str) -> WatchEntry | None:
    comment = _COMMENT.search(line)
    if comment:
        line = line[:comment.start()]
    parts = read_line(line)
    if parts is None:
        return None
    lo, hi = parts.block or (0, MAX_ICAO)
    return WatchEntry(lo, hi, parts.label, tuple(parts.conditions))


def parse_rule(text: str, label: str | None = None) -> WatchEntry:
    """One rule as given on the command line (`watchlist add`): a watchlist line, and
    a label given apart (which the line must then not have). ValueError otherwise."""
    entry = _parse_line(text.strip())
    if entry is None:
        raise ValueError("no rule given (an address HEX, a block LO-HI, or conditions "
                         "such as type:IL62 or military)")
    if label is None:
        return entry
    if entry.label:
        raise ValueError(f"two labels: {entry.label!r} in the rule and {label!r} apart")
    return WatchEntry(entry.lo, entry.hi, label, entry.conditions)


def _latest_labels(entries: Iterable[WatchEntry]) -> list[WatchEntry]:
    """One entry per rule, in order of first appearance, with the last label given."""
    by_rule: dict[tuple[int, int, tuple[Condition, ...]], WatchEntry] = {}
    for entry in entries:
        # a dict keeps the first key's position
        by_rule[(entry.lo, entry.hi, entry.conditions)] = entry
    return list(by_rule.values())


def parse_watchlist_lines(text: str, source: str) -> list[tuple[int, WatchEntry]]:
    """Each rule of a watchlist file's text with its line number, duplicates and all;
    raises WatchlistError on the first bad line."""
    entries = []
    # Split on '\n' only, so line numbers agree with editors (splitlines() would also
    # break on form feeds and other characters editors show inline).
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        try:
            entry = _parse_line(line.removesuffix("\r"))
        except ValueError as exc:
            raise WatchlistError(source, number, str(exc)) from None
        if entry is not None:
            entries.append((number, entry))
    return entries


def parse_watchlist(text: str, source: str) -> list[WatchEntry]:
    """The entries of a watchlist file's text; raises WatchlistError on the first bad line.

    `source` names the text in errors (usually the file name). Duplicates are allowed: the
    later label wins.
    """
    return _latest_labels(entry for _, entry in parse_watchlist_lines(text, source))


def format_watchlist(entries: Iterable[WatchEntry]) -> str:
    """Watchlist text for `entries`, one line each; parse_watchlist reads it back."""
    return "".join(entry.text() + "\n" for entry in entries)


class Watchlist:
    """The rules matching an aircraft: a fast lookup of the address rule covering an
    address, then the rules with conditions, in the order of the list.

    A single address beats any block containing it; among blocks, the narrowest wins,
    and between blocks of equal width the one starting lower. A rule listed twice keeps
    the later label.
    """

    def __init__(self, entries: Iterable[WatchEntry] = ()) -> None:
        self.entries = _latest_labels(entries)
        blocks = self.blocks
        self.rules = [e for e in self.entries if not e.by_address]  # with conditions
        self._singles = {e.lo: e for e in blocks if not e.is_range}
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._owners: list[WatchEntry] = []
        self._build_segments([e for e in blocks if e.is_range])

    @property
    def blocks(self) -> list[WatchEntry]:
        """The rules that are an address or block alone."""
        return [e for e in self.entries if e.by_address]

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

    def matches(self, seen: Seen) -> tuple[WatchEntry, ...]:
        """Every rule that holds for `seen`: the address rule first, then the others in
        the list's order."""
        found = [] if (single := self.match(seen.address)) is None else [single]
        found += [rule for rule in self.rules if rule.holds(seen)]
        return tuple(found)

    def match(self, icao: int) -> WatchEntry | None:
        """The address rule that covers `icao`, or None."""
        single = self._singles.get(icao)
        if single is not None:
            return single
        i = bisect_right(self._starts, icao) - 1
        if i >= 0 and icao <= self._ends[i]:
            return self._owners[i]
        return None
