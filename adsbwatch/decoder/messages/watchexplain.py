"""Which watchlist rules match an aircraft, and why, in words (`watchlist test`): for a
rule that matches, what each of its conditions found; for one that does not, what the
failing conditions found instead."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from adsbwatch.decoder.messages.watchlist import MAX_ICAO, WatchEntry
from adsbwatch.decoder.messages.watchrules import Seen


class Verdict(NamedTuple):
    place: str  # where the rule is written: "line 3", "rules.txt:3"
    entry: WatchEntry
    matched: bool
    reasons: list[str]

    def text(self) -> str:
        verb = "matches" if self.matched else "does not match"
        return f"{verb} {self.place} `{self.entry.rule()}` ({'; '.join(self.reasons)})"


def _address_reason(entry: WatchEntry, address: int) -> tuple[bool, str] | None:
    """Whether the rule's address part holds, and why; None when it names none."""
    if (entry.lo, entry.hi) == (0, MAX_ICAO) and entry.conditions:
        return None
    inside = entry.lo <= address <= entry.hi
    if not entry.is_range:
        return inside, f"address {address:06X}" if inside else f"not address {entry.lo:06X}"
    block = f"block {entry.lo:06X}-{entry.hi:06X}"
    return inside, f"in {block}" if inside else f"not in {block}"


def verdict(place: str, entry: WatchEntry, seen: Seen) -> Verdict:
    checks = [] if (part := _address_reason(entry, seen.address)) is None else [part]
    checks += [(c.holds(seen), c.why(seen)) for c in entry.conditions]
    matched = all(held for held, _ in checks)
    reasons = [why for held, why in checks if held == matched]  # a miss: what failed
    return Verdict(place, entry, matched, reasons)


def explain(rules: Iterable[tuple[str, WatchEntry]], seen: Seen) -> list[Verdict]:
    """Each rule's verdict on `seen`, in the rules' order; `rules` are (place, rule)."""
    return [verdict(place, entry, seen) for place, entry in rules]


def describe(seen: Seen) -> str:
    """The aircraft in one line: address, then what is known of it."""
    info = seen.info
    words = [f"{seen.address:06X}"]
    if info is not None:
        words += [w for w in (info.registration, info.type_code, info.country) if w]
        if info.operator:
            words.append(f"({info.operator})")
        words += [flag for flag in ("military", "interesting") if getattr(info, flag)]
    if seen.callsign:
        words.append(f"callsign {seen.callsign}")
    if seen.squawk:
        words.append(f"squawk {seen.squawk}")
    return " ".join(words)
