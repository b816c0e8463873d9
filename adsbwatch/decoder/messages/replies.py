"""The short replies' fields, as pyModeS names them: all-call (DF11), surveillance
altitude and identity (DF4/5), air-air ACAS (DF0/16).

They are three quarters of the non-ADS-B traffic and a handful of bit fields each, so
they are read here (a list look-up for altitude and squawk) rather than through
pyModeS.decode's general machinery. The dicts equal pyModeS.decode's
(tests/decoder/test_fast_decode.py).
"""

from __future__ import annotations

from typing import Any

from adsbwatch.decoder.messages.altitude import FEET_BY_CODE
from adsbwatch.decoder.messages.identity import SQUAWK_BY_CODE
from adsbwatch.decoder.messages.parity import remainder

# pyModeS' texts for the capability (DF11) and flight status (DF4/5/20/21) codes.
CAPABILITY_TEXT = (
    "Level 1", "Reserved", "Reserved", "Reserved", "Level 2+, on-ground",
    "Level 2+, airborne", "Level 2+, airborne or on-ground",
    "DR != 0 or FS in (2,3,4,5), airborne or on-ground",
)
FLIGHT_STATUS_TEXT = (
    "No alert, no SPI, airborne", "No alert, no SPI, on ground",
    "Alert, no SPI, airborne", "Alert, no SPI, on ground",
    "Alert, SPI, airborne or on ground", "No alert, SPI, airborne or on ground",
    "Reserved", "Reserved",
)


def all_call_fields(frame: bytes) -> dict[str, Any]:
    """DF11: the address in clear and the transponder's capability."""
    capability = frame[0] & 7
    return {"df": 11, "icao": frame[1:4].hex().upper(), "crc_valid": None,
            "capability": capability, "capability_text": CAPABILITY_TEXT[capability]}


def _header(frame: bytes) -> int:
    return int.from_bytes(frame[:4], "big")  # bits 0-31: format, header fields, 13-bit code


def surveillance_fields(frame: bytes) -> dict[str, Any]:
    """DF4 (altitude) or DF5 (identity); the address is the parity's remainder."""
    head = _header(frame)
    df = head >> 27
    status = (head >> 24) & 7
    fields: dict[str, Any] = {
        "df": df, "icao": f"{remainder(frame):06X}", "crc_valid": None,
        "flight_status": status, "flight_status_text": FLIGHT_STATUS_TEXT[status],
        "downlink_request": (head >> 19) & 0x1F, "utility_message": (head >> 13) & 0x3F,
    }
    if df == 4:
        fields["altitude"] = FEET_BY_CODE[head & 0x1FFF]
    else:
        fields["squawk"] = SQUAWK_BY_CODE[head & 0x1FFF]
    return fields


def acas_fields(frame: bytes) -> dict[str, Any]:
    """DF0 (short) or DF16 (long, with its 56-bit MV field as hex)."""
    head = _header(frame)
    df = head >> 27
    fields: dict[str, Any] = {
        "df": df, "icao": f"{remainder(frame):06X}", "crc_valid": None,
        "vertical_status": "on-ground" if (head >> 26) & 1 else "airborne",
        "cross_link_capability": (head >> 25) & 1, "sensitivity_level": (head >> 21) & 7,
        "reply_information": (head >> 15) & 0xF, "altitude": FEET_BY_CODE[head & 0x1FFF],
    }
    if df == 16:
        fields["mv"] = frame[4:11].hex().upper()
    return fields
