"""Airborne velocity (TC 19, DO-260B 2.2.3.2.6): ground speed and track from the east and
north components (subtypes 1 and 2), or airspeed and heading (3 and 4); the vertical rate
and the GNSS-minus-barometric altitude difference. Subtypes 2 and 4 count 4 kt a step."""

from __future__ import annotations

import math

from adsbwatch.decoder.messages.addressing import Addressing
from adsbwatch.decoder.messages.fields import Field, layout
from adsbwatch.decoder.messages.message import AirborneVelocity, OtherSquitter

SUBTYPE = Field(6, 3)
COMMON = layout(subtype=SUBTYPE, nac_v=Field(11, 3), rate_baro=Field(36, 1),
                rate_down=Field(37, 1), rate=Field(38, 9), diff_below=Field(49, 1),
                diff=Field(50, 7))
# Subtypes 1, 2: each component's direction bit (1: west, 1: south) and speed + 1.
OVER_GROUND = layout(west=Field(14, 1), east_west=Field(15, 10), south=Field(25, 1),
                     north_south=Field(26, 10))
# Subtypes 3, 4.
AIRSPEED = layout(heading_valid=Field(14, 1), heading=Field(15, 10), true=Field(25, 1),
                  airspeed=Field(26, 10))
IMF_BIT = 9  # TIS-B and ADS-R: where others send the intent change flag
HEADING_STEP = 360 / 1024
RATE_STEP_FPM = 64
DIFF_STEP_FT = 25
DIFF_BEYOND = 127  # "more than 3137.5 ft": no figure (pyModeS; dump1090-fa says 3150)


def _over_ground(me: int, scale: int) -> tuple[float | None, float | None]:
    """(ground speed rounded to the knot, track in degrees) or Nones. The speed is
    rounded as readsb, dump1090-fa and rs1090 do; pyModeS 3.6.1 truncates it."""
    west, east_west, south, north_south = OVER_GROUND(me)
    if east_west == 0 or north_south == 0:  # 0: no information
        return None, None
    east = (east_west - 1) * scale * (-1 if west else 1)
    north = (north_south - 1) * scale * (-1 if south else 1)
    if east == 0 and north == 0:
        return 0.0, None  # no track when standing still (dump1090-fa's rule)
    track = math.degrees(math.atan2(east, north))
    return float(round(math.sqrt(east * east + north * north))), (
        track + 360.0 if track < 0 else track)


def airborne_velocity(df: int, icao: int, addressing: Addressing, tc: int,
                      me: int) -> AirborneVelocity | OtherSquitter:
    subtype, nac_v, rate_baro, rate_down, rate, diff_below, diff = COMMON(me)
    if not 1 <= subtype <= 4:  # 0 and 5-7: reserved
        return OtherSquitter(df, icao, addressing.address_type, tc)
    scale = 4 if subtype in (2, 4) else 1  # supersonic
    groundspeed = track = heading = airspeed = airspeed_type = None
    if subtype <= 2:
        groundspeed, track = _over_ground(me, scale)
    else:
        heading_valid, raw_heading, true, raw_airspeed = AIRSPEED(me)
        heading = raw_heading * HEADING_STEP if heading_valid else None
        airspeed = (raw_airspeed - 1) * scale if raw_airspeed else None
        airspeed_type = "TAS" if true else "IAS"
    return AirborneVelocity(
        df, icao, addressing.resolve(me, IMF_BIT), subtype, groundspeed, track, airspeed,
        airspeed_type, heading,
        ((1 - rate) * RATE_STEP_FPM if rate_down else (rate - 1) * RATE_STEP_FPM)
        if rate else None,
        "BARO" if rate_baro else "GNSS",
        ((1 - diff) * DIFF_STEP_FT if diff_below else (diff - 1) * DIFF_STEP_FT)
        if diff and diff != DIFF_BEYOND else None,
        nac_v)
