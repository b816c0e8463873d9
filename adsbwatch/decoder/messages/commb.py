"""Comm-B replies (DF20/21): pyModeS infers the register (BDS) of the 56-bit MB field from
its bits, as a ground station knows it from its own request, and decodes it.

pyModeS' Comm-B decoder is called directly: pyModeS.decode would first parse the hex and
work out the CRC again, half its time for a frame whose parity the demodulator has
checked (tests/decoder/test_decode_reference.py holds the two equal).

A register pyModeS cannot infer, or one adsbwatch does not keep, gives CommB with its
register name (None when unknown) and what CommBData holds of it: nothing, for those.
"""

from __future__ import annotations

from typing import Any

from pyModeS.decoder.commb import CommB as CommBRegisters

from adsbwatch.decoder.frames.parity import remainder
from adsbwatch.decoder.messages.callsign import strip_fill
from adsbwatch.decoder.messages.message import CommB, CommBData

# The registers adsbwatch keeps and CommBData's fields each fills, named as pyModeS
# names them.
KEPT = {
    "2,0": ("callsign",),
    "4,0": ("selected_altitude_mcp", "selected_altitude_fms", "baro_pressure_setting"),
    "5,0": ("roll", "true_track", "groundspeed", "track_rate", "true_airspeed"),
    "6,0": ("magnetic_heading", "indicated_airspeed", "mach", "baro_vertical_rate",
            "inertial_vertical_rate"),
}
EMPTY = CommBData()


def register_data(register: str | None, fields: dict[str, Any]) -> CommBData:
    """What a decoded register holds of CommBData's fields."""
    names = KEPT.get(register) if register is not None else None
    if names is None:
        return EMPTY
    kept = {name: fields.get(name) for name in names}
    if register == "2,0" and kept["callsign"] is not None:
        kept["callsign"] = strip_fill(kept["callsign"])
    return CommBData(**kept)


def comm_b(frame: bytes) -> CommB:
    df, icao = frame[0] >> 3, remainder(frame)
    fields = CommBRegisters(int.from_bytes(frame, "big"), df=df, icao=f"{icao:06X}",
                            length=112).decode()
    # pyModeS reads the 13-bit code too, as altitude (DF20) or identity (DF21), with the
    # tables replies.py uses (tests/decoder/test_codes.py holds them equal).
    register = fields.get("bds")
    return CommB(df, icao, frame[0] & 7, fields.get("altitude"), fields.get("squawk"),
                 register, register_data(register, fields))
