"""Facts about Mode S frames: the downlink formats, their lengths and parity, timing.

`DOWNLINK_FORMATS` is the one table of what each downlink format (DF) is; everything
else here (and the kernels' arrays) is derived from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

SHORT_BITS = 56
LONG_BITS = 112
PREAMBLE_US = 8.0
CLOCK_HZ = 12_000_000  # the Beast/MLAT timestamp clock


class Parity(enum.Enum):
    """What a format's last 24 bits hold, and so what its CRC syndrome must be."""

    # The CRC alone: syndrome 0 (a DF11 may overlay an interrogator code instead, in the
    # low 7 bits). The address is in clear in bits 9-32, so such a frame is what makes
    # an address "heard".
    PLAIN = "plain"
    # The CRC XOR the aircraft's address (address/parity): the syndrome is the address,
    # which any noise burst also "has", so it counts only for an address heard clean.
    ADDRESS = "address"
    # Military and Comm-D formats: nothing we can check, so never accepted.
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class DownlinkFormat:
    df: int
    name: str
    bits: int  # frame length: the first DF bit set means long
    parity: Parity
    squitter: bool  # sent unprompted (a DF11 is also the all-call reply); else a reply

    @property
    def accepted(self) -> bool:
        """Whether the demodulator hands such frames on: only formats whose parity it
        can check (DESIGN.md: a frame leaves the demodulator only if its CRC holds)."""
        return self.parity is not Parity.UNCHECKED


DOWNLINK_FORMATS = (
    DownlinkFormat(0, "short air-air surveillance (ACAS)", SHORT_BITS, Parity.ADDRESS, False),
    DownlinkFormat(4, "surveillance, altitude reply", SHORT_BITS, Parity.ADDRESS, False),
    DownlinkFormat(5, "surveillance, identity reply", SHORT_BITS, Parity.ADDRESS, False),
    DownlinkFormat(11, "all-call reply / acquisition squitter", SHORT_BITS, Parity.PLAIN, True),
    DownlinkFormat(16, "long air-air surveillance (ACAS)", LONG_BITS, Parity.ADDRESS, False),
    DownlinkFormat(17, "extended squitter", LONG_BITS, Parity.PLAIN, True),
    DownlinkFormat(18, "extended squitter, non-transponder", LONG_BITS, Parity.PLAIN, True),
    DownlinkFormat(19, "military extended squitter", LONG_BITS, Parity.UNCHECKED, True),
    DownlinkFormat(20, "Comm-B, altitude reply", LONG_BITS, Parity.ADDRESS, False),
    DownlinkFormat(21, "Comm-B, identity reply", LONG_BITS, Parity.ADDRESS, False),
    DownlinkFormat(22, "military", LONG_BITS, Parity.UNCHECKED, False),
    # Comm-D: only its first two bits (11) are the format; the other three belong to the
    # frame's fields, so the 5-bit field reads 24 to 31.
    DownlinkFormat(24, "Comm-D extended length message", LONG_BITS, Parity.UNCHECKED, False),
)
FORMATS_BY_DF = {f.df: f for f in DOWNLINK_FORMATS}

ACCEPTED_DFS = tuple(f.df for f in DOWNLINK_FORMATS if f.accepted)
PLAIN_PARITY_DFS = tuple(f.df for f in DOWNLINK_FORMATS if f.parity is Parity.PLAIN)
ADDRESS_PARITY_DFS = tuple(f.df for f in DOWNLINK_FORMATS if f.parity is Parity.ADDRESS)


def _per_df_field(values: dict[int, int]) -> np.ndarray:
    """A value for each of the 32 values of the 5-bit DF field (0 where absent)."""
    out = np.zeros(32, dtype=np.int64)
    for df, value in values.items():
        out[df] = value
    return out


# The kernels' forms, indexed by the 5-bit DF field. Numba freezes these into machine
# code, and its cache only watches a kernel's own file: after changing the table, delete
# the cached *.nbi/*.nbc files under adsbwatch/.
ACCEPTED_BITS = _per_df_field({df: FORMATS_BY_DF[df].bits for df in ACCEPTED_DFS})  # 0: refused
ADDRESS_PARITY = _per_df_field(dict.fromkeys(ADDRESS_PARITY_DFS, 1))
PLAIN_PARITY = _per_df_field(dict.fromkeys(PLAIN_PARITY_DFS, 1))


def downlink_format(df: int) -> DownlinkFormat | None:
    """The format of a 5-bit DF field's value (24-31 are all Comm-D); None if unassigned."""
    return FORMATS_BY_DF.get(24 if df >= 24 else df)


def frame_bits(df: int) -> int:
    """Bits in a frame of this DF; ValueError for an unassigned one."""
    fmt = downlink_format(df)
    if fmt is None:
        raise ValueError(f"DF{df} is not an assigned downlink format")
    return fmt.bits
