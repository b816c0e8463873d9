"""Facts about Mode S frames: formats, lengths, timing."""

from __future__ import annotations

import numpy as np

SHORT_BITS = 56
LONG_BITS = 112
PREAMBLE_US = 8.0
CLOCK_HZ = 12_000_000  # the Beast/MLAT timestamp clock

# Bits per frame for each downlink format (0 = a format we do not accept).
# DF19 (military) and DF22/24 carry no checkable parity, so they are not accepted.
FRAME_BITS = np.zeros(32, dtype=np.int64)
for _df in (0, 4, 5, 11):
    FRAME_BITS[_df] = SHORT_BITS
for _df in (16, 17, 18, 20, 21):
    FRAME_BITS[_df] = LONG_BITS

ADDRESS_PARITY_DFS = (0, 4, 5, 16, 20, 21)  # parity overlaid with the address


def frame_bits(df: int) -> int:
    return int(FRAME_BITS[df & 31])
