"""The station's loop: a source's samples through the demodulator, every batch to every
sink, until the source ends or no sink is left."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.sources.base import FrameSource, IQSource, SourceTotals, is_frame_source
from adsbwatch.receiver.station.demodulation import demodulated
from adsbwatch.receiver.station.fanout import FanOut
from adsbwatch.receiver.station.threads import IDLE, ahead_in_thread

BLOCK_SAMPLES = 1 << 20  # 0.44 s at 2.4 MS/s: few hand-overs between the two threads
# A live source that delivers nothing for this long (a dongle gone, a server away) gets
# the sinks an empty batch anyway: the store still commits once a second.
IDLE_S = 1.0
QUEUE_BLOCKS = 3  # blocks the demodulator may run ahead of the sinks
# While the sinks hold the GIL, the demodulator thread waits up to this long each time
# it needs the GIL between its Numba kernels (Python's default, 5 ms, stalls it).
SWITCH_INTERVAL_S = 0.0005


@dataclass
class StationTotals:
    source: SourceTotals = field(default_factory=SourceTotals)
    frames_by_df: Counter = field(default_factory=Counter)
    demod_stats: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0
    demod_cpu_s: float = 0.0  # CPU time of magnitudes and demodulation (their thread's)
    stopped_early: bool = False  # no sink was left to serve before the source ended

    @property
    def frames(self) -> int:
        return sum(self.frames_by_df.values())


def run_station(source: IQSource | FrameSource, fanout: FanOut, fix: int = 1,
                on_progress: Callable[[int], None] | None = None,
                block_samples: int = BLOCK_SAMPLES, threaded: bool = True,
                totals: StationTotals | None = None,
                wall_clock: bool | None = None, throttle: bool = False) -> StationTotals:
    """Demodulate `source` to its end, handing every batch to `fanout` in the caller's
    thread (with `threaded`, demodulation runs ahead in a worker). `on_progress` gets the
    bytes consumed so far. `totals` (given by a caller that wants them even when the run
    is interrupted) are filled in as the run goes. `wall_clock` (default: whether the
    source is live) times frames by their blocks' arrival instead of the start time.
    `throttle` hands each batch over no sooner than its end on the sample clock, counted
    from the start of the run: a recording plays in real time."""
    totals = totals if totals is not None else StationTotals()
    if is_frame_source(source):
        return run_frames(source, fanout, totals)  # type: ignore[arg-type]
    totals.source = source.totals
    started = time.perf_counter()
    demod = Demodulator(source.info.rate, fix=fix)
    interval = sys.getswitchinterval()
    source.open()
    live = source.info.live if wall_clock is None else wall_clock
    batches = demodulated(source, demod, block_samples, live, totals)
    if threaded:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        batches = ahead_in_thread(batches, QUEUE_BLOCKS, "demodulator",
                                  IDLE_S if source.info.live else None)
    last: FrameBatch | None = None
    try:
        for item in batches:
            if item is IDLE:
                if last is None:
                    continue
                batch = idle_batch(last)
            else:
                batch = last = item
            if throttle:
                _wait_until(started + batch.until_ticks / CLOCK_HZ)
            if len(batch):
                totals.frames_by_df.update((batch.msg[:, 0] >> 3).tolist())
            if not fanout.deliver(batch):  # every block, frames or not: sinks keep time
                totals.stopped_early = True
                break
            if on_progress is not None:
                on_progress(source.totals.bytes_read)
    finally:
        # Stop the worker now, whatever ended the loop (Ctrl-C, a failed read): left to
        # the garbage collector, it would read and demodulate on into the program's exit.
        # A live source first: closing it wakes a worker waiting for a device that went.
        if source.info.live:
            source.close()
        batches.close()  # type: ignore[attr-defined]
        sys.setswitchinterval(interval)
        source.close()
        totals.demod_stats = demod.stats_dict()
        totals.wall_seconds = time.perf_counter() - started
    return totals


def run_frames(source: FrameSource, fanout: FanOut, totals: StationTotals) -> StationTotals:
    """A frame source's batches (another decoder's frames: no demodulator) to `fanout`
    until the source ends or no sink is left."""
    totals.source = source.totals
    started = time.perf_counter()
    source.open()
    try:
        for batch in source.batches():
            if len(batch):
                totals.frames_by_df.update((batch.msg[:, 0] >> 3).tolist())
            if not fanout.deliver(batch):
                totals.stopped_early = True
                break
    finally:
        source.close()
        totals.wall_seconds = time.perf_counter() - started
    return totals


def _wait_until(when: float) -> None:
    delay = when - time.perf_counter()
    if delay > 0:
        time.sleep(delay)


def idle_batch(last: FrameBatch) -> FrameBatch:
    """No frames, and the sample clock where the last batch left it."""
    return FrameBatch(last.msg[:0], last.ticks[:0], last.level[:0], last.fixed[:0],
                      last.until_ticks, last.epoch0, last.noise)
