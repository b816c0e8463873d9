"""The store's consumer: what the station records, handed to a Recorder.

It owns the recorder: it writes the visits of recorded aircraft (their points and
events as they come, each visit's row when it changed), the run's session row and the
minute rows of the statistics, commits about once a second of wall time (the recorder
writes on a thread of its own: a locked or full database never holds up reception),
and at the end writes everything and closes the recorder.

The session row says what the run listened to, how long, with which gain, how many
samples came and were lost, where the receiver was; `ended` stays empty after a crash
or kill -9, where `last_seen` says how far the run got.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from adsbwatch.decoder.messages.visits import Visit
from adsbwatch.receiver.core.events import Decoded, Tick
from adsbwatch.receiver.station.stats import LEVEL_LO_DB, Bucket, StationStats
from adsbwatch.receiver.store.rows import MinuteRow, SessionRow, VisitRow

if TYPE_CHECKING:
    from adsbwatch.receiver.core.stopping import StopClock
    from adsbwatch.receiver.store.protocols import Recorder

COMMIT_S = 1.0  # wall-clock seconds between commits: a crash loses at most this


def visit_row(v: Visit) -> VisitRow:
    info = v.info
    return VisitRow(
        id=v.visit_id, icao=v.icao, label=v.label, watched=v.watched,
        first_seen=v.first_seen, last_seen=v.last_seen, callsigns=" ".join(v.callsigns),
        squawks=" ".join(v.squawks), min_alt=v.min_alt, max_alt=v.max_alt,
        closest_km=v.closest_km, messages=v.messages, max_dbfs=v.signal_dbfs(2),
        emergency=v.emergency,
        registration=info.registration if info else None,
        type_code=info.type_code if info else None,
        operator=info.operator if info else None,
        country=info.country if info else None)


def minute_row(b: Bucket, run_start: float, session_id: int) -> MinuteRow:
    return MinuteRow(
        minute=b.start, run_start=run_start, session_id=session_id,
        first_t=b.first_t if b.first_t <= b.last_t else b.start,
        last_t=b.last_t if b.first_t <= b.last_t else b.start,
        seconds=round(b.seconds, 3), frames=b.frames, messages=b.messages,
        frames_by_df={df: int(n) for df, n in enumerate(b.by_df.tolist()) if n},
        levels={LEVEL_LO_DB + i: int(n) for i, n in enumerate(b.levels.tolist()) if n},
        max_dbfs=_dbfs(b.peak_power) if b.levelled else None,
        noise_dbfs=_dbfs(b.sample_power_sum / b.sample_power_n) if b.sample_power_n else None)


def _dbfs(power: float) -> float:
    return round(10 * math.log10(max(power, 1e-12)), 2)  # the store keeps 0.01 dB


class RecordingConsumer:
    name = "store"

    def __init__(self, recorder: Recorder, stats: StationStats, session: SessionRow,
                 source_state: Callable[[], tuple[int, int, float | None]],
                 clock: Callable[[], float] = time.monotonic,
                 stop_clock: StopClock | None = None) -> None:
        """`session`: the run's row as it starts; `source_state()`: the source's samples,
        dropped samples and gain (None: not known) now; `stop_clock`: after a stop, the
        store's last writes take what is left of the stop's budget."""
        self.recorder = recorder
        self.stats = stats
        self.session = session
        self.source_state = source_state
        self.clock = clock
        self.stop_clock = stop_clock
        self._dirty: dict[int, Visit] = {}  # visits changed since the last commit
        self._due = 0.0
        self._closed = False
        self._update_session(time.time())
        self.recorder.save_session(self.session)

    def on_messages(self, decoded: Decoded) -> None:
        recorder = self.recorder
        for recorded in decoded.recorded:
            visit, update = recorded.visit, recorded.update
            self._dirty[visit.visit_id] = visit
            p = update.position
            if p is not None:
                recorder.add_tracked_point(visit.visit_id, p.t, p.lat, p.lon, p.alt, p.gs,
                                           p.track, p.vrate, p.on_ground)
            for change in update.changes:
                recorder.add_event(visit.visit_id, change.t, change.kind, change.new)
        for visit in decoded.ended:
            self._dirty[visit.visit_id] = visit

    def on_tick(self, tick: Tick) -> None:
        if tick.final:
            self._commit(tick.wall, final=True)
        elif self.clock() >= self._due:
            self._commit(tick.wall)

    def _commit(self, wall: float, final: bool = False) -> None:
        self._due = self.clock() + COMMIT_S
        for visit in self._dirty.values():
            self.recorder.save_visit(visit_row(visit))
        self._dirty.clear()
        for bucket in self.stats.take_touched():
            self.recorder.save_minute(minute_row(bucket, self.stats.start, self.session.id))
        self._update_session(wall, ended=final)
        self.recorder.save_session(self.session)
        self.recorder.commit()

    def _update_session(self, wall: float, ended: bool = False) -> None:
        samples, dropped, gain = self.source_state()
        row = self.session
        row.last_seen = wall
        row.samples, row.dropped = samples, dropped
        row.frames = self.stats.total.frames
        row.gain_db = gain
        if ended:
            row.ended = wall

    def close(self) -> None:
        """Write everything and close the recorder; a failure raises the store's one-line
        error (what could not be written is in the unsaved-rows file)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.session.ended is None:
                self._commit(time.time(), final=True)
        finally:
            # after a stop: within what is left of its budget; else the store's own wait
            self.recorder.close(None if self.stop_clock is None
                                else self.stop_clock.left(math.inf))
