"""Mode S / ADS-B message encoders, from DO-260B and ICAO Annex 10 Vol IV.

The inverse of decoding: fields in, frames with valid parity out. The scene simulator
uses them to make realistic traffic whose every field is known. Bit layouts are given
as (width, value) lists so each message reads like its table in the spec.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from adsbwatch.decoder.frames.crc import with_parity
from adsbwatch.decoder.messages.emergency import EMERGENCY_SQUAWKS

CALLSIGN_CHARSET = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"
NZ = 15  # latitude zones per hemisphere quadrant (CPR)
CPR_BITS = 17
CPR_SCALE = 1 << CPR_BITS
MAX_Q_ALTITUDE_FT = 50175  # 11-bit count of 25 ft above -1000 ft
MIN_ALTITUDE_FT = -1000
CA_GROUND = 4  # capability: level 2+, on the ground
CA_AIRBORNE = 5  # capability: level 2+, airborne

# Surface movement (DO-260B 2.2.3.2.4.2): (first code, lowest speed kt, step kt) per band.
_MOVEMENT_BANDS = (
    (2, 0.125, 0.125),
    (9, 1.0, 0.25),
    (13, 2.0, 0.5),
    (39, 15.0, 1.0),
    (94, 70.0, 2.0),
    (109, 100.0, 5.0),
    (124, 175.0, 0.0),
)


# --- bit packing --------------------------------------------------------------------


def pack(fields: Sequence[tuple[int, int]]) -> int:
    """Concatenate (width, value) fields, first field most significant."""
    out = 0
    for width, value in fields:
        if not 0 <= value < (1 << width):
            raise ValueError(f"value {value} does not fit in {width} bits")
        out = (out << width) | value
    return out


def check_icao(icao: int) -> None:
    if not 0 <= icao <= 0xFFFFFF:
        raise ValueError(f"ICAO address {icao:#x} is not 24 bits")


def df17(icao: int, me: int, ca: int = CA_AIRBORNE) -> bytes:
    """An extended squitter: DF17, capability, address, 56-bit ME, parity."""
    check_icao(icao)
    body = pack([(5, 17), (3, ca), (24, icao), (56, me)])
    return with_parity(body.to_bytes(11, "big"))


# --- CPR ----------------------------------------------------------------------------


def cpr_nl(lat: float) -> int:
    """Number of longitude zones at a latitude (DO-260B A.1.7.2 d)."""
    lat = abs(lat)
    if lat < 1e-9:
        return 4 * NZ - 1
    if lat > 87.0:
        return 1
    if lat == 87.0:
        return 2
    a = 1.0 - math.cos(math.pi / (2 * NZ))
    b = math.cos(math.radians(lat)) ** 2
    return int(math.floor(2.0 * math.pi / math.acos(1.0 - a / b)))


def _cpr_encode(lat: float, lon: float, odd: bool, span: float) -> tuple[int, int]:
    """CPR over zones `span` degrees wide in total (360 airborne, 90 surface)."""
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} out of range")
    i = int(odd)
    dlat = span / (4 * NZ - i)
    yz = math.floor(CPR_SCALE * (lat % dlat) / dlat + 0.5)
    # The longitude zones follow the latitude the receiver will decode, not the true one.
    rlat = dlat * (yz / CPR_SCALE + math.floor(lat / dlat))
    zones = cpr_nl(rlat) - i
    dlon = span / zones if zones > 0 else span
    xz = math.floor(CPR_SCALE * (lon % dlon) / dlon + 0.5)
    return yz % CPR_SCALE, xz % CPR_SCALE


def cpr_airborne(lat: float, lon: float, odd: bool) -> tuple[int, int]:
    """17-bit airborne CPR (lat, lon) for the even (odd=False) or odd format."""
    return _cpr_encode(lat, lon, odd, 360.0)


def cpr_surface(lat: float, lon: float, odd: bool) -> tuple[int, int]:
    """17-bit surface CPR (lat, lon): 90-degree zones, four times the resolution."""
    return _cpr_encode(lat, lon, odd, 90.0)


# --- altitude and identity codes -----------------------------------------------------


def _altitude_count(alt_ft: float) -> int:
    """Altitude as a count of 25 ft above -1000 ft (the Q=1 encoding)."""
    if not MIN_ALTITUDE_FT <= alt_ft <= MAX_Q_ALTITUDE_FT:
        raise ValueError(f"altitude {alt_ft} ft outside the 25-ft code range "
                         f"({MIN_ALTITUDE_FT} to {MAX_Q_ALTITUDE_FT} ft)")
    return round((alt_ft - MIN_ALTITUDE_FT) / 25)


def altitude_code12(alt_ft: float) -> int:
    """12-bit ES altitude field, 25-ft steps: 7 high bits, Q=1, 4 low bits."""
    n = _altitude_count(alt_ft)
    return ((n >> 4) << 5) | (1 << 4) | (n & 0xF)


def altitude_code13(alt_ft: float) -> int:
    """13-bit AC field of DF0/4/16/20: as the 12-bit field with M=0 (feet) inserted
    as the 7th bit."""
    n = _altitude_count(alt_ft)
    return ((n >> 5) << 7) | (((n >> 4) & 1) << 5) | (1 << 4) | (n & 0xF)


def squawk_code13(squawk: str) -> int:
    """13-bit identity field in the Gillham pulse order C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2
    B4 D4 (X = 0)."""
    if len(squawk) != 4 or any(c not in "01234567" for c in squawk):
        raise ValueError(f"squawk {squawk!r} is not 4 octal digits")
    a, b, c, d = (int(ch) for ch in squawk)
    order = ((c, 1), (a, 1), (c, 2), (a, 2), (c, 4), (a, 4), (0, 0),
             (b, 1), (d, 1), (b, 2), (d, 2), (b, 4), (d, 4))
    out = 0
    for digit, weight in order:
        out = (out << 1) | (1 if digit & weight else 0)
    return out


def callsign_code48(callsign: str) -> int:
    """8 characters of 6 bits, padded with spaces."""
    text = callsign.upper().ljust(8)
    if len(text) > 8:
        raise ValueError(f"callsign {callsign!r} is longer than 8 characters")
    out = 0
    for ch in text:
        index = CALLSIGN_CHARSET.find(ch)
        if ch == "#" or index < 0:
            raise ValueError(f"callsign {callsign!r}: {ch!r} cannot be sent")
        out = (out << 6) | index
    return out


def emitter_type_code(category: int) -> tuple[int, int]:
    """(type code, category) from a hex-read category: 0xA3 is set A (TC 4), cat 3."""
    set_letter, cat = category >> 4, category & 0xF
    if set_letter not in (0xA, 0xB, 0xC, 0xD) or cat > 7:
        raise ValueError(f"emitter category {category:#x} is not A0-D7")
    return 0xE - set_letter, cat


# --- extended squitters --------------------------------------------------------------


def identification(icao: int, callsign: str, category: int = 0xA3,
                   ca: int = CA_AIRBORNE) -> bytes:
    """TC 1-4: aircraft identification and emitter category."""
    tc, cat = emitter_type_code(category)
    return df17(icao, pack([(5, tc), (3, cat), (48, callsign_code48(callsign))]), ca)


def airborne_position(icao: int, lat: float, lon: float, alt_ft: float, odd: bool,
                      type_code: int = 11, surveillance_status: int = 0,
                      time_sync: bool = False) -> bytes:
    """TC 9-18: airborne position with barometric altitude (25-ft code)."""
    if not 9 <= type_code <= 18:
        raise ValueError(f"type code {type_code} is not a barometric airborne position")
    yz, xz = cpr_airborne(lat, lon, odd)
    me = pack([(5, type_code), (2, surveillance_status), (1, 0),
               (12, altitude_code12(alt_ft)), (1, int(time_sync)), (1, int(odd)),
               (17, yz), (17, xz)])
    return df17(icao, me)


def _signed(value: float, scale: float, width: int) -> tuple[int, int]:
    """(sign bit, magnitude+1) as velocity fields use: 0 means 'no information'."""
    mag = min(round(abs(value) / scale) + 1, (1 << width) - 1)
    return int(value < 0), mag


def airborne_velocity(icao: int, gs_kt: float, track_deg: float, vrate_fpm: float,
                      vrate_baro: bool = True, gnss_minus_baro_ft: float = 0.0,
                      nac_v: int = 1) -> bytes:
    """TC 19 subtype 1: ground speed as east/north components (1 kt), vertical rate
    (64 fpm, source 1=baro), GNSS minus baro altitude (25 ft)."""
    east = gs_kt * math.sin(math.radians(track_deg))
    north = gs_kt * math.cos(math.radians(track_deg))
    s_ew, v_ew = _signed(east, 1.0, 10)
    s_ns, v_ns = _signed(north, 1.0, 10)
    s_vr, vr = _signed(vrate_fpm, 64.0, 9)
    s_dif, dif = _signed(gnss_minus_baro_ft, 25.0, 7)
    me = pack([(5, 19), (3, 1), (1, 0), (1, 0), (3, nac_v),
               (1, s_ew), (10, v_ew), (1, s_ns), (10, v_ns),
               (1, int(vrate_baro)), (1, s_vr), (9, vr), (2, 0), (1, s_dif), (7, dif)])
    return df17(icao, me)


def movement_code(gs_kt: float) -> int:
    """7-bit surface movement: bands of 0.125 to 5 kt, 1 = stopped, 124 = 175 kt+."""
    if gs_kt < 0.125:
        return 1
    for first, base, step in reversed(_MOVEMENT_BANDS):
        if gs_kt >= base:
            if step == 0.0:
                return first
            return min(first + round((gs_kt - base) / step), 124)
    raise AssertionError("unreachable: the first band starts at 0.125 kt")


def surface_position(icao: int, lat: float, lon: float, gs_kt: float,
                     track_deg: float | None, odd: bool, type_code: int = 7,
                     time_sync: bool = False) -> bytes:
    """TC 5-8: surface position, movement and ground track (status 0 when unknown)."""
    if not 5 <= type_code <= 8:
        raise ValueError(f"type code {type_code} is not a surface position")
    yz, xz = cpr_surface(lat, lon, odd)
    status, trk = (0, 0) if track_deg is None else (1, round(track_deg % 360 * 128 / 360) % 128)
    me = pack([(5, type_code), (7, movement_code(gs_kt)), (1, status), (7, trk),
               (1, int(time_sync)), (1, int(odd)), (17, yz), (17, xz)])
    return df17(icao, me, CA_GROUND)


def aircraft_status(icao: int, squawk: str, emergency: int | None = None,
                    ca: int = CA_AIRBORNE) -> bytes:
    """TC 28 subtype 1: emergency state (from the squawk unless given) and Mode A code."""
    if emergency is None:
        emergency = EMERGENCY_SQUAWKS[squawk].state if squawk in EMERGENCY_SQUAWKS else 0
    me = pack([(5, 28), (3, 1), (3, emergency), (13, squawk_code13(squawk)), (32, 0)])
    return df17(icao, me, ca)


# Target state (TC 29 subtype 1, DO-260B 2.2.3.2.7.1): the mode bits in ME bit order
# (bit 51 between althold and approach is the IMF, 0 for ADS-B).
NAV_MODES = ("autopilot", "vnav", "althold", "approach", "tcas", "lnav")
STANDARD_HPA = 1013.25


def target_state(icao: int, selected_alt_ft: float | None, baro_hpa: float | None,
                 selected_heading: float | None, modes: Collection[str] | None = None,
                 fms: bool = False, nac_p: int = 9, nic_baro: int = 1, sil: int = 3,
                 ca: int = CA_AIRBORNE) -> bytes:
    """TC 29 subtype 1 (ADS-B version 2): selected altitude (32 ft, MCP or FMS), baro
    setting (0.8 hPa above 800), selected heading (360/512 deg), NACp, NIC baro, SIL and
    the autopilot modes (None: the mode bits not valid)."""
    unknown = set(modes or ()) - set(NAV_MODES)
    if unknown:
        raise ValueError(f"unknown autopilot modes {sorted(unknown)}")
    alt = 0 if selected_alt_ft is None else round(selected_alt_ft / 32) + 1
    baro = 0 if baro_hpa is None else round((baro_hpa - 800.0) / 0.8) + 1
    heading = (0, 0) if selected_heading is None else (
        1, round(selected_heading % 360 * 512 / 360) % 512)
    chosen = set(modes or ())
    flags = [(1, int(name in chosen)) for name in NAV_MODES]
    mode_bits = [(1, int(modes is not None)), *flags[:3], (1, 0), *flags[3:]]  # (1, 0): IMF
    me = pack([(5, 29), (2, 1), (1, 0), (1, int(fms)), (11, alt), (9, baro),
               (1, heading[0]), (9, heading[1]), (4, nac_p), (1, nic_baro), (2, sil),
               *mode_bits, (2, 0)])
    return df17(icao, me, ca)


def operational_status(icao: int, version: int = 2, surface: bool = False, nic_a: int = 0,
                       nac_p: int = 9, gva: int = 2, sil: int = 3, nic_baro: int = 1,
                       sil_per_sample: bool = False, capability_class: int = 0,
                       operational_mode: int = 0, ca: int = CA_AIRBORNE) -> bytes:
    """TC 31, subtype 0 (airborne) or 1 (surface): capability class and operational mode
    codes (16 bits each, as given), the ADS-B version, NIC supplement A, NACp, GVA
    (airborne; reserved on the surface), SIL, NIC baro (airborne; track-or-heading on the
    surface), HRD 0 (true north) and the SIL supplement."""
    me = pack([(5, 31), (3, int(surface)), (16, capability_class), (16, operational_mode),
               (3, version), (1, nic_a), (4, nac_p), (2, 0 if surface else gva), (2, sil),
               (1, 0 if surface else nic_baro), (1, 0), (1, int(sil_per_sample)), (1, 0)])
    return df17(icao, me, ca)


# --- short replies -------------------------------------------------------------------


def all_call_reply(icao: int, ca: int = CA_AIRBORNE) -> bytes:
    """DF11 with interrogator code 0, as sent in acquisition squitters."""
    check_icao(icao)
    return with_parity(pack([(5, 11), (3, ca), (24, icao)]).to_bytes(4, "big"))


def _surveillance_reply(df: int, icao: int, code13: int, flight_status: int) -> bytes:
    check_icao(icao)
    if not 0 <= flight_status <= 7:
        raise ValueError(f"flight status {flight_status} is not 0-7")
    body = pack([(5, df), (3, flight_status), (5, 0), (6, 0), (13, code13)])
    return with_parity(body.to_bytes(4, "big"), icao)


def altitude_reply(icao: int, alt_ft: float, flight_status: int = 0) -> bytes:
    """DF4: surveillance altitude reply, address in the parity."""
    return _surveillance_reply(4, icao, altitude_code13(alt_ft), flight_status)


def identity_reply(icao: int, squawk: str, flight_status: int = 0) -> bytes:
    """DF5: surveillance identity reply, address in the parity."""
    return _surveillance_reply(5, icao, squawk_code13(squawk), flight_status)
