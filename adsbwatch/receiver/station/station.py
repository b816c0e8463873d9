"""The station: its inputs' batches, merged into one stream, through the stages, to every
consumer, until an input ends, a stop is asked for, or no consumer is left.

Each input (a demodulated IQ source, each network peer) runs in a worker thread of its
own; the station's thread takes their batches from one queue and merges them (merge.py:
other decoders' frames checked, copies between inputs dropped, several inputs let out in
time order). For each merged batch, in this order: the statistics count it; the frames
go to the frames consumers; the decoding stage (if any) decodes them into the one
aircraft table and the decoded batch goes to the messages consumers, then its
sightings; the clock advances (silent aircraft expire, silent visits end) and a tick
goes out. Without a batch for a second (a live source away, a quiet peer) the clock
still advances, on the wall clock when live: aircraft age and expire, and the tick
says since when no data arrives.

Stopping: `request_stop` (a signal handler, the interactive view; any thread) only asks.
The station then closes its inputs, which ends their reading, hands on every batch
already read (within DRAIN_S) and every frame the merge holds, announces the sightings
still waiting, and sends the final tick; what was read but never handed on is counted
(InputCounts.unread). An input that ends or fails ends the run the same way (its
failure is raised after). The caller closes the consumers (`close`): each writes what
it holds; the store's consumer closes the store.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.core.abilities import HasGain
from adsbwatch.receiver.core.collector import start_up_over
from adsbwatch.receiver.core.consumer import Consumer
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.core.stopping import StopClock
from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals
from adsbwatch.receiver.station.consumers import Consumers
from adsbwatch.receiver.station.inputs import (
    IDLE,
    Input,
    InputWorkers,
    combined_info,
    combined_totals,
)
from adsbwatch.receiver.station.merge import Merge
from adsbwatch.receiver.station.stats import SourceCounts, StationStats

if TYPE_CHECKING:  # a run without decoding (--raw) never loads them
    from adsbwatch.decoder.messages.tracker import Tracker
    from adsbwatch.receiver.station.pipeline import Pipeline

IDLE_S = 1.0  # without a batch this long, the clock advances anyway
AWAY_AFTER_S = 3.0  # a live input silent this long is away: outputs say since when
PREPARE_POLL_S = 0.1  # how soon a stop is seen while the inputs are prepared
DRAIN_S = 3.0  # after a stop, how long batches already read are still handed on
# While the station's thread holds the GIL, an input's thread waits up to this long each
# time it needs the GIL between its Numba kernels (Python's default, 5 ms, stalls it).
SWITCH_INTERVAL_S = 0.0005


@dataclass
class StationRun:
    """How the run went, for the closing lines."""

    batches: int = 0
    wall_seconds: float = 0.0
    ended: str = "running"  # "input ended", "input failed", "stopped", "no consumer left"
    drained_batches: int = 0  # handed on after a stop


class Station:
    def __init__(self, inputs: Input | Sequence[Input], *, start_epoch: float,
                 pipeline: Pipeline | None, warn: Callable[[str], None],
                 receiver: tuple[float, float] | None = None,
                 wall_clock: bool | None = None, throttle: bool = False) -> None:
        """`inputs`: one or several (a dongle and network peers, the dongle first: its
        failure to open is the one said). `start_epoch`: UNIX time of a recording's
        sample 0 (batches without their own `epoch0`). `wall_clock` (default: whether an
        input is live): the clock follows the wall clock between batches. `throttle`:
        hand each batch on no sooner than its end on the sample clock, counted from the
        run's start (a recording in real time, one input)."""
        self.inputs: list[Input] = list(inputs) if isinstance(inputs, Sequence) else [inputs]
        self.merge = Merge([source.checked for source in self.inputs])
        live = any(source.live for source in self.inputs)
        self.receiver = receiver  # (lat, lon), when known
        self.start_epoch = start_epoch
        self.pipeline = pipeline
        self.warn = warn
        self.live = live
        self.wall_clock = live if wall_clock is None else wall_clock
        self.throttle = throttle
        self.consumers = Consumers(warn)
        self.stats = StationStats(start_epoch)
        self.run_state = StationRun()
        self.now = start_epoch if not self.wall_clock else time.time()
        if pipeline is not None:
            pipeline.now = self.now
        self._stop = threading.Event()
        self.stop_clock = StopClock()  # the closing consumers' budget after a stop
        self._last_data = time.time()  # wall time of the last batch with data
        self._started = time.perf_counter()
        self._decode_cpu_s = 0.0
        self._doubt_said = False
        self._failure_said = False
        self._failure: BaseException | None = None  # an input's, raised when the run is over
        self._ended: set[int] = set()  # inputs whose worker has ended
        self._started_inputs: set[int] = set()  # inputs that have handed on a batch

    # ------------------------------------------------------------------ setting up

    def add(self, consumer: Consumer) -> None:
        self.consumers.add(consumer)

    # ------------------------------------------------------------------ what views read

    @property
    def totals(self) -> SourceTotals:
        """The inputs' counts: samples, dropped, time away, bytes read."""
        return combined_totals(self.inputs)

    @property
    def info(self) -> SourceInfo:
        return combined_info(self.inputs)

    @property
    def tracker(self) -> Tracker | None:
        return None if self.pipeline is None else self.pipeline.tracker

    def messages(self) -> int:
        return self.stats.total.messages

    def gain_db(self) -> float | None:
        """The tuner's gain now, if an input has one."""
        for source in self.inputs:
            gain = source.gain_db if isinstance(source, HasGain) else None
            if isinstance(gain, int | float) and math.isfinite(gain):
                return float(gain)
        return None

    def demod_counts(self) -> dict[str, int]:
        """The demodulator's counters so far (none for frames from other decoders)."""
        counts: dict[str, int] = {}
        for source in self.inputs:
            for key, n in source.demod_counts().items():
                counts[key] = counts.get(key, 0) + n
        return counts

    def request_stop(self) -> None:
        """Ask the run to end (any thread, a signal handler); it ends within a second."""
        self.stop_clock.start()
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ running

    def run(self) -> StationRun:
        """Run until an input ends, a stop is asked for or no consumer is left; then
        hand on what was read, announce what waits and send the final tick. An input's
        failure is raised then."""
        state = self.run_state
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        workers: InputWorkers | None = None
        try:
            if not self._prepared() or self._stop.is_set():
                state.ended = "stopped"
                return state
            for source in self.inputs:
                source.open()
            workers = InputWorkers(self.inputs)
            state.ended = self._loop(workers)
            if state.ended != "no consumer left":
                self._drain(workers)
            self._finish()
        finally:
            self._close_inputs()
            if workers is not None:
                for index, batch in workers.stop():
                    self.merge.counts[index].unread += len(batch)
            self.merge.discard_held()
            sys.setswitchinterval(interval)
            state.wall_seconds = time.perf_counter() - self._started
        if self._failure is not None:
            raise self._failure
        return state

    def _prepared(self) -> bool:
        """Every input prepared (its kernels compiled: up to a minute on a busy Pi the
        first time), in a thread of its own, so that a stop asked for meanwhile ends the
        run at once (False); the thread owns nothing and is left to itself."""
        failure: list[BaseException] = []

        def prepare() -> None:
            try:
                for source in self.inputs:
                    source.prepare()
            except BaseException as exc:  # noqa: BLE001 - raised on the station's thread
                failure.append(exc)

        worker = threading.Thread(target=prepare, name="preparing", daemon=True)
        worker.start()
        while worker.is_alive():
            if self._stop.is_set():
                return False
            worker.join(PREPARE_POLL_S)
        if failure:
            raise failure[0]
        return True

    def _close_inputs(self) -> None:
        for source in self.inputs:
            source.close()

    def _loop(self, workers: InputWorkers) -> str:
        while True:
            if self._stop.is_set():
                return "stopped"
            got = workers.get(IDLE_S)
            if got is IDLE:
                held = self.merge.due()
                if held is not None:
                    self._deliver(held)
                else:
                    self._idle()
            else:
                index, item = got  # type: ignore[misc]
                if not isinstance(item, FrameBatch):
                    self._ended.add(index)
                    if isinstance(item, BaseException):
                        self._failure = item
                        return "input failed"
                    return "input ended"
                if index not in self._started_inputs:
                    self._started_inputs.add(index)
                    start_up_over()  # its kernels are loaded
                if self.throttle:
                    self._wait_until(self._started + item.until_ticks / CLOCK_HZ)
                self._deliver(self.merge.add(index, item))
            if not self.consumers:
                return "no consumer left"

    def _drain(self, workers: InputWorkers) -> None:
        """The run is ending: every input closed, what they already read is still
        handed on (within DRAIN_S), then every frame the merge holds."""
        self._close_inputs()
        deadline = time.monotonic() + DRAIN_S
        while (len(self._ended) < len(self.inputs) and self.consumers
               and (left := deadline - time.monotonic()) > 0):
            got = workers.get(left)
            if got is IDLE:
                break
            index, item = got  # type: ignore[misc]
            if not isinstance(item, FrameBatch):  # its end, or a read cut short by the close
                self._ended.add(index)
                continue
            self._deliver(self.merge.add(index, item))
            self.run_state.drained_batches += 1
        held = self.merge.flush()
        if held is not None and self.consumers:
            self._deliver(held)

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
            self._say_decoding_failure()
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
        if not self.live:
            return None
        wall = time.time() if wall is None else wall
        return self._last_data if wall - self._last_data > AWAY_AFTER_S else None

    def _say_receiver_doubt(self) -> None:
        """The receiver position given looks wrong (once): say it plainly."""
        check = self.pipeline.tracker.receiver_check  # type: ignore[union-attr]
        if check is not None and check.doubt is not None and not self._doubt_said:
            self._doubt_said = True
            self.warn(check.doubt)

    def _say_decoding_failure(self) -> None:
        """An unexpected decoding failure (once; the summary counts them all)."""
        pipeline = self.pipeline
        assert pipeline is not None
        if pipeline.first_failure is not None and not self._failure_said:
            self._failure_said = True
            self.warn(pipeline.first_failure)

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
                            demod_cpu_s=sum(source.cpu_s for source in self.inputs),
                            reader_cpu_s=float(totals.extra.get("reader_cpu_ms", 0)) / 1000,
                            decode_cpu_s=self._decode_cpu_s)

    # ------------------------------------------------------------------ ending

    def close(self) -> None:
        """Close every consumer (each writes what it holds); say a failure at the end."""
        self.consumers.close()
