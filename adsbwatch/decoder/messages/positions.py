"""Extended squitter positions: airborne (TC 9-18 barometric, 20-22 GNSS height, and TC 0
with no position), surface (TC 5-8) with movement and track (DO-260B 2.2.3.2.3-4)."""

from __future__ import annotations

from adsbwatch.decoder.messages.addressing import Addressing
from adsbwatch.decoder.messages.altitude import FEET_BY_CODE
from adsbwatch.decoder.messages.fields import Field, layout
from adsbwatch.decoder.messages.message import AirbornePosition, Cpr, SurfacePosition

AIRBORNE = layout(surveillance_status=Field(6, 2), nic_b=Field(8, 1), altitude=Field(9, 12),
                  odd=Field(22, 1), lat=Field(23, 17), lon=Field(40, 17))
AIRBORNE_IMF_BIT = 8  # TIS-B and ADS-R send the IMF where others send NIC supplement B
SURFACE = layout(movement=Field(6, 7), track_valid=Field(13, 1), track=Field(14, 7),
                 odd=Field(22, 1), lat=Field(23, 17), lon=Field(40, 17))
SURFACE_IMF_BIT = 21
GNSS_TYPECODES = frozenset((20, 21, 22))


def altitude_code13(code12: int) -> int:
    """The 13-bit code of DF0/4/16/20 for the 12-bit ES altitude: the M bit (0, feet),
    which the ES field leaves out, put back as the 7th bit."""
    return (code12 & 0xFC0) << 1 | (code12 & 0x3F)


FEET_BY_CODE12 = tuple(FEET_BY_CODE[altitude_code13(code)] for code in range(1 << 12))


def airborne_position(df: int, icao: int, addressing: Addressing, tc: int,
                      me: int) -> AirbornePosition:
    status, nic_b, code12, odd, lat, lon = AIRBORNE(me)
    imf = addressing.imf_type is not None
    # dump1090-fa and readsb read a GNSS height (TC 20-22) as the same 12-bit code as a
    # barometric altitude, in feet; pyModeS reads it as metres.
    return AirbornePosition(
        df, icao, addressing.resolve(me, AIRBORNE_IMF_BIT), tc,
        None if tc == 0 else Cpr(odd == 1, lat, lon), FEET_BY_CODE12[code12],
        tc in GNSS_TYPECODES, None if imf else nic_b, status)


# Surface movement (DO-260B 2.2.3.2.4.2): (first code, speed at its lower edge in kt,
# step in kt) per band, up to 123. Each code stands for a range (lower, lower + step];
# its middle is reported, as readsb and dump1090-fa do (pyModeS reports the lower edge,
# up to 5 kt slower). Code 1 is stopped, 124 more than 175 kt (readsb says 180), 0 and
# 125-127 say nothing.
MOVEMENT_BANDS = ((2, 0.0, 0.125), (3, 0.125, 0.875 / 6), (9, 1.0, 0.25), (13, 2.0, 0.5),
                  (39, 15.0, 1.0), (94, 70.0, 2.0), (109, 100.0, 5.0))
ABOVE_175_KT = 180.0


def _movement_knots() -> tuple[float | None, ...]:
    speeds: list[float | None] = [None, 0.0]
    for (first, lower, step), (following, _, _) in zip(
            MOVEMENT_BANDS, (*MOVEMENT_BANDS[1:], (124, 0.0, 0.0)), strict=True):
        speeds += [lower + (code - first + 0.5) * step for code in range(first, following)]
    return (*speeds, ABOVE_175_KT, None, None, None)


GROUNDSPEED_BY_MOVEMENT = _movement_knots()  # 128 codes
TRACK_STEP = 360 / 128


def surface_position(df: int, icao: int, addressing: Addressing, tc: int,
                     me: int) -> SurfacePosition:
    movement, track_valid, track, odd, lat, lon = SURFACE(me)
    return SurfacePosition(
        df, icao, addressing.resolve(me, SURFACE_IMF_BIT), tc, Cpr(odd == 1, lat, lon),
        GROUNDSPEED_BY_MOVEMENT[movement], track * TRACK_STEP if track_valid else None)
