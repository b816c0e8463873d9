"""The mean power of a block's samples: the station's noise figure (dump1090-fa's
`noise`: the mean of every sample's power, full scale 1)."""

from __future__ import annotations

import numpy as np
from numba import njit


# fastmath "reassoc" lets LLVM sum in vector lanes (5x faster; a strict left-to-right
# float64 sum waits on each add): the result moves in the last digits only, and it is a
# noise figure, never compared bit for bit.
@njit(cache=True, nogil=True, fastmath={"reassoc"})
def mean_power(mag: np.ndarray) -> float:
    """The mean of the squared magnitudes (0.0 for none), summed in float64 so that a
    million samples lose nothing to rounding."""
    total = 0.0
    for n in range(mag.size):
        m = np.float64(mag[n])
        total += m * m
    return total / mag.size if mag.size else 0.0
