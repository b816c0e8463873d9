"""Replay: an IQ source through the demodulator, batch by batch, with running totals."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..decoder.demod import Demodulator, FrameBatch
from ..decoder.iqformats import magnitude
from .errors import UserError
from .sources import Block, ReadTotals, SourceSpec, open_stream, read_blocks

BLOCK_SAMPLES = 1 << 18


@dataclass
class ReplayTotals:
    samples: int = 0
    leftover_bytes: int = 0
    frames_by_df: Counter = field(default_factory=Counter)
    demod_stats: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def frames(self) -> int:
        return sum(self.frames_by_df.values())


def _reading(blocks: Iterator[Block], name: str) -> Iterator[Block]:
    """The blocks, a failed read reported as a failure of the input. Only reads: an
    OSError raised by the consumer (a closed stdout in `on_batch`) passes through."""
    try:
        yield from blocks
    except OSError as exc:
        raise UserError(f"{name}: read failed ({exc.strerror or exc})") from None


def demodulate_source(spec: SourceSpec, on_batch: Callable[[FrameBatch], None], fix: int = 1,
                      on_progress: Callable[[int], None] | None = None,
                      block_samples: int = BLOCK_SAMPLES) -> ReplayTotals:
    """Run the whole source through one Demodulator; `on_batch` gets each block's frames
    in time order (an empty batch for a block without any), `on_progress` the bytes
    consumed so far."""
    started = time.perf_counter()
    demod = Demodulator(spec.rate, fix=fix)
    lookahead = demod.lookahead
    mag = np.zeros(block_samples + 2 * lookahead, dtype=np.float32)
    read = ReadTotals()
    totals = ReplayTotals()
    stream = open_stream(spec)
    blocks = read_blocks(stream, spec.bytes_per_sample, block_samples, lookahead, read)
    try:
        for block in _reading(blocks, spec.data_path):
            have = magnitude(block.raw, spec.fmt, mag).size
            mag[have:have + lookahead] = 0.0  # pad the end of the stream
            batch = demod.process(mag[:max(have, block.scan) + lookahead], block.first_sample,
                                  block.scan)
            if len(batch):
                totals.frames_by_df.update((batch.msg[:, 0] >> 3).tolist())
            on_batch(batch)  # every block, frames or not: consumers keep time with it
            if on_progress is not None:
                on_progress((block.first_sample + block.scan) * spec.bytes_per_sample)
    finally:
        if spec.data_path != "-":
            stream.close()
    totals.samples = read.samples
    totals.leftover_bytes = read.leftover_bytes
    totals.demod_stats = demod.stats_dict()
    totals.wall_seconds = time.perf_counter() - started
    return totals
