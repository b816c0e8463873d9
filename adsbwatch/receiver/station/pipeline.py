"""Frames to aircraft to the store: decoding, tracking, visits, alerts and batched writes.

Every frame's time is the recording's start plus its 12 MHz sample-clock timestamp, so
a replay at any speed keeps the same times as the original reception. The store is
written once per second of wall time (and at the end): after a crash at most that last
second is lost.

A sighting waits for the aircraft's identification (sent every 5 s) up to
`sighting_wait_s` of the sample clock (default SIGHTING_WAIT_S), so the alert can name
the flight; an aircraft that never identifies itself (Mode S only: many military ones)
is announced when the wait is over. A wait of 0 announces the first message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.decode import DECODE_ERRORS, RepeatingDecoder
from adsbwatch.decoder.messages.tracker import Aircraft, Tracker, TrackerConfig, Update
from adsbwatch.decoder.messages.visits import Visit, Visits
from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.defaults import SIGHTING_WAIT_S
from adsbwatch.receiver.store.protocols import Recorder
from adsbwatch.receiver.store.rows import VisitRow

HOUSEKEEPING_S = 1.0  # sample-clock seconds between expiry sweeps
COMMIT_EVERY_S = 1.0  # wall-clock seconds between hand-overs to the store's writer


@dataclass(frozen=True)
class Sighting:
    """A watched aircraft heard for the first time in a visit."""

    visit: Visit
    aircraft: Aircraft

    def as_dict(self) -> dict[str, object]:
        v, ac = self.visit, self.aircraft
        return {
            "icao": ac.hex, "label": v.label or "", "callsign": ac.callsign or "",
            "squawk": ac.squawk or "", "time": v.first_seen, "altitude_ft": ac.altitude,
            "lat": ac.lat, "lon": ac.lon, "signal_dbfs": v.signal_dbfs(1),
            "visit_id": v.visit_id,
        }


@dataclass
class PipelineTotals:
    messages: int = 0
    undecodable: int = 0
    positions: int = 0
    sightings: int = 0


# Told of every decoded message: (time, pyModeS' fields, the tracker's update or None,
# signal in dBFS, NaN when the frame came with none). How SBS output and the like follow
# the traffic.
MessageListener = Callable[[float, dict[str, Any], Update | None, float], None]


class Pipeline:
    def __init__(self, *, start_epoch: float, tracker_config: TrackerConfig,
                 watchlist: Watchlist, store: Recorder | None, record_all: bool,
                 visit_gap_s: float,
                 on_sighting: Callable[[Sighting], None] | None = None,
                 sighting_wait_s: float = SIGHTING_WAIT_S) -> None:
        self.start_epoch = start_epoch
        self.tracker = Tracker(tracker_config)
        self._decode = RepeatingDecoder()
        self.watchlist = watchlist
        self.store = store
        self.record_all = record_all
        self.visits = Visits(visit_gap_s)
        self.on_sighting = on_sighting
        self.sighting_wait_s = sighting_wait_s
        self.totals = PipelineTotals()
        self._next_housekeeping = 0.0
        self._next_commit = 0.0  # time.monotonic()
        self.now = start_epoch  # time of the newest frame
        self.departed: dict[int, Aircraft] = {}  # expired from the tracker, for the summary
        self._waiting: dict[int, tuple[Sighting, float]] = {}  # icao -> (sighting, due)
        self.listeners: list[MessageListener] = []

    def on_batch(self, batch: FrameBatch) -> None:
        """One block's frames (possibly none: the block still moves the clock)."""
        epoch0 = self.start_epoch if batch.epoch0 is None else batch.epoch0
        if len(batch):
            rows = batch.msg.tobytes()
            times = (epoch0 + batch.ticks / CLOCK_HZ).tolist()
            for i, (n, level) in enumerate(zip(batch.nbytes.tolist(), batch.dbfs.tolist(),
                                               strict=True)):
                self.handle_frame(times[i], rows[14 * i:14 * i + n], level)
        self.now = max(self.now, epoch0 + batch.until_ticks / CLOCK_HZ)
        if self.now >= self._next_housekeeping:
            self.housekeeping()
        if self.store is not None:
            self._save_visits([*self.visits.take_ended(), *self.visits.open.values()])
            if time.monotonic() >= self._next_commit:  # once a second of wall time
                self.store.commit()
                self._next_commit = time.monotonic() + COMMIT_EVERY_S

    def handle(self, t: float, frame_hex: str, level_dbfs: float) -> Update | None:
        """One frame given as hex: decode, track, record. Returns the tracker's update."""
        return self.handle_frame(t, bytes.fromhex(frame_hex), level_dbfs)

    def handle_frame(self, t: float, frame: bytes, level_dbfs: float) -> Update | None:
        """One frame: decode, track, record. Returns the tracker's update."""
        if t > self.now:
            self.now = t
        try:
            msg = self._decode(frame)
        except DECODE_ERRORS:
            self.totals.undecodable += 1  # a valid frame pyModeS has no decoder for
            return None
        self.totals.messages += 1
        update = self.tracker.update(t, msg, level_dbfs)
        for listener in self.listeners:
            listener(t, msg, update, level_dbfs)
        if update is None:
            return None
        if update.position is not None:
            self.totals.positions += 1
        self._record(update, t, level_dbfs)
        return update

    def _record(self, update: Update, t: float, level_dbfs: float) -> None:
        ac = update.aircraft
        entry = self.watchlist.match(ac.icao)
        if entry is None and not self.record_all:
            return
        visit, began = self.visits.observe(update, t, level_dbfs,
                                           entry.label if entry else None, entry is not None)
        if self.store is not None:
            if update.position is not None:
                p = update.position
                self.store.add_tracked_point(visit.visit_id, p.t, p.lat, p.lon, p.alt, p.gs,
                                             p.track, p.vrate, p.on_ground)
            for change in update.changes:
                self.store.add_event(visit.visit_id, change.t, change.kind, change.new)
        if began and entry is not None:
            self.totals.sightings += 1
            if ac.icao in self._waiting:  # a visit gap shorter than the wait: say it now
                self._announce(ac.icao)
            self._waiting[ac.icao] = (Sighting(visit, ac), t + self.sighting_wait_s)
        if self._waiting and ac.icao in self._waiting and (
                ac.callsign or self.sighting_wait_s <= 0):
            self._announce(ac.icao)

    def _announce(self, icao: int) -> None:
        sighting, _ = self._waiting.pop(icao)
        if self.on_sighting is not None:
            self.on_sighting(sighting)

    def all_aircraft(self) -> list[Aircraft]:
        """Every aircraft heard in this run, the current state where it is still tracked."""
        return list({**self.departed, **self.tracker.aircraft}.values())

    def housekeeping(self) -> None:
        for icao in [i for i, (_, due) in self._waiting.items() if due <= self.now]:
            self._announce(icao)
        for ac in self.tracker.expire(self.now):
            self.departed[ac.icao] = ac
        self._save_visits(self.visits.close_silent(self.now))
        self._next_housekeeping = self.now + HOUSEKEEPING_S

    def finish(self) -> None:
        """The stream ended (or was stopped): announce what waits, write everything."""
        for icao in list(self._waiting):
            self._announce(icao)
        self.flush()

    def flush(self) -> None:
        """Hand what is buffered to the store's writer (which retries a failure)."""
        if self.store is None:
            return
        self._save_visits([*self.visits.take_ended(), *self.visits.open.values()])
        self.store.commit()

    def _save_visits(self, visits: Iterable[Visit]) -> None:
        if self.store is None:
            return
        for v in visits:
            if v.dirty:
                self.store.save_visit(visit_row(v))
                v.dirty = False


def visit_row(v: Visit) -> VisitRow:
    return VisitRow(
        id=v.visit_id, icao=v.icao, label=v.label, watched=v.watched,
        first_seen=v.first_seen, last_seen=v.last_seen, callsigns=" ".join(v.callsigns),
        squawks=" ".join(v.squawks), min_alt=v.min_alt, max_alt=v.max_alt,
        closest_km=v.closest_km, messages=v.messages,
        max_dbfs=v.signal_dbfs(2),
        emergency=v.emergency)

