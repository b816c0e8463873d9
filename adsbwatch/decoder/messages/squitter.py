"""Extended squitter (DF17/18) fields: straight to the one pyModeS register decoder its
type code needs.

pyModeS.decode builds a Message (hex parse, CRC, header), dispatches by format, then by
type code, then looks for a position to resolve; for a frame whose CRC the demodulator
has already checked only the last step but one does any work. The dict is the one
pyModeS.decode gives (tests/decoder/test_fast_decode.py holds them equal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyModeS.decoder.bds import bds05, bds06, bds08, bds09, bds61, bds62, bds65

# The type codes of the position messages: surface (BDS 0,6), airborne (0,5) with a
# barometric (9-18) or GNSS (20-22) altitude. Sets: tested per frame.
SURFACE_POSITION_TYPECODES = frozenset(range(5, 9))
AIRBORNE_POSITION_TYPECODES = frozenset((*range(9, 19), *range(20, 23)))

# type code -> (BDS register pyModeS names, its decoder of the 56-bit ME field)
RegisterDecoder = Callable[[int], dict[str, Any]]


def _position(tc: int) -> RegisterDecoder:
    # Airborne positions need the type code: barometric (9-18) or GNSS (20-22) altitude.
    return lambda me: bds05.decode_bds05(me, tc=tc)


REGISTERS: dict[int, tuple[str, RegisterDecoder]] = {
    **{tc: ("0,8", bds08.decode_bds08) for tc in range(1, 5)},
    **{tc: ("0,6", bds06.decode_bds06) for tc in sorted(SURFACE_POSITION_TYPECODES)},
    **{tc: ("0,5", _position(tc)) for tc in sorted(AIRBORNE_POSITION_TYPECODES)},
    19: ("0,9", bds09.decode_bds09),
    28: ("6,1", bds61.decode_bds61),
    29: ("6,2", bds62.decode_bds62),
    31: ("6,5", bds65.decode_bds65),
}


def squitter_fields(frame: bytes) -> dict[str, Any]:
    """The fields of a CRC-checked 14-byte DF17/18 frame (its parity is 0: crc_valid)."""
    me = int.from_bytes(frame[4:11], "big")
    tc = me >> 51
    fields: dict[str, Any] = {"df": frame[0] >> 3, "icao": frame[1:4].hex().upper(),
                              "crc_valid": True, "typecode": tc}
    register = REGISTERS.get(tc)
    if register is not None:  # reserved type codes carry nothing pyModeS reads
        fields["bds"] = register[0]
        fields.update(register[1](me))
    return fields
