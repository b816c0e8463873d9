"""The frame batch: what the demodulator (or a network input) hands to every sink.

Plain numpy arrays, no Numba: every output and the decoding pipeline import it, and
a command that only reads the store must not pay for compiling kernels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class FrameBatch:
    """Frames from one block, in time order, as arrays."""

    msg: np.ndarray  # [n, 14] uint8; 56-bit frames use the first 7 bytes
    ticks: np.ndarray  # [n] int64, 12 MHz ticks of the first preamble pulse
    # [n] float32, mean high-half magnitude (full scale = 1); NaN where unknown (a network
    # peer sent the frame with no level): every consumer leaves those out, never -180 dBFS.
    level: np.ndarray
    fixed: np.ndarray  # [n] uint8, bits repaired
    until_ticks: int = 0  # the block's end on the sample clock: time passes without frames
    # UNIX time of tick 0 as this batch's source sees it: set for live sources, whose
    # times follow the wall clock; None for a recording (its start time applies).
    epoch0: float | None = None
    noise: float = 0.0  # the block's noise floor (median magnitude, full scale 1); 0: unknown
    # The mean power of the block's samples (magnitude squared, full scale 1) and how many
    # samples it covers: the station's noise figure (dump1090-fa's). 0: no samples.
    sample_power: float = 0.0
    samples: int = 0

    def __len__(self) -> int:
        return int(self.ticks.size)

    @property
    def long(self) -> np.ndarray:
        """Which frames are 112-bit: DF 16 and up, the first byte's top bit."""
        return self.msg[:, 0] >= 0x80

    @property
    def nbytes(self) -> np.ndarray:
        return np.where(self.long, 14, 7)

    @property
    def known_level(self) -> np.ndarray:
        """The levels of the frames that came with one (NaN: a peer sent none)."""
        return self.level[~np.isnan(self.level)]

    @property
    def dbfs(self) -> np.ndarray:
        return 20 * np.log10(np.maximum(self.level, 1e-9))
