"""Raw IQ samples to signal magnitude, and the mean power of a block's samples.

Magnitudes are float32 in units of full scale (1.0 = the largest value the format holds),
so that levels read the same in dBFS whatever the recording's format. The mean power
(every sample's squared magnitude, averaged) is the station's noise figure, dump1090-fa's
`noise`; it is summed in the same pass, while each magnitude is still in a register (a
pass of its own over a block's magnitudes cost 3% of the demodulation).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.iqformats import FORMATS

POWER_CHUNK = 4096  # samples whose power is summed in float32 before the float64 total


@njit(cache=True, nogil=True, inline="always")
def _at(v: np.ndarray, k: int, c: np.float32, s: np.float32) -> np.float32:
    """The magnitude of sample k of interleaved I,Q values `v`."""
    i = np.float32(v[2 * k]) - c
    q = np.float32(v[2 * k + 1]) - c
    return np.sqrt(i * i + q * q) * s


# fastmath "reassoc" lets LLVM sum the power in vector lanes (a strict left-to-right sum
# waits on each add): the sum moves in its last digits, a noise figure never compared bit
# for bit. The magnitudes are the same floats either way: nothing in them to reorder.
@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _magnitude(iq: np.ndarray, centre: float, scale: float, out: np.ndarray,
               powered: int) -> float:
    """Magnitudes of interleaved I,Q values around `centre`, times `scale`, into `out`;
    returns the sum of the squared magnitudes of the first `powered`. Float32 arithmetic
    that LLVM vectorises (for bytes 2.5x faster than a table look-up per sample); the
    power in float32 over POWER_CHUNK samples at a time, in float64 across them, so that a
    million samples lose nothing that shows. Both loops index views from 0: one starting
    elsewhere is not vectorised (Numba's test for a negative index)."""
    c = np.float32(centre)
    s = np.float32(scale)
    total = 0.0
    done = 0
    while done < powered:
        upto = min(done + POWER_CHUNK, powered)
        o = out[done:upto]
        v = iq[2 * done:2 * upto]
        part = np.float32(0.0)
        for k in range(upto - done):
            m = _at(v, k, c, s)
            o[k] = m
            part += m * m
        total += part
        done = upto
    o = out[powered:]
    v = iq[2 * powered:]
    for k in range(o.size):
        o[k] = _at(v, k, c, s)
    return total


def magnitude_and_power(raw: np.ndarray, fmt: str, out: np.ndarray | None = None,
                        powered: int | None = None) -> tuple[np.ndarray, float]:
    """Magnitudes of the whole samples in `raw` (a uint8 array of bytes in format `fmt`),
    and the mean power of the first `powered` of them (all by default; 0.0 for none)."""
    spec = FORMATS[fmt]
    count = raw.size // spec.bytes_per_sample
    whole = raw[: count * spec.bytes_per_sample]
    if out is None:
        out = np.empty(count, dtype=np.float32)
    out = out[:count]
    powered = count if powered is None else min(powered, count)
    total = _magnitude(whole.view(spec.component), spec.centre, 1.0 / spec.full_scale, out,
                       powered)
    return out, total / powered if powered else 0.0


def magnitude(raw: np.ndarray, fmt: str, out: np.ndarray | None = None) -> np.ndarray:
    """Magnitudes of the whole samples in `raw` (a uint8 array of bytes in format `fmt`)."""
    return magnitude_and_power(raw, fmt, out, 0)[0]
