"""Raw IQ sample formats and their conversion to signal magnitude.

Magnitudes are float32 in units of full scale (1.0 = the largest value the format holds),
so that levels read the same in dBFS whatever the recording's format.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class IQFormat:
    name: str
    bytes_per_sample: int  # one complex sample: I and Q
    description: str


FORMATS: dict[str, IQFormat] = {
    f.name: f
    for f in (
        IQFormat("cu8", 2, "unsigned 8-bit I,Q (rtl_sdr)"),
        IQFormat("cs8", 2, "signed 8-bit I,Q (HackRF)"),
        IQFormat("cs16", 4, "signed 16-bit little-endian I,Q"),
        IQFormat("cf32", 8, "32-bit float little-endian I,Q (GNU Radio, SDR++)"),
    )
}


def _byte_pair_table(signed: bool) -> np.ndarray:
    """Magnitude of every (I, Q) byte pair, indexed by the pair read as little-endian u16."""
    values = np.arange(256, dtype=np.float64)
    if signed:
        values = np.where(values > 127, values - 256, values) / 128.0
    else:
        values = (values - 127.5) / 127.5
    i = np.tile(values, 256)  # low byte = I
    q = np.repeat(values, 256)  # high byte = Q
    return np.sqrt(i * i + q * q).astype(np.float32)


_CU8_TABLE = _byte_pair_table(signed=False)
_CS8_TABLE = _byte_pair_table(signed=True)


@njit(cache=True, nogil=True)
def _magnitude_from_table(pairs: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
    for n in range(pairs.size):
        out[n] = table[pairs[n]]


@njit(cache=True, nogil=True)
def _magnitude_from_components(iq: np.ndarray, scale: float, out: np.ndarray) -> None:
    for n in range(out.size):
        i = np.float32(iq[2 * n])
        q = np.float32(iq[2 * n + 1])
        out[n] = np.sqrt(i * i + q * q) * scale


def magnitude(raw: np.ndarray, fmt: str, out: np.ndarray | None = None) -> np.ndarray:
    """Magnitudes of the whole samples in `raw` (a uint8 array of bytes in format `fmt`)."""
    spec = FORMATS[fmt]
    count = raw.size // spec.bytes_per_sample
    whole = raw[: count * spec.bytes_per_sample]
    if out is None:
        out = np.empty(count, dtype=np.float32)
    out = out[:count]
    if fmt == "cu8":
        _magnitude_from_table(whole.view("<u2"), _CU8_TABLE, out)
    elif fmt == "cs8":
        _magnitude_from_table(whole.view("<u2"), _CS8_TABLE, out)
    elif fmt == "cs16":
        _magnitude_from_components(whole.view("<i2"), 1.0 / 32768.0, out)
    else:
        _magnitude_from_components(whole.view("<f4"), 1.0, out)
    return out
