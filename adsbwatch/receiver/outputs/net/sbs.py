"""SBS (BaseStation) output: what dump1090-fa serves on port 30003.

One CRLF-ended line of 22 comma-separated fields per decoded message, as Kinetic's
BaseStation wrote them and dump1090-fa's net_io.c still does (its field choices are
followed here): MSG, the transmission type 1..8, session/aircraft/flight ids (1), the
ICAO address, the message's date and time, the date and time it was logged, then
callsign, altitude, ground speed, track, latitude, longitude, vertical rate, squawk and
the alert, emergency, SPI and on-ground flags (-1 true, 0 false). A field not carried by
the message is left empty. The transmission type is the message's kind; what a kind says
of air and ground, alert and SPI is the kind's own (decoder/messages/message.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import NamedTuple

from adsbwatch.decoder.messages.emergency import EMERGENCY_SQUAWKS
from adsbwatch.decoder.messages.message import (
    Acas,
    AirbornePosition,
    AirborneVelocity,
    AllCall,
    CommB,
    Identification,
    Message,
    SurfacePosition,
    Surveillance,
)
from adsbwatch.decoder.messages.tracker import AircraftUpdate

# The transmission types, by what the message is.
IDENT, SURFACE, AIRBORNE, VELOCITY, SURV_ALT, SURV_ID, AIR_TO_AIR, ALL_CALL = range(1, 9)
# A heartbeat line (dump1090-fa's): an empty line, which SBS readers skip.
SBS_HEARTBEAT = b"\r\n"


class SbsFields(NamedTuple):
    """What a message gives its SBS line; None: left empty."""

    kind: int
    callsign: str | None = None
    altitude: int | None = None
    groundspeed: float | None = None
    track: float | None = None
    vertical_rate: int | None = None
    squawk: str | None = None
    alert: bool | None = None
    spi: bool | None = None


def sbs_fields(message: Message) -> SbsFields | None:
    """The line's type and fields for this message; None: a message SBS has no line for
    (an extended squitter's status or operational registers, a GNSS-height or
    position-less airborne position)."""
    match message:
        case Identification():
            return SbsFields(IDENT, callsign=message.callsign)
        case SurfacePosition():
            return SbsFields(SURFACE, groundspeed=message.groundspeed, track=message.track)
        case AirbornePosition() if message.cpr is not None and not message.gnss:
            return SbsFields(AIRBORNE, altitude=message.altitude)
        case AirborneVelocity():
            return SbsFields(VELOCITY, groundspeed=message.groundspeed, track=message.track,
                             vertical_rate=message.vertical_rate)
        case Surveillance() | CommB() if message.squawk is not None:
            return SbsFields(SURV_ID, squawk=message.squawk, alert=message.alert,
                             spi=message.spi)
        case Surveillance() | CommB():
            return SbsFields(SURV_ALT, altitude=message.altitude, alert=message.alert,
                             spi=message.spi)
        case Acas():
            return SbsFields(AIR_TO_AIR, altitude=message.altitude)
        case AllCall():
            return SbsFields(ALL_CALL)
    return None


def _flag(value: bool | None) -> str:
    return "" if value is None else ("-1" if value else "0")


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.0f}"


def _date_time(t: float) -> tuple[str, str]:
    when = datetime.fromtimestamp(t, UTC)
    return when.strftime("%Y/%m/%d"), f"{when:%H:%M:%S}.{when.microsecond // 1000:03d}"


def sbs_line(update: AircraftUpdate, logged: float) -> str | None:
    """The SBS line of one decoded message (heard at `update.t`, UNIX seconds) logged at
    `logged`; None for a message SBS has no line for."""
    message = update.message
    f = sbs_fields(message)
    if f is None:
        return None
    position = update.position
    heard_date, heard_time = _date_time(update.t)
    logged_date, logged_time = _date_time(logged)
    fields = [
        "MSG", str(f.kind), "1", "1", f"{message.icao:06X}", "1",
        heard_date, heard_time, logged_date, logged_time,
        f.callsign or "", _number(f.altitude), _number(f.groundspeed), _number(f.track),
        f"{position.lat:.5f}" if position is not None else "",
        f"{position.lon:.5f}" if position is not None else "",
        _number(f.vertical_rate), f.squawk or "", _flag(f.alert),
        _flag(f.squawk in EMERGENCY_SQUAWKS) if f.squawk else "",
        _flag(f.spi), _flag(message.on_ground),
    ]
    return ",".join(fields) + "\r\n"
