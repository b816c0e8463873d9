"""The stats line under the aircraft table: how the run is going. For a live source
samples per second, frames, aircraft, noise floor and peak signal, gain, dropped
samples; for a recording how far into it the run is; for a frame source (other
decoders' frames, `--net-connect`) each peer's frames per second and whether it is
connected, what was refused, copied or dropped, in place of a sample rate it has not."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import IQSource, is_frame_source
from adsbwatch.receiver.station.fanout import Sink

WINDOW_S = 10.0  # wall-clock seconds the rate and the peak are measured over


def dbfs(level: float) -> float:
    return 20 * math.log10(level)


class RunStats:
    """Counts of the batches seen, beside the source's own counters."""

    def __init__(self, source: IQSource, clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self.clock = clock
        self.frames = 0
        self.noise_dbfs: float | None = None  # the newest block's noise floor
        self._peaks: deque[tuple[float, float]] = deque()  # (time, strongest frame)
        self._samples: deque[tuple[float, int]] = deque()  # (time, samples so far)
        # A frame source's peers: (time, frames each peer sent so far)
        self._received: deque[tuple[float, tuple[int, ...]]] = deque()

    def observe(self, batch: FrameBatch) -> None:
        now = self.clock()
        self.frames += len(batch)
        if batch.noise > 0:
            self.noise_dbfs = dbfs(batch.noise)
        if len(batch):
            levels = batch.dbfs
            known = levels[~np.isnan(levels)]  # NaN: a frame its sender gave no level
            if known.size:
                self._peaks.append((now, float(known.max())))
        self._samples.append((now, self.source.totals.samples))
        peers = getattr(self.source, "peer_states", None)
        if peers is not None:
            self._received.append((now, tuple(p.received for p in peers())))
        for kept in (self._peaks, self._samples, self._received):
            while len(kept) > 1 and kept[0][0] < now - WINDOW_S:
                kept.popleft()

    @property
    def peak_dbfs(self) -> float | None:
        """The strongest frame of the last WINDOW_S seconds."""
        return max(p for _, p in self._peaks) if self._peaks else None

    @property
    def samples_per_s(self) -> float | None:
        """Over the last WINDOW_S seconds; None until two batches have come."""
        if len(self._samples) < 2:
            return None
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else None

    def peer_rates(self) -> list[float | None]:
        """Each peer's frames per second over the last WINDOW_S seconds (None until two
        batches have come)."""
        if len(self._received) < 2:
            return [None] * (len(self._received[0][1]) if self._received else 0)
        (t0, n0), (t1, n1) = self._received[0], self._received[-1]
        return [(b - a) / (t1 - t0) if t1 > t0 else None for a, b in zip(n0, n1, strict=True)]

    def progress(self) -> float | None:
        """The share of a recording of known size read so far."""
        size = self.source.info.size_bytes
        if self.source.info.live or not size:
            return None
        return min(1.0, self.source.totals.bytes_read / size)


def footer_text(stats: RunStats, aircraft_now: int) -> str:
    source = stats.source
    if is_frame_source(source):
        return " | ".join([*_frame_source_parts(stats), *_traffic_parts(stats, aircraft_now)])
    parts = []
    done = stats.progress()
    if done is not None:
        parts.append(f"replay {done:.0%}")
    elif not source.info.live:
        parts.append(f"{source.totals.samples / source.info.rate:.1f} s of signal")
    rate = stats.samples_per_s
    if rate is not None:  # a recording is read as fast as it can be: how fast is that
        parts.append(f"{rate / 1e6:.2f} MS/s" if source.info.live
                     else f"{rate / source.info.rate:.1f}x real time")
    parts += _traffic_parts(stats, aircraft_now)
    gain = getattr(source, "gain_db", None)
    if gain is not None:
        parts.append(f"gain {float(gain):.1f} dB")
    if source.info.live:
        parts.append(f"dropped {source.totals.dropped_samples} samples")
    return " | ".join(parts)


def _traffic_parts(stats: RunStats, aircraft_now: int) -> list[str]:
    parts = [f"{stats.frames} frames", f"{aircraft_now} aircraft"]
    if stats.noise_dbfs is not None:
        parts.append(f"noise {stats.noise_dbfs:.1f} dBFS")
    if stats.peak_dbfs is not None:
        parts.append(f"peak {stats.peak_dbfs:.1f} dBFS")
    return parts


def _frame_source_parts(stats: RunStats) -> list[str]:
    """A frame source's own state: a dongle's rate and drops if it merges one, each
    peer's frames per second or that it is not connected, the frames it kept out."""
    source = stats.source
    parts = []
    dongle = getattr(source, "iq", None)
    if dongle is not None:
        rate = stats.samples_per_s
        parts.append(f"{dongle.info.name} {'?' if rate is None else f'{rate / 1e6:.2f}'} "
                     f"MS/s, dropped {source.totals.dropped_samples} samples")
    peers = getattr(source, "peer_states", None)
    states = peers() if peers is not None else []
    for state, rate in zip(states, stats.peer_rates() or [None] * len(states), strict=True):
        if not state.connected:
            parts.append(f"{state.name} not connected")
        elif rate is None:  # the first batch: no rate yet
            parts.append(f"{state.name} connected")
        else:
            parts.append(f"{state.name} {rate:.0f} frames/s")
    extra = source.totals.extra  # of every input, the dongle's copies too
    parts.append(f"refused {extra.get('refused', 0)}, duplicates "
                 f"{extra.get('duplicates', 0)}, dropped "
                 f"{extra.get('dropped (queue full)', 0)} frames")
    return parts


class ObservedSink:
    """A sink whose batches the stats see first; otherwise the sink itself, so the
    fan-out drops and closes it as it would the sink."""

    def __init__(self, sink: Sink, stats: RunStats) -> None:
        self.sink = sink
        self.stats = stats
        self.name = sink.name

    def on_batch(self, batch: FrameBatch) -> None:
        self.stats.observe(batch)
        self.sink.on_batch(batch)

    def close(self) -> None:
        self.sink.close()
