"""The decoding stage: a batch of frames decoded (one typed message each), applied to the
one aircraft table, checked against the watchlist; recorded aircraft followed in visits,
sightings of watched ones announced.

Every frame's time is its batch's clock zero plus its 12 MHz timestamp, so a replay at any
speed keeps the original reception's times. A sighting waits for the aircraft's
identification (sent every 5 s) up to `sighting_wait_s` of the clock, so the alert can
name the flight; an aircraft that never identifies itself (Mode S only: many military
ones) is announced when the wait is over. A wait of 0 announces the first message.

The watchlist's rules are checked when something they read changes, not for every
message: when an aircraft enters the table (its database info is known then) and when
its callsign or squawk changes. A rule that starts to match later in a visit (a squawk of
7700 in a visit watched for its type) raises a sighting of its own; one that stops
matching keeps the visit recorded to its end.
"""

from __future__ import annotations

from dataclasses import dataclass

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.decode import RepeatingDecoder, UndecodableFrame
from adsbwatch.decoder.messages.tracker import AircraftUpdate, Tracker, TrackerConfig
from adsbwatch.decoder.messages.visits import Visit, Visits
from adsbwatch.decoder.messages.watchlist import WatchEntry, Watchlist
from adsbwatch.decoder.messages.watchrules import Seen
from adsbwatch.decoder.registry.info import InfoLookup
from adsbwatch.receiver.core.events import Decoded, Recorded, Sighting

HOUSEKEEPING_S = 1.0  # seconds of the clock between expiry sweeps


@dataclass
class PipelineTotals:
    messages: int = 0
    undecodable: int = 0
    positions: int = 0
    sightings: int = 0
    failures: int = 0  # frames whose decoding failed unexpectedly (a bug): counted, said


class Pipeline:
    def __init__(self, *, tracker_config: TrackerConfig, watchlist: Watchlist,
                 record_all: bool, visit_gap_s: float, sighting_wait_s: float,
                 info_of: InfoLookup | None = None) -> None:
        """`info_of`: what the aircraft database says of an address (the tracker asks
        it once per aircraft); None: nothing is known beyond what aircraft send."""
        self.tracker = Tracker(tracker_config, info_of)
        self.watchlist = watchlist
        self._has_rules = bool(watchlist.rules)  # rules that read more than the address
        # The rules matching each aircraft in the table, as last checked.
        self._matched: dict[int, tuple[WatchEntry, ...]] = {}
        self.record_all = record_all
        self.visits = Visits(visit_gap_s)
        self.sighting_wait_s = sighting_wait_s
        self.totals = PipelineTotals()
        self.now = 0.0  # the newest frame's time, or the clock a tick moved it to
        self._decode = RepeatingDecoder()
        self._waiting: dict[int, tuple[Sighting, float]] = {}  # icao -> (sighting, due)
        self._announced: list[Sighting] = []
        self._next_housekeeping = 0.0
        self.first_failure: str | None = None  # the first unexpected failure, to say once

    def decode(self, batch: FrameBatch, epoch0: float) -> Decoded:
        """One batch's frames (possibly none), on a clock whose tick 0 is `epoch0`."""
        decoded = Decoded(self.now)
        if len(batch):
            rows = batch.msg.tobytes()
            times = (epoch0 + batch.ticks / CLOCK_HZ).tolist()
            level = batch.level.astype("float64")
            powers = (level * level).tolist()  # NaN stays NaN: a frame with no level
            for i, n in enumerate(batch.nbytes.tolist()):
                frame = rows[14 * i:14 * i + n]
                try:
                    self._frame(times[i], frame, powers[i], decoded)
                except Exception as exc:  # noqa: BLE001 - one bad frame must not stop the rest
                    self._failed(frame, exc)
        self.now = max(self.now, epoch0 + batch.until_ticks / CLOCK_HZ)
        decoded.now = self.now
        decoded.ended = self.visits.take_ended()
        return decoded

    def _failed(self, frame: bytes, exc: Exception) -> None:
        """A frame whose decoding failed where nothing should fail: counted, the first
        one kept for the station to say; recording goes on with the next frame."""
        self.totals.failures += 1
        if self.first_failure is None:
            self.first_failure = (f"decoding {frame.hex()} failed ({type(exc).__name__}: "
                                  f"{exc}); the frame is left out, decoding goes on")

    def _frame(self, t: float, frame: bytes, power: float, decoded: Decoded) -> None:
        if t > self.now:
            self.now = t
        try:
            message = self._decode(frame)
        except UndecodableFrame:
            self.totals.undecodable += 1  # a valid frame with no decoder
            decoded.undecodable += 1
            return
        self.totals.messages += 1
        update = self.tracker.update(t, message, power)
        decoded.updates.append(update)
        if update.position is not None:
            self.totals.positions += 1
        self._follow(update, decoded)

    def _follow(self, update: AircraftUpdate, decoded: Decoded) -> None:
        """A recorded aircraft's visit; a watched one's sightings."""
        ac = update.aircraft
        icao = ac.icao
        matched = self._matched.get(icao)
        if matched is None or (update.changes and self._has_rules):
            matched = self._match(update)
        if not matched and not self.record_all:
            return
        first = matched[0] if matched else None
        visit, _ = self.visits.observe(update, None if first is None else first.sighting_label,
                                       first is not None)
        decoded.recorded.append(Recorded(visit, update))
        if len(visit.rules) != len(matched):  # rules new to this visit: a sighting
            self._sight(visit, update, matched)
        if self._waiting and icao in self._waiting and (
                ac.callsign or self.sighting_wait_s <= 0):
            self._announce(icao)

    def _match(self, update: AircraftUpdate) -> tuple[WatchEntry, ...]:
        """The rules matching the aircraft now, and those that matched earlier in the
        visit this message continues (they keep it recorded)."""
        ac = update.aircraft
        matched = self.watchlist.matches(Seen(ac.icao, ac.info, ac.callsign, ac.squawk))
        visit = self.visits.current(ac.icao, update.t)
        if visit is not None and visit.rules:
            matched = (*visit.rules, *(r for r in matched if r not in visit.rules))
        self._matched[ac.icao] = matched
        return matched

    def _sight(self, visit: Visit, update: AircraftUpdate,
               matched: tuple[WatchEntry, ...]) -> None:
        """A sighting naming the rules that match and have not raised one in the visit."""
        new = [r for r in matched if r not in visit.rules]
        later = bool(visit.rules)
        visit.rules.extend(new)
        label = new[0].sighting_label
        if not visit.watched:  # recorded (--record-all) before a rule matched
            visit.watched, visit.label, visit.dirty = True, label, True
        self.totals.sightings += 1
        icao = update.aircraft.icao
        if icao in self._waiting:  # one waits still (a short visit gap, a new rule)
            self._announce(icao)
        sighting = Sighting(visit, update.aircraft, tuple(r.rule() for r in new), label,
                            update.t, later)
        self._waiting[icao] = (sighting, update.t + self.sighting_wait_s)

    def _announce(self, icao: int) -> None:
        sighting, _ = self._waiting.pop(icao)
        self._announced.append(sighting)

    def take_sightings(self) -> list[Sighting]:
        """The sightings announced since the last call, in order."""
        announced, self._announced = self._announced, []
        return announced

    def advance(self, now: float) -> list[Visit]:
        """The clock moved to `now` (a batch's end, or a live tick while the source is
        away): announce the sightings whose wait is over, expire silent aircraft, end
        silent visits (returned), at most every HOUSEKEEPING_S."""
        self.now = max(self.now, now)
        if self.now < self._next_housekeeping:
            return []
        self._next_housekeeping = self.now + HOUSEKEEPING_S
        for icao in [i for i, (_, due) in self._waiting.items() if due <= self.now]:
            self._announce(icao)
        for ac in self.tracker.expire(self.now):
            self._matched.pop(ac.icao, None)  # checked afresh if it comes back
        closed = self.visits.close_silent(self.now)
        for visit in closed:
            self._matched.pop(visit.icao, None)  # its earlier rules hold no more
        return closed

    def finish(self) -> None:
        """The stream ended (or was stopped): announce every sighting still waiting."""
        for icao in list(self._waiting):
            self._announce(icao)
