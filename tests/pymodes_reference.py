"""What adsbwatch's typed message of a frame must hold, worked out from pyModeS.decode's
dict for the same frame (an independent decoder) and, where pyModeS says nothing or is
known to differ, from the frame's raw bits read here.

`EXPECTED` is the mapping table: for each message kind, each of its fields and how its
value follows from pyModeS' dict (`d`) and the frame. The deliberate differences:

- ground speed over ground (TC 19 subtypes 1, 2): rounded to the knot, as readsb,
  dump1090-fa and rs1090 do; pyModeS 3.6.1 truncates. Worked out here from the raw
  components, never from pyModeS.
- no track for a velocity of zero (dump1090-fa); pyModeS says 0 degrees.
- GNSS height (TC 20-22): the 12-bit altitude code in feet, as dump1090-fa and readsb
  read it; pyModeS reads it as metres.
- surface movement codes 2-8: DO-260B's steps (below 0.125 kt, then 0.875/6 kt up to
  1 kt); pyModeS uses DO-260's 0.125 kt steps.
- TIS-B (DF18 CF2) and ADS-R (CF6): the IMF bit says the address type and is no NIC
  supplement; coarse TIS-B (CF3), management (CF4) and CF7 are no ES to read at all.
- operational status of version 0 or 3-7: none of the accuracy figures (dump1090-fa).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyModeS
import pytest
from pyModeS._altcode import altcode_to_altitude

from adsbwatch.decoder.messages.message import (
    Acas,
    AirbornePosition,
    AirborneVelocity,
    AircraftStatus,
    AllCall,
    CommB,
    CommBData,
    Cpr,
    Identification,
    Message,
    OperationalStatus,
    OtherSquitter,
    SurfacePosition,
    Surveillance,
    TargetState,
)

Fields = dict[str, Any]


def me_of(frame: bytes) -> int:
    return int.from_bytes(frame[4:11], "big")


def me_bits(frame: bytes, first: int, width: int) -> int:
    """ME bits first..first+width-1, counted from 1 (DO-260B's numbering)."""
    return me_of(frame) >> (57 - first - width) & ((1 << width) - 1)


# DF18's control field -> (address type, ES read, IMF bit's address type), from
# dump1090-fa's mode_s.c (decodeExtendedSquitter) and readsb's.
DF18_CONTROL = {0: ("adsb_icao_nt", True, None), 1: ("adsb_other", True, None),
                2: ("tisb_icao", True, "tisb_trackfile"), 3: ("tisb_icao", False, "tisb_trackfile"),
                4: ("unknown", False, None), 5: ("tisb_other", True, None),
                6: ("adsr_icao", True, "adsr_other"), 7: ("unknown", False, None)}
# The IMF's ME bit by kind (dump1090-fa), for CF2 and CF6.
IMF_BITS = {AirbornePosition: 8, SurfacePosition: 21, AirborneVelocity: 9, AircraftStatus: 56,
            TargetState: 51, OperationalStatus: 56}


def control(frame: bytes) -> tuple[str, bool, str | None]:
    if frame[0] >> 3 == 17:
        return "adsb_icao", True, None
    return DF18_CONTROL[frame[0] & 7]


def address_type(frame: bytes, kind: type) -> str:
    plain, _, imf_type = control(frame)
    imf_bit = 1 if not control(frame)[1] else IMF_BITS.get(kind)
    if imf_type is not None and imf_bit is not None and me_bits(frame, imf_bit, 1):
        return imf_type
    return plain


def imf_read(frame: bytes) -> bool:
    return control(frame)[2] is not None


def expected_kind(frame: bytes, d: Fields) -> type:
    """The kind a frame must decode to, from pyModeS' register and subtype."""
    df = frame[0] >> 3
    by_df = {0: Acas, 16: Acas, 4: Surveillance, 5: Surveillance, 11: AllCall, 20: CommB,
             21: CommB}
    if df in by_df:
        return by_df[df]
    if not control(frame)[1]:
        return OtherSquitter
    tc, subtype = d["typecode"], d.get("subtype")
    if tc == 0:
        return AirbornePosition
    by_register = {"0,8": Identification, "0,6": SurfacePosition, "0,5": AirbornePosition}
    if d.get("bds") in by_register:
        return by_register[d["bds"]]
    by_subtypes = {"0,9": ((1, 2, 3, 4), AirborneVelocity), "6,1": ((1,), AircraftStatus),
                   "6,2": ((1,), TargetState), "6,5": ((0, 1), OperationalStatus)}
    if d.get("bds") in by_subtypes:
        subtypes, kind = by_subtypes[d["bds"]]
        return kind if subtype in subtypes else OtherSquitter
    return OtherSquitter


# --- the fields that need more than pyModeS' value -------------------------------------


def altitude_code12_feet(frame: bytes) -> int | None:
    """The ES altitude field read as a barometric one, by pyModeS' own 13-bit decoder."""
    code = me_bits(frame, 9, 12)
    return altcode_to_altitude((code >> 6) << 7 | (code & 0x3F))


def position_altitude(frame: bytes, d: Fields) -> int | None:
    return d["altitude"] if 9 <= d["typecode"] <= 18 else altitude_code12_feet(frame)


def velocity_components(frame: bytes) -> tuple[int, int] | None:
    """(east, north) knots of a TC 19 subtype 1/2 frame, None when either is unknown."""
    subtype, ew, ns = me_bits(frame, 6, 3), me_bits(frame, 15, 10), me_bits(frame, 26, 10)
    if ew == 0 or ns == 0:
        return None
    scale = 4 if subtype == 2 else 1
    east = (ew - 1) * scale * (-1 if me_bits(frame, 14, 1) else 1)
    north = (ns - 1) * scale * (-1 if me_bits(frame, 25, 1) else 1)
    return east, north


def rounded_groundspeed(frame: bytes, d: Fields) -> float | None:
    """round(sqrt(vx^2 + vy^2)) from the raw bits (subtypes 1, 2); airspeed kinds none."""
    if d["subtype"] not in (1, 2):
        return None
    components = velocity_components(frame)
    if components is None:
        return None
    east, north = components
    return float(round(math.sqrt(east * east + north * north)))


def velocity_track(frame: bytes, d: Fields) -> float | None:
    return None if velocity_components(frame) == (0, 0) else d.get("track")


# DO-260B's surface movement codes below 1 kt: the lower edge of each code's range.
DO260B_SLOW = {2: 0.0, 3: 0.125, 4: 0.125 + 0.875 / 6, 5: 0.125 + 2 * 0.875 / 6,
               6: 0.125 + 3 * 0.875 / 6, 7: 0.125 + 4 * 0.875 / 6, 8: 0.125 + 5 * 0.875 / 6}
# The width of each code's range (DO-260B 2.2.3.2.4.2), by the band's first code.
MOVEMENT_STEPS = ((109, 5.0), (94, 2.0), (39, 1.0), (13, 0.5), (9, 0.25), (3, 0.875 / 6),
                  (2, 0.125))


def surface_groundspeed(d: Fields) -> object:
    """pyModeS gives a code's lower edge; readsb and dump1090-fa (and we) its middle,
    and 180 kt for code 124 (more than 175 kt)."""
    movement = d["movement"]
    if movement == 124:
        return 180.0
    lower = DO260B_SLOW.get(movement, d["groundspeed"])
    if lower is None or movement < 2:
        return lower
    step = next(width for first, width in MOVEMENT_STEPS if movement >= first)
    return pytest.approx(lower + step / 2)


CATEGORY_SETS = {4: "A", 3: "B", 2: "C", 1: "D"}


def category(d: Fields) -> str | None:
    return f"{CATEGORY_SETS[d['typecode']]}{d['category']}"  # "A0" too, as dump1090-fa


def unpadded(callsign: str | None) -> str | None:
    return None if callsign is None else callsign.strip(" _#")


NAV_MODE_KEYS = (("autopilot", "autopilot"), ("vnav", "vnav_mode"),
                 ("althold", "altitude_hold_mode"), ("approach", "approach_mode"),
                 ("lnav", "lnav_mode"), ("tcas", "tcas_operational"))


def autopilot_modes(d: Fields) -> tuple[str, ...] | None:
    if d["autopilot"] is None:  # pyModeS: the mode status bit says not valid
        return None
    return tuple(name for name, key in NAV_MODE_KEYS if d[key])


def known_version(d: Fields) -> bool:
    return d["version"] in (1, 2)


def gva(frame: bytes, d: Fields) -> int | None:
    return me_bits(frame, 49, 2) if d["version"] == 2 and d["subtype"] == 0 else None


def comm_b_data(d: Fields) -> CommBData:
    kept = {name: d[name] for name in CommBData._fields if name in d}
    if "callsign" in kept:
        kept["callsign"] = unpadded(kept["callsign"])
    return CommBData(**kept)


Expect = Callable[[bytes, Fields], object]
SQUITTER: dict[str, Expect] = {
    "df": lambda f, d: d["df"], "icao": lambda f, d: int(d["icao"], 16),
}
EXPECTED: dict[type, dict[str, Expect]] = {
    AllCall: {"df": lambda f, d: 11, "icao": lambda f, d: int(d["icao"], 16),
              "capability": lambda f, d: d["capability"]},
    Surveillance: {"df": lambda f, d: d["df"], "icao": lambda f, d: int(d["icao"], 16),
                   "flight_status": lambda f, d: d["flight_status"],
                   "altitude": lambda f, d: d.get("altitude"),
                   "squawk": lambda f, d: d.get("squawk")},
    Acas: {"df": lambda f, d: d["df"], "icao": lambda f, d: int(d["icao"], 16),
           "on_ground": lambda f, d: d["vertical_status"] == "on-ground",
           "altitude": lambda f, d: d["altitude"],
           "sensitivity_level": lambda f, d: d["sensitivity_level"],
           "reply_information": lambda f, d: d["reply_information"],
           "mv": lambda f, d: bytes.fromhex(d["mv"]) if "mv" in d else None},
    CommB: {"df": lambda f, d: d["df"], "icao": lambda f, d: int(d["icao"], 16),
            "flight_status": lambda f, d: f[0] & 7,  # pyModeS gives none for DF20/21
            "altitude": lambda f, d: d.get("altitude"), "squawk": lambda f, d: d.get("squawk"),
            "register": lambda f, d: d.get("bds"), "data": lambda f, d: comm_b_data(d)},
    Identification: {
        **SQUITTER, "typecode": lambda f, d: d["typecode"],
        "category": lambda f, d: category(d), "callsign": lambda f, d: unpadded(d["callsign"])},
    SurfacePosition: {
        **SQUITTER, "typecode": lambda f, d: d["typecode"],
        "cpr": lambda f, d: Cpr(d["cpr_format"] == 1, d["cpr_lat"], d["cpr_lon"]),
        "groundspeed": lambda f, d: surface_groundspeed(d), "track": lambda f, d: d["track"]},
    AirbornePosition: {
        **SQUITTER, "typecode": lambda f, d: d["typecode"],
        "cpr": lambda f, d: None if d["typecode"] == 0 else Cpr(
            d["cpr_format"] == 1, d["cpr_lat"], d["cpr_lon"]),
        "altitude": position_altitude, "gnss": lambda f, d: 20 <= d["typecode"] <= 22,
        "nic_b": lambda f, d: None if imf_read(f) else d.get("nic_b", me_bits(f, 8, 1)),
        "surveillance_status": lambda f, d: d.get("surveillance_status", me_bits(f, 6, 2))},
    AirborneVelocity: {
        **SQUITTER, "subtype": lambda f, d: d["subtype"], "groundspeed": rounded_groundspeed,
        "track": velocity_track, "airspeed": lambda f, d: d.get("airspeed"),
        "airspeed_type": lambda f, d: d.get("airspeed_type"),
        "heading": lambda f, d: d.get("heading"),
        "vertical_rate": lambda f, d: d["vertical_rate"],
        "vertical_rate_source": lambda f, d: d["vr_source"],
        "geo_minus_baro": lambda f, d: d["geo_minus_baro"], "nac_v": lambda f, d: d["nac_v"]},
    AircraftStatus: {
        **SQUITTER, "emergency_state": lambda f, d: d["emergency_state"],
        "squawk": lambda f, d: d["squawk"]},
    TargetState: {
        **SQUITTER, "selected_altitude": lambda f, d: d["selected_altitude"],
        "selected_altitude_source": lambda f, d: {"MCP/FCU": "MCP", "FMS": "FMS"}.get(
            d["selected_altitude_source"]),
        "baro_pressure_setting": lambda f, d: d["baro_pressure_setting"],
        "selected_heading": lambda f, d: d["selected_heading"],
        "nac_p": lambda f, d: d["nac_p"], "nic_baro": lambda f, d: d["nic_baro"],
        "sil": lambda f, d: d["sil"], "autopilot_modes": lambda f, d: autopilot_modes(d)},
    OperationalStatus: {
        **SQUITTER, "surface": lambda f, d: d["subtype"] == 1,
        "version": lambda f, d: d["version"],
        "nic_a": lambda f, d: d["nic_supplement_a"] if known_version(d) else None,
        "nac_p": lambda f, d: d["nac_p"] if known_version(d) else None,
        "sil": lambda f, d: d["sil"] if known_version(d) else None,
        "sil_per_sample": lambda f, d: bool(d["sil_supplement"]) if d["version"] == 2 else None,
        "nic_baro": lambda f, d: d.get("nic_baro") if known_version(d) else None,
        "gva": gva},
    OtherSquitter: {
        **SQUITTER,
        "typecode": lambda f, d: d["typecode"] if control(f)[1] else None},
}
SQUITTER_KINDS = frozenset(kind for kind in EXPECTED if "address_type" in kind._fields)


def expected(frame: bytes) -> tuple[type, dict[str, object]]:
    """The kind and every field of the message `frame` must decode to."""
    d = dict(pyModeS.decode(frame.hex()))
    kind = expected_kind(frame, d)
    fields = {name: how(frame, d) for name, how in EXPECTED[kind].items()}
    if kind in SQUITTER_KINDS:
        fields["address_type"] = address_type(frame, kind)
    return kind, fields


def assert_matches_reference(message: Message, frame: bytes) -> None:
    """The message is of the expected kind and every one of its fields as expected."""
    kind, fields = expected(frame)
    assert type(message) is kind, (frame.hex(), message)
    assert set(fields) == set(kind._fields), kind  # the table names every field
    assert message._asdict() == fields, frame.hex()
