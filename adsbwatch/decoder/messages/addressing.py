"""What the first byte of an extended squitter says of its address (DO-260B,
the DF18 control field as dump1090-fa and readsb read it).

DF17 always carries the aircraft's ICAO address. DF18's control field (CF) says whose
address it is and whether the ME field is an ADS-B message at all; for fine TIS-B (CF2)
and ADS-R (CF6) one bit of each message, the IMF, says whether the address is an ICAO
one, and that bit then means nothing else (a NIC supplement in airborne positions).
"""

from __future__ import annotations

from typing import NamedTuple

from adsbwatch.decoder.messages.fields import ME_BITS
from adsbwatch.decoder.messages.message import (
    ADSB_ICAO,
    ADSB_ICAO_NT,
    ADSB_OTHER,
    ADSR_ICAO,
    ADSR_OTHER,
    TISB_ICAO,
    TISB_OTHER,
    TISB_TRACKFILE,
    UNKNOWN,
)


class Addressing(NamedTuple):
    """The address type of a squitter's sender, as its format and control field say."""

    address_type: str
    imf_type: str | None  # the type when the message's IMF bit is set; None: no IMF
    extended_squitter: bool  # whether the ME field is an ADS-B message (by type code)

    def resolve(self, me: int, imf_bit: int) -> str:
        """The address type of one message, whose IMF (if the format has one) is ME bit
        `imf_bit`."""
        if self.imf_type is not None and me >> (ME_BITS - imf_bit) & 1:
            return self.imf_type
        return self.address_type


DF17 = Addressing(ADSB_ICAO, None, True)
# DF18 by control field. CF3 (coarse TIS-B) has its own ME layout, whose first bit is
# the IMF: decode.py reads only that. CF4 (TIS-B/ADS-R management) and CF7 are not
# ADS-B messages either.
DF18_CONTROL_FIELDS: tuple[Addressing, ...] = (
    Addressing(ADSB_ICAO_NT, None, True),  # 0: non-transponder device, ICAO address
    Addressing(ADSB_OTHER, None, True),  # 1: anonymous, vehicle or obstruction address
    Addressing(TISB_ICAO, TISB_TRACKFILE, True),  # 2: fine TIS-B
    Addressing(TISB_ICAO, TISB_TRACKFILE, False),  # 3: coarse TIS-B
    Addressing(UNKNOWN, None, False),  # 4: TIS-B/ADS-R management
    Addressing(TISB_OTHER, None, True),  # 5: fine TIS-B, non-ICAO address
    Addressing(ADSR_ICAO, ADSR_OTHER, True),  # 6: ADS-R, rebroadcast from another link
    Addressing(UNKNOWN, None, False),  # 7: reserved
)
COARSE_TISB_IMF_BIT = 1  # ME bit 1 of a coarse TIS-B message
