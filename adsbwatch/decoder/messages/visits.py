"""Visits: one continuous presence of a recorded aircraft, from first to last heard.

A visit starts when a recorded aircraft (watched, or any with --record-all) is heard
after a silence longer than the visit gap, and gathers what it said until the next such
silence. The start of a watched aircraft's visit is the sighting that raises an alert;
a rule that starts to match later in the visit (a squawk of 7700) raises one more.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.messages.tracker import AircraftUpdate, Position
from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.decoder.registry.info import AircraftInfo


@dataclass(slots=True)
class Visit:
    visit_id: int
    icao: int
    label: str | None
    watched: bool
    first_seen: float
    last_seen: float
    callsigns: list[str] = field(default_factory=list)
    squawks: list[str] = field(default_factory=list)
    min_alt: int | None = None
    max_alt: int | None = None
    closest_km: float | None = None
    messages: int = 0
    max_power: float = 0.0  # the strongest frame's power; 0: none came with a level
    emergency: str | None = None
    # The aircraft database's word on it, as the tracker got it when the aircraft entered
    # (before its first update, so before the visit began: taken once, at the start).
    info: AircraftInfo | None = None
    # The watchlist rules that matched in this visit (each raised a sighting, or shared
    # the visit's first), in order; a rule that stops matching stays: the visit stays
    # recorded to its end.
    rules: list[WatchEntry] = field(default_factory=list)
    dirty: bool = True  # changed since last written

    def note(self, ac: Aircraft, t: float, power: float, position: Position | None) -> None:
        # Comparisons, not max() and min(): this runs for every frame.
        if t > self.last_seen:
            self.last_seen = t
        self.messages += 1
        if power > self.max_power:  # False for NaN: a frame that came with no level
            self.max_power = power
        if ac.callsign and ac.callsign not in self.callsigns:
            self.callsigns.append(ac.callsign)
        if ac.squawk and ac.squawk not in self.squawks:
            self.squawks.append(ac.squawk)
        if ac.emergency:
            self.emergency = ac.emergency
        alt = ac.altitude
        if alt is not None and not ac.on_ground:
            if self.min_alt is None or alt < self.min_alt:
                self.min_alt = alt
            if self.max_alt is None or alt > self.max_alt:
                self.max_alt = alt
        reach = None if position is None else position.range_km
        if reach is not None and (self.closest_km is None or reach < self.closest_km):
            self.closest_km = reach
        self.dirty = True

    def signal_dbfs(self, digits: int) -> float | None:
        """The strongest frame's level in dBFS, rounded; None when no frame had a level
        (all came from a peer that sends none), rather than a level nobody measured."""
        if self.max_power <= 0:
            return None
        return round(10 * math.log10(self.max_power), digits)


def visit_id(icao: int, first_seen: float) -> int:
    """A visit's id, from what identifies it: the same recording replayed again gives the
    same ids (so its rows are rewritten, not doubled), and different visits never share
    one in practice (63 bits of a hash)."""
    key = f"{icao:06x}@{round(first_seen * 1000)}".encode()
    return (int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 1) or 1


class Visits:
    """Open visits by ICAO; `observe` says whether an update began a new one.

    A visit that a new one of the same aircraft replaces (a silence longer than the gap
    between two frames, which a gap shorter than a block of samples makes common) waits
    in `ended` until `take_ended` hands it over to be saved.
    """

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self.open: dict[int, Visit] = {}
        self.ended: list[Visit] = []

    def observe(self, update: AircraftUpdate, label: str | None,
                watched: bool) -> tuple[Visit, bool]:
        ac = update.aircraft
        t = update.t
        visit = self.open.get(ac.icao)
        began = visit is None or t - visit.last_seen > self.gap_s
        if began:
            if visit is not None:
                self.ended.append(visit)
            visit = Visit(visit_id(ac.icao, t), ac.icao, label, watched, t, t, info=ac.info)
            self.open[ac.icao] = visit
        assert visit is not None
        visit.note(ac, t, update.power, update.position)
        return visit, began

    def current(self, icao: int, t: float) -> Visit | None:
        """The open visit a message of `icao` at `t` would continue, if any."""
        visit = self.open.get(icao)
        return visit if visit is not None and t - visit.last_seen <= self.gap_s else None

    def take_ended(self) -> list[Visit]:
        """The visits replaced since the last call (complete: none is heard again)."""
        ended, self.ended = self.ended, []
        return ended

    def close_silent(self, now: float) -> list[Visit]:
        """Forget visits silent longer than the gap (they are complete in the store)."""
        done = [v for v in self.open.values() if now - v.last_seen > self.gap_s]
        for v in done:
            del self.open[v.icao]
        return done
