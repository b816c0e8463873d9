"""A source's blocks through one Demodulator: magnitudes, then frames, block by block."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import IQSource


def demodulated(source: IQSource, demod: Demodulator,
                block_samples: int) -> Iterator[FrameBatch]:
    """Each block's frames in time order (an empty batch for a block without any)."""
    lookahead = demod.lookahead
    fmt = source.info.fmt
    mag = np.zeros(block_samples + 2 * lookahead, dtype=np.float32)
    for block in source.blocks(block_samples, lookahead):
        have = magnitude(block.raw, fmt, mag).size
        mag[have:have + lookahead] = 0.0  # pad the end of the stream
        yield demod.process(mag[:max(have, block.scan) + lookahead], block.first_sample,
                            block.scan)
