"""Comm-B replies (DF20/21): the header read here, the 56-bit MB field by pyModeS, which
infers the register (BDS) from the bits, as a ground station would know from its request.

A register pyModeS cannot infer, or one adsbwatch does not keep, gives CommB with its
register name (None when unknown) and what CommBData holds of it: nothing, for those.
"""

from __future__ import annotations

from typing import Any

import pyModeS

from adsbwatch.decoder.frames.parity import remainder
from adsbwatch.decoder.messages.callsign import strip_fill
from adsbwatch.decoder.messages.message import CommB, CommBData
from adsbwatch.decoder.messages.replies import reply_header

# CommBData's fields carry pyModeS' names (BDS 2,0, 4,0, 5,0 and 6,0).
KEPT = CommBData._fields
EMPTY = CommBData()


def register_data(fields: dict[str, Any]) -> CommBData:
    """What a decoded register holds of CommBData's fields."""
    kept = {name: fields[name] for name in KEPT if name in fields}
    if not kept:
        return EMPTY
    if kept.get("callsign") is not None:
        kept["callsign"] = strip_fill(kept["callsign"])
    return CommBData(**kept)


def comm_b(frame: bytes) -> CommB:
    df, flight_status, altitude, squawk = reply_header(frame)
    fields = pyModeS.decode(frame.hex())
    return CommB(df, remainder(frame), flight_status, altitude, squawk, fields.get("bds"),
                 register_data(fields))
