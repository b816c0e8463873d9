"""SBS (BaseStation) output: what dump1090-fa serves on port 30003.

One CRLF-ended line of 22 comma-separated fields per decoded message, as Kinetic's
BaseStation wrote them and dump1090-fa's net_io.c still does (its field choices are
followed here): MSG, the transmission type 1..8, session/aircraft/flight ids (1), the
ICAO address, the message's date and time, the date and time it was logged, then
callsign, altitude, ground speed, track, latitude, longitude, vertical rate, squawk and
the alert, emergency, SPI and on-ground flags (-1 true, 0 false). A field not carried by
the message is left empty."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from adsbwatch.decoder.messages.tracker import Update

# The transmission types, by what the message is.
IDENT, SURFACE, AIRBORNE, VELOCITY, SURV_ALT, SURV_ID, AIR_TO_AIR, ALL_CALL = range(1, 9)
BY_DF = {4: SURV_ALT, 20: SURV_ALT, 5: SURV_ID, 21: SURV_ID, 0: AIR_TO_AIR,
         16: AIR_TO_AIR, 11: ALL_CALL}
EMERGENCY_SQUAWKS = ("7500", "7600", "7700")
# Flight status (DF4/5/20/21): which values mean alert, SPI, on the ground, airborne.
FS_ALERT, FS_SPI = (2, 3, 4), (4, 5)
FS_GROUND, FS_AIRBORNE = (1, 3), (0, 2)
# A heartbeat line (dump1090-fa's): an empty line, which SBS readers skip.
SBS_HEARTBEAT = b"\r\n"


def transmission_type(msg: dict[str, Any]) -> int | None:
    """MSG's type for this message; None: a message SBS has no line for (e.g. an
    extended squitter's status or operational registers)."""
    df = msg.get("df")
    if df in (17, 18):
        tc = msg.get("typecode") or 0
        if 1 <= tc <= 4:
            return IDENT
        if 5 <= tc <= 8:
            return SURFACE
        if 9 <= tc <= 18:
            return AIRBORNE
        if tc == 19:
            return VELOCITY
        return None
    return BY_DF.get(df)


def _flag(value: bool | None) -> str:
    return "" if value is None else ("-1" if value else "0")


def _number(value: float | None, fmt: str = "{:.0f}") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return fmt.format(value)


def _date_time(t: float) -> tuple[str, str]:
    when = datetime.fromtimestamp(t, UTC)
    return when.strftime("%Y/%m/%d"), f"{when:%H:%M:%S}.{when.microsecond // 1000:03d}"


def _on_ground(kind: int, msg: dict[str, Any]) -> bool | None:
    """What this message says of air/ground; None: it does not say."""
    if kind == SURFACE:
        return True
    if kind in (AIRBORNE, VELOCITY):
        return False
    status = msg.get("flight_status")
    if status is not None:
        return True if status in FS_GROUND else (False if status in FS_AIRBORNE else None)
    capability = msg.get("capability")
    if kind == ALL_CALL and capability in (4, 5):
        return capability == 4
    vertical = msg.get("vertical_status")
    if vertical is not None:
        return vertical == "ground"
    return None


def sbs_line(t: float, msg: dict[str, Any], update: Update | None, logged: float) -> str | None:
    """The SBS line for one decoded message heard at `t` (UNIX seconds) and logged at
    `logged`; None for a message with no line or no tracked aircraft (no address)."""
    kind = transmission_type(msg)
    if kind is None or update is None:
        return None
    position = update.position
    status = msg.get("flight_status")
    squawk = msg.get("squawk") if kind == SURV_ID else None
    heard_date, heard_time = _date_time(t)
    logged_date, logged_time = _date_time(logged)
    altitude = msg.get("altitude") if kind in (AIRBORNE, SURV_ALT, AIR_TO_AIR) else None
    # A velocity message's angle is a ground track only for its ground-speed subtypes.
    moving = kind in (VELOCITY, SURFACE)
    fields = [
        "MSG", str(kind), "1", "1", f"{update.aircraft.icao:06X}", "1",
        heard_date, heard_time, logged_date, logged_time,
        (msg.get("callsign") or "") if kind == IDENT else "",
        _number(altitude),
        _number(msg.get("groundspeed")) if moving else "",
        _number(msg.get("track")) if moving else "",
        f"{position.lat:.5f}" if position is not None else "",
        f"{position.lon:.5f}" if position is not None else "",
        _number(msg.get("vertical_rate")) if kind == VELOCITY else "",
        squawk or "",
        _flag(status in FS_ALERT) if status is not None else "",
        _flag(squawk in EMERGENCY_SQUAWKS) if squawk else "",
        _flag(status in FS_SPI) if status is not None else "",
        _flag(_on_ground(kind, msg)),
    ]
    return ",".join(fields) + "\r\n"
