"""The consumer behind --http and --write-json: at each tick, at most once a second of
wall time (and at the end), it rebuilds the JSON files from the one aircraft table and
the station's statistics, publishes them by reference for the HTTP server, writes them
to DIR, and refreshes /metrics' figures; the map's sightings.json from the sightings. It
reads; it counts nothing of its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.receiver.core.events import Sighting, Tick
from adsbwatch.receiver.outputs.http.aircraft_json import aircraft_json
from adsbwatch.receiver.outputs.http.documents import (
    REFRESH_MS,
    HistoryRing,
    Published,
    encode,
    receiver_json,
)
from adsbwatch.receiver.outputs.http.files import write_atomically
from adsbwatch.receiver.outputs.http.sightings_json import SightingsFeed
from adsbwatch.receiver.outputs.http.stats_json import stats_json
from adsbwatch.receiver.outputs.sighting_text import facts_of
from adsbwatch.receiver.station.stats import AIRCRAFT_S, StationStats, aircraft_present

if TYPE_CHECKING:
    from adsbwatch.receiver.outputs.http.metrics import MetricValues, RunMetrics


class StationView(Protocol):
    """What the JSON files are built from (the Station has it)."""

    receiver: tuple[float, float] | None
    stats: StationStats

    @property
    def tracker(self) -> Tracker | None: ...

    def messages(self) -> int: ...

    def gain_db(self) -> float | None: ...

    def demod_counts(self) -> dict[str, int]: ...


class JsonOutput:
    name = "JSON output"

    def __init__(self, view: StationView, *, write_dir: Path | None,
                 warn: Callable[[str], None], metrics: RunMetrics | None = None,
                 on_close: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.view = view
        self.write_dir = write_dir
        self.warn = warn
        self.metrics = metrics
        self.on_close = on_close  # e.g. stop the HTTP server, once the last files are out
        self.clock = clock
        self.published = Published()
        self.history = HistoryRing()
        self.sightings = SightingsFeed()
        self.builds = 0
        self.write_failures = 0
        self._due = 0.0
        self._failing = False  # a write failed and was warned of; said again once it works
        self._written: dict[str, bytes] = {}  # what DIR holds, to skip unchanged files
        self._last_tick: Tick | None = None
        self.build(history=False)  # the files exist (empty of aircraft) from the start

    def on_tick(self, tick: Tick) -> None:
        self._last_tick = tick
        if tick.final or self.clock() >= self._due:
            self.build(final=tick.final)

    def on_sighting(self, sighting: Sighting) -> None:
        self.sightings.add(facts_of(sighting, self.view.receiver))  # on the next build

    def close(self) -> None:
        try:
            self.build(final=True)
        finally:
            if self.on_close is not None:
                self.on_close()

    def build(self, final: bool = False, history: bool = True) -> None:
        """Rebuild every file from the current state and hand them over (`final`: the
        run's last state, kept in the history too)."""
        self._due = self.clock() + REFRESH_MS / 1000
        self.builds += 1
        view, tick = self.view, self._last_tick
        tracker = view.tracker
        assert tracker is not None  # the JSON files need the decoding stage
        now = view.stats.now if tick is None else tick.now
        away = None if tick is None else tick.away_since
        aircraft = encode(aircraft_json(tracker.aircraft.values(), now, view.messages(),
                                        away))
        fresh_history = self.history.offer(now, aircraft, final) if history else None
        gain = view.gain_db()
        documents = {
            "aircraft.json": aircraft,
            "receiver.json": encode(receiver_json(view.receiver, self.history.count)),
            "stats.json": encode(stats_json(view.stats, gain, view.demod_counts())),
            "sightings.json": encode(self.sightings.document(now)),
            **self.history.files,
        }
        self.published.documents = documents  # readers keep whichever dict they took
        if self.metrics is not None:
            self.metrics.values = self._metric_values(now, away)
        if self.write_dir is not None:
            self._write(documents, fresh_history)

    def _write(self, documents: dict[str, bytes], fresh_history: str | None) -> None:
        """Write what changed since the last write (a failed file is tried again)."""
        assert self.write_dir is not None
        names = ["aircraft.json", "receiver.json", "stats.json"]
        if fresh_history is not None:
            names.insert(0, fresh_history)  # before receiver.json counts it
        names[:0] = [n for n in self.history.files if n != fresh_history]  # unwritten ones
        try:
            for name in names:
                if self._written.get(name) != documents[name]:
                    write_atomically(self.write_dir, name, documents[name])
                    self._written[name] = documents[name]
        except OSError as exc:
            self.write_failures += 1
            if not self._failing:
                self._failing = True
                self.warn(f"--write-json {self.write_dir}: cannot write {name} "
                          f"({exc.strerror or exc}); trying again every second")
            return
        if self._failing:
            self._failing = False
            self.warn(f"--write-json {self.write_dir}: writing again "
                      f"({self.write_failures} writes failed)")

    def _metric_values(self, now: float, away: float | None) -> MetricValues:
        from adsbwatch.receiver.outputs.http.metrics import MetricValues

        view = self.view
        stats, tracker = view.stats, view.tracker
        assert tracker is not None
        last = stats.period(1)
        if not last.frames and not last.samples:  # no minute finished yet: this one
            last = stats.current()
        total = stats.total
        return MetricValues(
            frames_by_df={df: int(n) for df, n in enumerate(total.by_df.tolist()) if n},
            messages=total.messages, undecodable=total.undecodable,
            positions=total.positions, rejected_positions=total.rejected_positions,
            aircraft=aircraft_present(tracker, now),
            aircraft_with_position=sum(1 for ac in tracker.aircraft.values()
                                       if ac.cpr.last is not None
                                       and now - ac.last_seen <= AIRCRAFT_S),
            samples=total.samples, dropped_samples=total.dropped,
            noise_dbfs=last.noise_dbfs, signal_dbfs=last.signal_dbfs,
            peak_signal_dbfs=last.peak_dbfs, no_data_since=away)
