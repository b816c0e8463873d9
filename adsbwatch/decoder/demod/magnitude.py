"""Raw IQ samples to signal magnitude.

Magnitudes are float32 in units of full scale (1.0 = the largest value the format holds),
so that levels read the same in dBFS whatever the recording's format.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.iqformats import FORMATS


@njit(cache=True, nogil=True)
def _magnitude(iq: np.ndarray, centre: float, scale: float, out: np.ndarray) -> None:
    """Magnitudes of interleaved I,Q values around `centre`, times `scale`. Float32
    arithmetic that LLVM vectorises: for bytes 2.5x faster than a table look-up per
    sample."""
    c = np.float32(centre)
    s = np.float32(scale)
    for n in range(out.size):
        i = np.float32(iq[2 * n]) - c
        q = np.float32(iq[2 * n + 1]) - c
        out[n] = np.sqrt(i * i + q * q) * s


def magnitude(raw: np.ndarray, fmt: str, out: np.ndarray | None = None) -> np.ndarray:
    """Magnitudes of the whole samples in `raw` (a uint8 array of bytes in format `fmt`)."""
    spec = FORMATS[fmt]
    count = raw.size // spec.bytes_per_sample
    whole = raw[: count * spec.bytes_per_sample]
    if out is None:
        out = np.empty(count, dtype=np.float32)
    out = out[:count]
    _magnitude(whole.view(spec.component), spec.centre, 1.0 / spec.full_scale, out)
    return out
