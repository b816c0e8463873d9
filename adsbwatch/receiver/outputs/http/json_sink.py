"""The sink behind --http and --write-json: in the station's thread it rebuilds the JSON
files at most once a second of wall time (and at the end), publishes them by reference
for the HTTP server, writes them to DIR, and refreshes /metrics' figures."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.outputs.http.aircraft_json import aircraft_json
from adsbwatch.receiver.outputs.http.documents import (
    REFRESH_MS,
    HistoryRing,
    Published,
    encode,
    receiver_json,
)
from adsbwatch.receiver.outputs.http.files import write_atomically
from adsbwatch.receiver.outputs.http.heard import HeardAircraft
from adsbwatch.receiver.outputs.http.stats_json import StatsPeriods

if TYPE_CHECKING:
    from adsbwatch.receiver.outputs.http.metrics import MetricValues, RunMetrics
    from adsbwatch.receiver.station.pipeline import Pipeline
    from adsbwatch.receiver.station.run import StationTotals


class JsonSink:
    name = "JSON output"

    def __init__(self, pipeline: Pipeline, source: Any, totals: StationTotals,
                 receiver: tuple[float, float] | None, *, write_dir: Path | None,
                 warn: Callable[[str], None], metrics: RunMetrics | None = None,
                 on_close: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pipeline = pipeline
        self.source = source
        self.totals = totals
        self.receiver = receiver
        self.write_dir = write_dir
        self.warn = warn
        self.metrics = metrics
        self.on_close = on_close  # e.g. stop the HTTP server, once the last files are out
        self.clock = clock
        self.published = Published()
        self.heard = HeardAircraft()
        pipeline.listeners.append(self.heard)
        self.stats = StatsPeriods(pipeline.start_epoch)
        self.history = HistoryRing()
        self.builds = 0
        self.write_failures = 0
        self._due = 0.0
        self._failing = False  # a write failed and was warned of; said again once it works
        self._written: dict[str, bytes] = {}  # what DIR holds, to skip unchanged files
        self.build(history=False)  # the files exist (empty of aircraft) from the start

    def on_batch(self, batch: FrameBatch) -> None:
        if len(batch):
            self._mark_df18(batch)
        source = self.source.totals
        self.stats.on_batch(batch, self.pipeline.now, source.samples, source.dropped_samples)
        if self.clock() >= self._due:
            self.build()

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
        pipeline = self.pipeline
        tracked = pipeline.tracker.aircraft
        self.heard.forget_all_but(tracked)
        now = pipeline.now
        aircraft = encode(aircraft_json(list(tracked.values()), self.heard, now,
                                        pipeline.totals.messages))
        fresh_history = self.history.offer(now, aircraft, final) if history else None
        gain = getattr(self.source, "gain_db", None)
        demod = self.totals.demod_stats or None
        documents = {
            "aircraft.json": aircraft,
            "receiver.json": encode(receiver_json(self.receiver, self.history.count)),
            "stats.json": encode(self.stats.as_json(
                gain if isinstance(gain, int | float) else None, demod)),
            **self.history.files,
        }
        self.published.documents = documents  # readers keep whichever dict they took
        if self.metrics is not None:
            self.metrics.values = self._metric_values(len(tracked))
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

    def _mark_df18(self, batch: FrameBatch) -> None:
        """Non-ICAO and TIS-B addresses, from the DF18 control field (pyModeS' fields
        do not carry it)."""
        df18 = batch.msg[(batch.msg[:, 0] >> 3) == 18]
        if not df18.size:
            return
        addresses = (df18[:, 1].astype(np.uint32) << 16 | df18[:, 2].astype(np.uint32) << 8
                     | df18[:, 3])
        for address, cf in zip(addresses.tolist(), (df18[:, 0] & 7).tolist(), strict=True):
            self.heard.mark_df18(address, cf)

    def _metric_values(self, tracked: int) -> MetricValues:
        from adsbwatch.receiver.outputs.http.metrics import MetricValues

        pipeline = self.pipeline
        last = self.stats.as_json()["last1min"]["local"]
        if "signal" not in last:  # no minute finished yet: what there is of this one
            last = self.stats.latest.as_json(None)["local"]
        source = self.source.totals
        return MetricValues(
            frames_by_df=dict(self.totals.frames_by_df), messages=pipeline.totals.messages,
            undecodable=pipeline.totals.undecodable, positions=pipeline.totals.positions,
            rejected_positions=pipeline.tracker.rejected_positions, aircraft=tracked,
            aircraft_with_position=sum(1 for ac in pipeline.tracker.aircraft.values()
                                       if ac.lat is not None),
            samples=source.samples, dropped_samples=source.dropped_samples,
            noise_dbfs=last.get("noise"), signal_dbfs=last.get("signal"),
            peak_signal_dbfs=last.get("peak_signal"))
