"""The status squitters: aircraft status (TC 28, emergency and squawk), target state and
status (TC 29, the autopilot's selections) and operational status (TC 31, the ADS-B
version and its accuracy and integrity figures), DO-260B 2.2.3.2.7."""

from __future__ import annotations

from adsbwatch.decoder.messages.addressing import Addressing
from adsbwatch.decoder.messages.fields import Field, layout
from adsbwatch.decoder.messages.identity import SQUAWK_BY_CODE
from adsbwatch.decoder.messages.message import (
    AircraftStatus,
    OperationalStatus,
    OtherSquitter,
    TargetState,
)

# --- TC 28 subtype 1: emergency/priority status (subtype 2, an ACAS RA, is not read)

AIRCRAFT_STATUS = layout(subtype=Field(6, 3), emergency_state=Field(9, 3),
                         identity=Field(12, 13))
AIRCRAFT_STATUS_IMF_BIT = 56


def aircraft_status(df: int, icao: int, addressing: Addressing, tc: int,
                    me: int) -> AircraftStatus | OtherSquitter:
    subtype, emergency_state, identity = AIRCRAFT_STATUS(me)
    if subtype != 1:
        return OtherSquitter(df, icao, addressing.address_type, tc)
    return AircraftStatus(df, icao, addressing.resolve(me, AIRCRAFT_STATUS_IMF_BIT),
                          emergency_state, SQUAWK_BY_CODE[identity])


# --- TC 29 subtype 1: target state and status, the version 2 layout (subtype 0, the
# DO-260A layout, is not read)

TARGET_STATE = layout(
    subtype=Field(6, 2), fms=Field(9, 1), altitude=Field(10, 11), baro=Field(21, 9),
    heading_valid=Field(30, 1), heading=Field(31, 9), nac_p=Field(40, 4),
    nic_baro=Field(44, 1), sil=Field(45, 2), modes_valid=Field(47, 1), modes=Field(48, 7))
TARGET_STATE_IMF_BIT = 51
ALTITUDE_STEP_FT = 32
BARO_BASE_HPA, BARO_STEP_HPA = 800, 0.8
SELECTED_HEADING_STEP = 360 / 512
# The mode bits (ME bits 48-54; 51 is the IMF), named in dump1090-fa's nav_modes order:
# name -> the bit's place in the 7-bit field, most significant first.
AUTOPILOT_MODES = (("autopilot", 0), ("vnav", 1), ("althold", 2), ("approach", 4),
                   ("lnav", 6), ("tcas", 5))
MODES_BY_CODE = tuple(tuple(name for name, place in AUTOPILOT_MODES if code >> (6 - place) & 1)
                      for code in range(1 << 7))


def target_state(df: int, icao: int, addressing: Addressing, tc: int,
                 me: int) -> TargetState | OtherSquitter:
    (subtype, fms, altitude, baro, heading_valid, heading, nac_p, nic_baro, sil,
     modes_valid, modes) = TARGET_STATE(me)
    if subtype != 1:
        return OtherSquitter(df, icao, addressing.address_type, tc)
    return TargetState(
        df, icao, addressing.resolve(me, TARGET_STATE_IMF_BIT),
        (altitude - 1) * ALTITUDE_STEP_FT if altitude else None,
        ("FMS" if fms else "MCP") if altitude else None,
        BARO_BASE_HPA + (baro - 1) * BARO_STEP_HPA if baro else None,
        heading * SELECTED_HEADING_STEP if heading_valid else None,
        nac_p, nic_baro, sil,
        MODES_BY_CODE[modes] if modes_valid else None)


# --- TC 31: operational status, airborne (subtype 0) or surface (1), by ADS-B version

OPERATIONAL_STATUS = layout(
    subtype=Field(6, 3), version=Field(41, 3), nic_a=Field(44, 1), nac_p=Field(45, 4),
    gva=Field(49, 2), sil=Field(51, 2), nic_baro=Field(53, 1), sil_per_sample=Field(55, 1))
OPERATIONAL_STATUS_IMF_BIT = 56
# DO-260 (version 0) defines none of the figures; DO-260A (1) adds NIC supplement A,
# NACp, SIL and NIC baro (airborne); DO-260B (2) the SIL supplement and GVA (airborne).
# Later versions are reserved: like dump1090-fa, read only their number.
FIGURES_FROM, SUPPLEMENTS_FROM, LAST_KNOWN = 1, 2, 2


def operational_status(df: int, icao: int, addressing: Addressing, tc: int,
                       me: int) -> OperationalStatus | OtherSquitter:
    subtype, version, nic_a, nac_p, gva, sil, nic_baro, sil_per_sample = OPERATIONAL_STATUS(me)
    if subtype > 1:
        return OtherSquitter(df, icao, addressing.address_type, tc)
    address_type = addressing.resolve(me, OPERATIONAL_STATUS_IMF_BIT)
    surface = subtype == 1
    if not FIGURES_FROM <= version <= LAST_KNOWN:
        return OperationalStatus(df, icao, address_type, surface, version,
                                 None, None, None, None, None, None)
    v2 = version >= SUPPLEMENTS_FROM
    return OperationalStatus(
        df, icao, address_type, surface, version, nic_a, nac_p, sil,
        bool(sil_per_sample) if v2 else None, None if surface else nic_baro,
        gva if v2 and not surface else None)
