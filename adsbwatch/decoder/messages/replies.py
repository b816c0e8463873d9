"""The short replies: all-call (DF11), surveillance altitude and identity (DF4/5), air-air
ACAS (DF0/16).

Their first 32 bits are the format, a few header fields and, for all but DF11, a 13-bit
altitude or identity code, read through the tables of all 8192 codes. The address/parity
formats carry the sender's address only as the parity's remainder.
"""

from __future__ import annotations

from adsbwatch.decoder.frames.parity import remainder
from adsbwatch.decoder.messages.altitude import FEET_BY_CODE
from adsbwatch.decoder.messages.identity import SQUAWK_BY_CODE
from adsbwatch.decoder.messages.message import Acas, AllCall, Surveillance

CODE13 = 0x1FFF  # bits 20-32: altitude (DF0/4/16/20) or identity (DF5/21)


def all_call(frame: bytes) -> AllCall:
    """DF11: the address in clear and the transponder's capability."""
    return AllCall(11, frame[1] << 16 | frame[2] << 8 | frame[3], frame[0] & 7)


def surveillance(frame: bytes) -> Surveillance:
    """DF4 (altitude) or DF5 (identity): flight status (bits 6-8) and the 13-bit code;
    the address is the parity's remainder."""
    head = int.from_bytes(frame[:4], "big")
    df, code = head >> 27, head & CODE13
    return Surveillance(df, remainder(frame), head >> 24 & 7,
                        FEET_BY_CODE[code] if df == 4 else None,
                        SQUAWK_BY_CODE[code] if df == 5 else None)


def acas(frame: bytes) -> Acas:
    """DF0 (short) or DF16 (long, with its 56-bit MV field): vertical status (bit 6),
    sensitivity level (9-11), reply information (14-17), altitude."""
    head = int.from_bytes(frame[:4], "big")
    df = head >> 27
    return Acas(df, remainder(frame), bool(head >> 26 & 1), FEET_BY_CODE[head & CODE13],
                head >> 21 & 7, head >> 15 & 0xF, frame[4:11] if df == 16 else None)
