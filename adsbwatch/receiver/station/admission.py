"""Which unchecked frames (another decoder's, over the network) the station hands on:
the demodulator's rule, kept.

The house rule holds for network input too: pyModeS never sees a frame whose CRC fails.
DF11/17/18 need a clean CRC (no repair here: the other decoder repaired what it would);
address/parity formats (DF0/4/5/16/20/21) count only when the address they give was heard
in a clean DF11/17/18 recently, the same table and the same kernel (`_classify` with no
repair) as the demodulator's. Formats with nothing to check (DF19/22/24) and frames
whose length is not their format's are refused too. Every refusal is counted by why.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from adsbwatch.decoder.demod.acceptance import REJECT, ST_UNKNOWN, STAT_NAMES, _classify
from adsbwatch.decoder.demod.icaofilter import DEFAULT_TTL_TICKS, RecentAddresses
from adsbwatch.decoder.frames.formats import PLAIN_PARITY, downlink_format

NO_REPAIR = 0
# Why a frame was refused (keys of Admission.refused).
WRONG_LENGTH = "length not its format's"
UNCHECKED = "format without parity"
BAD_CRC = "CRC failed"
UNKNOWN_ADDRESS = "address not heard"


class Admission:
    """The check for the unchecked frames of every input of a run (one table of
    addresses: a DF11 heard by one input vouches for a DF4 heard by another)."""

    def __init__(self, ttl_ticks: int = DEFAULT_TTL_TICKS) -> None:
        self.recent = RecentAddresses(ttl_ticks)
        self.refused: Counter[str] = Counter()
        self._msg = np.zeros(14, dtype=np.uint8)
        self._margin = np.zeros(112)  # unused without repair; the kernel's argument
        self._stats = np.zeros(len(STAT_NAMES), dtype=np.int64)

    def admit(self, frame: bytes, ticks: int) -> bool:
        """Whether `frame`, heard at `ticks` (12 MHz), may be decoded; a frame that makes
        its address heard (a clean DF11/17/18) marks it so."""
        df = frame[0] >> 3
        fmt = downlink_format(df)
        if fmt is None or not fmt.accepted:
            self.refused[UNCHECKED] += 1
            return False
        if len(frame) * 8 != fmt.bits:
            self.refused[WRONG_LENGTH] += 1
            return False
        self.recent.tidy(ticks)  # may replace its arrays: read them after
        msg = self._msg
        msg[:len(frame)] = np.frombuffer(frame, dtype=np.uint8)
        unknown = self._stats[ST_UNKNOWN]
        status, _ = _classify(msg, fmt.bits, self._margin, NO_REPAIR, self.recent.keys,
                              self.recent.times, ticks - self.recent.ttl_ticks, self._stats)
        if status == REJECT:
            self.refused[UNKNOWN_ADDRESS if self._stats[ST_UNKNOWN] > unknown else BAD_CRC] += 1
            return False
        self.vouch(frame, ticks)
        return True

    def vouch(self, frame: bytes, ticks: int) -> None:
        """An accepted frame (here, or by the demodulator) makes its address heard if
        it carries it in clear: as the demodulator does, a DF18 only when the address
        is the sender's own (CF 0), not TIS-B's or ADS-R's about another aircraft."""
        df = frame[0] >> 3
        if PLAIN_PARITY[df] and (df != 18 or (frame[0] & 7) == 0):
            self.recent.add(int.from_bytes(frame[1:4], "big"), ticks)
