"""The station: an input's batches through the stages, to every consumer, until the input
ends, a stop is asked for, or no consumer is left.

For each batch, in this order: the statistics count it; the frames go to the frames
consumers; the decoding stage (if any) decodes them into the one aircraft table and the
decoded batch goes to the messages consumers, then its sightings; the clock advances
(silent aircraft expire, silent visits end) and a tick goes out. Without a batch for a
second (a live source away, a quiet peer) the clock still advances, on the wall clock
when live: aircraft age and expire, and the tick says since when no data arrives.

Stopping: `request_stop` (a signal handler, the interactive view; any thread) only asks.
The station then closes its input, which ends its reading, hands on every batch already
read and demodulated (within DRAIN_S), announces the sightings still waiting, and sends
the final tick. The caller closes the consumers (`close`): each writes what it holds;
the store's consumer closes the store.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.receiver.core.consumer import Consumer
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals
from adsbwatch.receiver.station.consumers import Consumers
from adsbwatch.receiver.station.inputs import END, IDLE, Input, InputWorker
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.station.stats import SourceCounts, StationStats

IDLE_S = 1.0  # without a batch this long, the clock advances anyway
AWAY_AFTER_S = 3.0  # a live input silent this long is away: outputs say since when
DRAIN_S = 3.0  # after a stop, how long batches already read are still handed on
# While the station's thread holds the GIL, an input's thread waits up to this long each
# time it needs the GIL between its Numba kernels (Python's default, 5 ms, stalls it).
SWITCH_INTERVAL_S = 0.0005


@dataclass
class StationRun:
    """How the run went, for the closing lines."""

    batches: int = 0
    wall_seconds: float = 0.0
    ended: str = "running"  # "input ended", "stopped", "no consumer left"
    drained_batches: int = 0  # handed on after a stop


class Station:
    def __init__(self, source: Input, *, start_epoch: float, pipeline: Pipeline | None,
                 warn: Callable[[str], None], receiver: tuple[float, float] | None = None,
                 wall_clock: bool | None = None, throttle: bool = False) -> None:
        """`start_epoch`: UNIX time of a recording's sample 0 (batches without their own
        `epoch0`). `wall_clock` (default: whether the input is live): the clock follows
        the wall clock between batches. `throttle`: hand each batch on no sooner than its
        end on the sample clock, counted from the run's start (a recording in real time)."""
        self.input = source
        self.receiver = receiver  # (lat, lon), when known
        self.start_epoch = start_epoch
        self.pipeline = pipeline
        self.warn = warn
        self.wall_clock = source.live if wall_clock is None else wall_clock
        self.throttle = throttle
        self.consumers = Consumers(warn)
        self.stats = StationStats(start_epoch)
        self.run_state = StationRun()
        self.now = start_epoch if not self.wall_clock else time.time()
        if pipeline is not None:
            pipeline.now = self.now
        self._stop = threading.Event()
        self._last_data = time.time()  # wall time of the last batch with data
        self._started = time.perf_counter()
        self._decode_cpu_s = 0.0
        self._doubt_said = False

    # ------------------------------------------------------------------ setting up

    def add(self, consumer: Consumer) -> None:
        self.consumers.add(consumer)

    # ------------------------------------------------------------------ what views read

    @property
    def totals(self) -> SourceTotals:
        """The input's counts: samples, dropped, time away, bytes read."""
        return self.input.totals

    @property
    def info(self) -> SourceInfo:
        return self.input.info

    @property
    def tracker(self) -> Tracker | None:
        return None if self.pipeline is None else self.pipeline.tracker

    def messages(self) -> int:
        return self.stats.total.messages

    def gain_db(self) -> float | None:
        """The tuner's gain now, if the input has one."""
        gain = getattr(self.input, "gain_db", None)
        return float(gain) if isinstance(gain, int | float) and math.isfinite(gain) else None

    def demod_counts(self) -> dict[str, int]:
        """The demodulator's counters so far (none for frames from other decoders)."""
        return self.input.demod_counts()

    def request_stop(self) -> None:
        """Ask the run to end (any thread, a signal handler); it ends within a second."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ running

    def run(self) -> StationRun:
        """Run until the input ends, a stop is asked for or no consumer is left; then
        hand on what was read, announce what waits and send the final tick."""
        state = self.run_state
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        worker: InputWorker | None = None
        try:
            if self._stop.is_set():
                state.ended = "stopped"
                return state
            self.input.open()
            worker = InputWorker(self.input)
            state.ended = self._loop(worker)
            if state.ended == "stopped":
                self._drain(worker)
            self._finish()
        finally:
            if worker is not None:
                self.input.close()
                worker.stop()
            else:
                self.input.close()
            sys.setswitchinterval(interval)
            state.wall_seconds = time.perf_counter() - self._started
        return state

    def _loop(self, worker: InputWorker) -> str:
        while True:
            if self._stop.is_set():
                return "stopped"
            item = worker.get(IDLE_S)
            if item is END:
                return "input ended"
            if item is IDLE:
                self._idle()
            else:
                assert isinstance(item, FrameBatch)
                if self.throttle:
                    self._wait_until(self._started + item.until_ticks / CLOCK_HZ)
                self._deliver(item)
            if not self.consumers:
                return "no consumer left"

    def _drain(self, worker: InputWorker) -> None:
        """After a stop: the input closed, what it already read is still handed on."""
        self.input.close()
        deadline = time.monotonic() + DRAIN_S
        while (left := deadline - time.monotonic()) > 0 and self.consumers:
            try:
                item = worker.get(left)
            except Exception:  # noqa: BLE001 - a read cut short by the close
                return
            if item is END or item is IDLE:
                return
            assert isinstance(item, FrameBatch)
            self._deliver(item)
            self.run_state.drained_batches += 1

    def _wait_until(self, when: float) -> None:
        while (delay := when - time.perf_counter()) > 0 and not self._stop.is_set():
            time.sleep(min(delay, IDLE_S))

    # ------------------------------------------------------------------ the stages

    def _deliver(self, batch: FrameBatch) -> None:
        cpu = time.thread_time()
        self.run_state.batches += 1
        wall = time.time()
        if len(batch) or batch.samples:
            self._last_data = wall
        epoch0 = self.start_epoch if batch.epoch0 is None else batch.epoch0
        self.stats.on_frames(batch, epoch0, self._source_counts())
        consumers = self.consumers
        consumers.deliver("on_frames", batch)
        self.now = max(self.now, epoch0 + batch.until_ticks / CLOCK_HZ)
        if self.pipeline is not None:
            decoded = self.pipeline.decode(batch, epoch0)
            self.stats.on_decoded(decoded.now, len(decoded.updates), decoded.undecodable,
                                  self.pipeline.tracker,
                                  [u.position.range_km for u in decoded.updates
                                   if u.position is not None
                                   and u.position.range_km is not None])
            consumers.deliver("on_messages", decoded)
            self._sightings()
            self._say_receiver_doubt()
        self._decode_cpu_s += time.thread_time() - cpu
        self._advance(wall)

    def _idle(self) -> None:
        wall = time.time()
        if self.wall_clock:
            self.now = max(self.now, wall)
        self.stats.on_idle(self.now, self._source_counts())
        self._advance(wall)

    def _advance(self, wall: float) -> None:
        if self.wall_clock:
            self.now = max(self.now, wall)
        if self.pipeline is not None:
            self.pipeline.advance(self.now)
            self._sightings()
        self.consumers.deliver("on_tick", Tick(self.now, wall, self.wall_clock,
                                               self.away_since(wall)))

    def away_since(self, wall: float | None = None) -> float | None:
        """Since when no data arrives (wall time), for a live input silent for longer
        than AWAY_AFTER_S; None while data arrives."""
        if not self.input.live:
            return None
        wall = time.time() if wall is None else wall
        return self._last_data if wall - self._last_data > AWAY_AFTER_S else None

    def _say_receiver_doubt(self) -> None:
        """The receiver position given looks wrong (once): say it plainly."""
        check = self.pipeline.tracker.receiver_check  # type: ignore[union-attr]
        if check is not None and check.doubt is not None and not self._doubt_said:
            self._doubt_said = True
            self.warn(check.doubt)

    def _sightings(self) -> None:
        assert self.pipeline is not None
        for sighting in self.pipeline.take_sightings():
            self.consumers.deliver("on_sighting", sighting)

    def _finish(self) -> None:
        """The run is over: every waiting sighting announced, the final tick."""
        wall = time.time()
        if self.pipeline is not None:
            self.pipeline.finish()
            self._sightings()
        self.consumers.deliver("on_tick", Tick(self.now, wall, self.wall_clock,
                                               self.away_since(wall), final=True))

    def _source_counts(self) -> SourceCounts:
        totals = self.totals
        return SourceCounts(samples=totals.samples, dropped=totals.dropped_samples,
                            away=totals.away_samples,
                            demod_cpu_s=self.input.cpu_s,
                            reader_cpu_s=float(totals.extra.get("reader_cpu_ms", 0)) / 1000,
                            decode_cpu_s=self._decode_cpu_s)

    # ------------------------------------------------------------------ ending

    def close(self) -> None:
        """Close every consumer (each writes what it holds); say a failure at the end."""
        self.consumers.close()
