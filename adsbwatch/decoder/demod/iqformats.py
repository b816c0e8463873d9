"""Raw IQ sample formats: how each stores I and Q, and what full scale is.

Free of numpy and Numba: every command's parser lists the formats, and a command that
needs no samples must not pay for loading them.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPONENT_BYTES = {"u1": 1, "i1": 1, "<i2": 2, "<f4": 4}  # numpy dtype -> bytes


@dataclass(frozen=True)
class IQFormat:
    name: str
    component: str  # numpy dtype of one of I and Q
    centre: float  # the value of zero signal
    full_scale: float  # the largest distance from centre the format holds
    description: str

    @property
    def bytes_per_sample(self) -> int:  # one complex sample: I and Q
        return 2 * COMPONENT_BYTES[self.component]


FORMATS: dict[str, IQFormat] = {
    f.name: f
    for f in (
        # rtl_sdr: unsigned, centred between 127 and 128
        IQFormat("cu8", "u1", 127.5, 127.5, "unsigned 8-bit I,Q (rtl_sdr)"),
        IQFormat("cs8", "i1", 0.0, 128.0, "signed 8-bit I,Q (HackRF)"),
        IQFormat("cs16", "<i2", 0.0, 32768.0, "signed 16-bit little-endian I,Q"),
        IQFormat("cf32", "<f4", 0.0, 1.0, "32-bit float little-endian I,Q (GNU Radio, SDR++)"),
    )
}
