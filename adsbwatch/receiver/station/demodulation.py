"""A source's blocks through one Demodulator: magnitudes, then frames, block by block."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

import numpy as np

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import IQSource
from adsbwatch.receiver.station.clock import LiveClock


class CpuMeter(Protocol):
    demod_cpu_s: float


def demodulated(source: IQSource, demod: Demodulator, block_samples: int,
                wall_clock: bool = False,
                meter: CpuMeter | None = None) -> Iterator[FrameBatch]:
    """Each block's frames in time order (an empty batch for a block without any); a
    live source's batches carry (with `wall_clock`) the wall-clock time of their sample
    clock's zero."""
    lookahead = demod.lookahead
    fmt = source.info.fmt
    clock = LiveClock(source.info.rate, source.info.bytes_per_sample) if wall_clock else None
    mag = np.zeros(block_samples + 2 * lookahead, dtype=np.float32)
    for block in source.blocks(block_samples, lookahead):
        if block.gap_before:
            demod.skip_to(block.first_sample)
        cpu = time.thread_time()
        have = magnitude(block.raw, fmt, mag).size
        mag[have:have + lookahead] = 0.0  # pad the end of the stream
        batch = demod.process(mag[:max(have, block.scan) + lookahead], block.first_sample,
                              block.scan)
        if meter is not None:  # this thread's time: the worker's when it runs ahead
            meter.demod_cpu_s += time.thread_time() - cpu
        if clock is not None:
            batch.epoch0 = clock.epoch0(block)
        yield batch
