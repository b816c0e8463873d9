"""The short replies: all-call (DF11), surveillance altitude and identity (DF4/5), air-air
ACAS (DF0/16), and the header Comm-B replies (DF20/21) share with DF4/5.

Their first 32 bits are the format, a few header fields and, for all but DF11, a 13-bit
altitude or identity code, read through the tables of all 8192 codes. The address/parity
formats carry the sender's address only as the parity's remainder.
"""

from __future__ import annotations

from typing import NamedTuple

from adsbwatch.decoder.frames.parity import remainder
from adsbwatch.decoder.messages.altitude import FEET_BY_CODE
from adsbwatch.decoder.messages.identity import SQUAWK_BY_CODE
from adsbwatch.decoder.messages.message import Acas, AllCall, Surveillance

CODE13 = 0x1FFF  # bits 20-32: altitude (DF0/4/16/20) or identity (DF5/21)
ALTITUDE_FORMATS = frozenset((0, 4, 16, 20))


def all_call(frame: bytes) -> AllCall:
    """DF11: the address in clear and the transponder's capability."""
    return AllCall(11, int.from_bytes(frame[1:4], "big"), frame[0] & 7)


class ReplyHeader(NamedTuple):
    """DF4/5/20/21: format, flight status and the 13-bit code read as its format says."""

    df: int
    flight_status: int
    altitude: int | None
    squawk: str | None


def reply_header(frame: bytes) -> ReplyHeader:
    head = int.from_bytes(frame[:4], "big")
    df = head >> 27
    code = head & CODE13
    if df in ALTITUDE_FORMATS:
        return ReplyHeader(df, (head >> 24) & 7, FEET_BY_CODE[code], None)
    return ReplyHeader(df, (head >> 24) & 7, None, SQUAWK_BY_CODE[code])


def surveillance(frame: bytes) -> Surveillance:
    """DF4 (altitude) or DF5 (identity); the address is the parity's remainder."""
    df, flight_status, altitude, squawk = reply_header(frame)
    return Surveillance(df, remainder(frame), flight_status, altitude, squawk)


def acas(frame: bytes) -> Acas:
    """DF0 (short) or DF16 (long, with its 56-bit MV field): vertical status (bit 6),
    sensitivity level (9-11), reply information (14-17), altitude."""
    head = int.from_bytes(frame[:4], "big")
    df = head >> 27
    return Acas(df, remainder(frame), bool(head >> 26 & 1), FEET_BY_CODE[head & CODE13],
                head >> 21 & 7, head >> 15 & 0xF, frame[4:11] if df == 16 else None)
