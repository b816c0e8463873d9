"""An IQ source as one of the station's inputs: its blocks through one Demodulator,
magnitudes then frames, block by block, in the input's own thread. Its tuner's gain
when the source has one (HasGain), and its line of a merged run's closing summary
(SummaryLines)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.magnitude import magnitude_and_power
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.core.abilities import HasGain, InputCounts
from adsbwatch.receiver.sources.base import IQSource, SourceInfo, SourceTotals
from adsbwatch.receiver.station.clock import LiveClock

BLOCK_SAMPLES = 1 << 20  # 0.44 s at 2.4 MS/s: few hand-overs between the threads


class DemodulatedInput:
    """The frames of an IQ source (the station's Input: already CRC-checked here)."""

    checked = True  # the demodulator applied the CRC and address rule

    def __init__(self, source: IQSource, fix: int, block_samples: int = BLOCK_SAMPLES,
                 wall_clock: bool = False) -> None:
        """`wall_clock`: each batch carries the wall-clock time of its sample clock's zero
        (a live source's times are the wall clock's)."""
        self.source = source
        self.name = source.info.name
        self.live = source.info.live
        self.block_samples = block_samples
        self.wall_clock = wall_clock
        self.demod = Demodulator(source.info.rate, fix=fix)
        self.cpu_s = 0.0  # this input's thread: magnitudes and demodulation
        self.frames = 0  # demodulated so far

    @property
    def info(self) -> SourceInfo:
        return self.source.info

    @property
    def totals(self) -> SourceTotals:
        return self.source.totals

    @property
    def gain_db(self) -> float | None:
        return self.source.gain_db if isinstance(self.source, HasGain) else None

    def demod_counts(self) -> dict[str, int]:
        return self.demod.stats_dict()

    def prepare(self) -> None:
        if self.live:
            self._warm_up()

    def open(self) -> None:
        self.source.open()

    def _warm_up(self) -> None:
        """Compile (or load from the cache) every kernel the blocks will need, on a
        block of silence and a demodulator of its own, before a live source starts:
        its samples do not wait, and the first block's compiling would drop seconds
        of them."""
        info = self.source.info
        spare = Demodulator(info.rate, fix=self.demod.fix)
        raw = np.full(4096 * info.bytes_per_sample, 0, dtype=np.uint8)
        mag = np.zeros(4096 + 2 * spare.lookahead, dtype=np.float32)
        have = magnitude_and_power(raw, info.fmt, mag, 4096)[0].size
        spare.process(mag[:have + spare.lookahead], 0, have, raw, info.fmt,
                      load_recovery=True)

    def close(self) -> None:
        self.source.close()

    def batches(self) -> Iterator[FrameBatch]:
        """Each block's frames in time order (an empty batch for a block without any)."""
        source, demod = self.source, self.demod
        lookahead = demod.lookahead
        fmt = source.info.fmt
        clock = (LiveClock(source.info.rate, source.info.bytes_per_sample)
                 if self.wall_clock else None)
        mag = np.zeros(self.block_samples + 2 * lookahead, dtype=np.float32)
        for block in source.blocks(self.block_samples, lookahead):
            if block.gap_before:
                demod.skip_to(block.first_sample)
            cpu = time.thread_time()
            # With the noise figure: the mean power of the samples this block scans.
            mags, sample_power = magnitude_and_power(block.raw, fmt, mag, block.scan)
            have = mags.size
            mag[have:have + lookahead] = 0.0  # pad the end of the stream
            # The raw IQ too: a frame with another reply under it is subtracted there.
            batch = demod.process(mag[:max(have, block.scan) + lookahead],
                                  block.first_sample, block.scan, block.raw, fmt)
            batch.sample_power = sample_power
            batch.samples = min(have, block.scan)
            self.cpu_s += time.thread_time() - cpu
            if clock is not None:
                batch.epoch0 = clock.epoch0(block)
            self.frames += len(batch)
            yield batch

    def summary_lines(self, counts: InputCounts) -> list[str]:
        """Its line when merged with other decoders' frames: what it demodulated and
        what became of those frames."""
        totals, s = self.totals, self.demod.stats_dict()
        unread = f", {counts.unread} unread at the stop" if counts.unread else ""
        return [f"adsbwatch: {self.name}: {self.frames} frames demodulated from "
                f"{totals.samples} samples ({totals.dropped_samples} dropped), "
                f"{counts.decoded} decoded, {counts.duplicates} copies of another "
                f"input's{unread}; repaired {s.get('repaired_1bit', 0)} (1 bit) + "
                f"{s.get('repaired_2bit', 0)} (2 bits)"]
