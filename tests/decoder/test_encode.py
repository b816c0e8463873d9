"""The message encoders, checked by decoding their frames with pyModeS."""

from __future__ import annotations

import pyModeS
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyModeS import position

from adsbwatch.decoder.frames.crc import syndrome_of
from adsbwatch.decoder.sim import encode as enc
from adsbwatch.decoder.sim.scene import distance_m, offset_position

ICAO = 0x484506
lats = st.floats(-86.0, 86.0)
lons = st.floats(-180.0, 179.999)
altitudes = st.integers(-40, 2007).map(lambda n: n * 25)  # -1000 to 50175 ft
callsigns = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)
squawks = st.text(alphabet="01234567", min_size=4, max_size=4)


def decode(frame: bytes, **kwargs) -> dict:
    return pyModeS.decode(frame.hex(), **kwargs)


@given(lat=lats, lon=lons, alt=altitudes)
@settings(max_examples=150, deadline=None)
def test_airborne_position_pair_and_reference_decoding(lat: float, lon: float, alt: int) -> None:
    even = decode(enc.airborne_position(ICAO, lat, lon, alt, odd=False, type_code=11))
    odd = decode(enc.airborne_position(ICAO, lat, lon, alt, odd=True, type_code=11))
    for msg, fmt in ((even, 0), (odd, 1)):
        assert msg["crc_valid"] is True
        assert msg["icao"] == "484506"
        assert msg["typecode"] == 11
        assert msg["altitude"] == alt
        assert msg["cpr_format"] == fmt
    pair = position.airborne_position_pair(even["cpr_lat"], even["cpr_lon"], odd["cpr_lat"],
                                           odd["cpr_lon"], even_is_newer=True)
    assert pair is not None
    assert distance_m(lat, lon, *pair) < 10.0
    ref = offset_position(lat, lon, 60_000.0, -90_000.0)  # about 58 NM away
    for msg, fmt in ((even, 0), (odd, 1)):
        got = position.airborne_position_with_ref(fmt, msg["cpr_lat"], msg["cpr_lon"], *ref)
        assert distance_m(lat, lon, *got) < 10.0


@given(lat=lats, lon=lons, gs=st.floats(0.0, 174.0), track=st.floats(0.0, 359.9),
       odd=st.booleans())
@settings(max_examples=150, deadline=None)
def test_surface_position(lat: float, lon: float, gs: float, track: float, odd: bool) -> None:
    msg = decode(enc.surface_position(ICAO, lat, lon, gs, track, odd, type_code=7))
    assert msg["crc_valid"] is True
    assert msg["typecode"] == 7
    assert msg["cpr_format"] == int(odd)
    ref = offset_position(lat, lon, -20_000.0, 15_000.0)  # 25 km, well within 45 NM
    got = position.surface_position_with_ref(int(odd), msg["cpr_lat"], msg["cpr_lon"], *ref)
    assert distance_m(lat, lon, *got) < 5.0
    # pyModeS reports the bottom of the movement band; the encoder rounds to the
    # nearest code, so the error is at most a band's step.
    assert abs(msg["groundspeed"] - gs) <= movement_step(gs) + 1e-9
    if gs < 70:
        assert abs(msg["groundspeed"] - gs) <= 1.0
    assert msg["track_status"] == 1
    assert abs((msg["track"] - track + 180) % 360 - 180) <= 360 / 256 + 1e-9  # half a step


def movement_step(gs_kt: float) -> float:
    """The movement field's resolution at a speed (DO-260B 2.2.3.2.4.2)."""
    for below, step in ((1.0, 0.125), (2.0, 0.25), (15.0, 0.5), (70.0, 1.0), (100.0, 2.0)):
        if gs_kt < below:
            return step
    return 5.0  # 100 to 175 kt


def test_surface_without_track_and_stopped() -> None:
    msg = decode(enc.surface_position(ICAO, 52.31, 4.76, 0.0, None, False))
    assert msg["track_status"] == 0
    assert msg["movement"] == 1  # stopped


@pytest.mark.parametrize(("speed", "code"), [(0.0, 1), (0.125, 2), (0.99, 9), (1.0, 9),
                                             (2.0, 13), (15.0, 39), (69.0, 93), (70.0, 94),
                                             (100.0, 109), (174.0, 124), (175.0, 124),
                                             (400.0, 124)])
def test_movement_bands(speed: float, code: int) -> None:
    assert enc.movement_code(speed) == code


@given(callsign=callsigns, category=st.sampled_from([0xA0, 0xA3, 0xA5, 0xB2, 0xC1, 0xD7]))
@settings(max_examples=100, deadline=None)
def test_identification(callsign: str, category: int) -> None:
    msg = decode(enc.identification(ICAO, callsign, category))
    assert msg["crc_valid"] is True
    assert msg["callsign"] == callsign
    assert msg["typecode"] == 0xE - (category >> 4)
    assert msg["category"] == category & 0xF


def test_identification_rejects_unsendable_characters() -> None:
    with pytest.raises(ValueError, match="cannot be sent"):
        enc.identification(ICAO, "KLM-1")
    with pytest.raises(ValueError, match="longer than 8"):
        enc.identification(ICAO, "KLM123456")


@given(gs=st.floats(0.0, 1000.0), track=st.floats(0.0, 359.99),
       vrate=st.integers(-32000, 32000), diff=st.integers(-3000, 3000), baro=st.booleans())
@settings(max_examples=150, deadline=None)
def test_airborne_velocity(gs: float, track: float, vrate: int, diff: int, baro: bool) -> None:
    msg = decode(enc.airborne_velocity(ICAO, gs, track, vrate, baro, diff))
    assert msg["crc_valid"] is True
    assert (msg["typecode"], msg["subtype"]) == (19, 1)
    # Whole-knot components put the vector within 0.71 kt; pyModeS then truncates it
    # to a whole knot (26.5 kt at 196 deg encodes as 7 W, 25 S = 25.96 kt, read as 25).
    assert gs - 1.71 <= msg["groundspeed"] <= gs + 0.71
    if gs >= 60:  # the components are whole knots: a slow track is coarser
        assert abs((msg["track"] - track + 180) % 360 - 180) <= 1.0
    assert abs(msg["vertical_rate"] - vrate) <= 64
    assert msg["vr_source"] == ("BARO" if baro else "GNSS")
    assert abs(msg["geo_minus_baro"] - diff) <= 12.5


@given(squawk=squawks, alt=altitudes, fs=st.sampled_from([0, 1]))
@settings(max_examples=100, deadline=None)
def test_surveillance_replies(squawk: str, alt: int, fs: int) -> None:
    df4 = enc.altitude_reply(ICAO, alt, fs)
    df5 = enc.identity_reply(ICAO, squawk, fs)
    for frame in (df4, df5):
        assert len(frame) == 7
        assert syndrome_of(frame) == ICAO  # the address is in the parity
    m4, m5 = decode(df4), decode(df5)
    assert (m4["df"], m4["icao"], m4["altitude"], m4["flight_status"]) == (4, "484506", alt, fs)
    assert (m5["df"], m5["icao"], m5["squawk"], m5["flight_status"]) == (5, "484506", squawk, fs)


@given(squawk=squawks)
@settings(max_examples=50, deadline=None)
def test_aircraft_status(squawk: str) -> None:
    msg = decode(enc.aircraft_status(ICAO, squawk))
    assert (msg["typecode"], msg["subtype"], msg["squawk"]) == (28, 1, squawk)
    assert msg["emergency_state"] == EMERGENCY_STATES.get(squawk, 0)


# DO-260B: 7500 unlawful interference (5), 7600 no communications (4), 7700 general (1).
EMERGENCY_STATES = {"7500": 5, "7600": 4, "7700": 1}


@pytest.mark.parametrize(("squawk", "state"), [*EMERGENCY_STATES.items(), ("7000", 0)])
def test_emergency_squawks_send_their_state(squawk: str, state: int) -> None:
    msg = decode(enc.aircraft_status(ICAO, squawk))
    assert (msg["squawk"], msg["emergency_state"]) == (squawk, state)
    assert decode(enc.aircraft_status(ICAO, squawk, emergency=3))["emergency_state"] == 3


@given(alt=st.integers(0, 2046).map(lambda n: n * 32), baro=st.integers(1, 511),
       heading=st.integers(0, 511), modes=st.none() | st.sets(st.sampled_from(enc.NAV_MODES)),
       fms=st.booleans())
@settings(max_examples=100, deadline=None)
def test_target_state(alt: int, baro: int, heading: int, modes: set[str] | None,
                      fms: bool) -> None:
    hpa, degrees = 800 + (baro - 1) * 0.8, heading * 360 / 512
    msg = decode(enc.target_state(ICAO, alt, hpa, degrees, modes, fms=fms, nac_p=10))
    assert (msg["typecode"], msg["subtype"], msg["selected_altitude"]) == (29, 1, alt)
    assert msg["selected_altitude_source"] == ("FMS" if fms else "MCP/FCU")
    assert msg["baro_pressure_setting"] == pytest.approx(hpa)
    assert msg["selected_heading"] == pytest.approx(degrees)
    assert (msg["nac_p"], msg["nic_baro"], msg["sil"]) == (10, 1, 3)
    flags = {"autopilot": "autopilot", "vnav": "vnav_mode", "althold": "altitude_hold_mode",
             "approach": "approach_mode", "lnav": "lnav_mode"}
    assert {name: msg[key] for name, key in flags.items()} == (
        dict.fromkeys(flags) if modes is None else {name: name in modes for name in flags})
    assert msg["tcas_operational"] == (modes is not None and "tcas" in modes)


def test_target_state_without_selections() -> None:
    msg = decode(enc.target_state(ICAO, None, None, None))
    assert (msg["selected_altitude"], msg["baro_pressure_setting"],
            msg["selected_heading"]) == (None, None, None)
    with pytest.raises(ValueError, match="unknown autopilot modes"):
        enc.target_state(ICAO, 1000, None, None, ("cruise",))


@given(version=st.integers(0, 2), surface=st.booleans(), nic_a=st.integers(0, 1),
       nac_p=st.integers(0, 15), sil=st.integers(0, 3), per_sample=st.booleans())
@settings(max_examples=100, deadline=None)
def test_operational_status(version: int, surface: bool, nic_a: int, nac_p: int, sil: int,
                            per_sample: bool) -> None:
    msg = decode(enc.operational_status(ICAO, version, surface, nic_a, nac_p, sil=sil,
                                        sil_per_sample=per_sample))
    assert (msg["typecode"], msg["subtype"], msg["version"]) == (31, int(surface), version)
    assert (msg["nic_supplement_a"], msg["nac_p"], msg["sil"]) == (nic_a, nac_p, sil)
    assert msg.get("nic_baro") == (None if surface or version == 0 else 1)
    assert msg.get("sil_supplement") == (int(per_sample) if version == 2 else None)


def test_all_call_reply() -> None:
    frame = enc.all_call_reply(ICAO)
    assert syndrome_of(frame) == 0  # interrogator code 0
    msg = decode(frame)
    assert (msg["df"], msg["icao"], msg["capability"]) == (11, "484506", 5)


def test_known_squawk_bit_order() -> None:
    # Pulse order C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4: 7700 sets every A and B pulse.
    assert enc.squawk_code13("7700") == 0b0101010101010
    assert enc.squawk_code13("0001") == 0b0000000010000  # D1 alone
    assert enc.squawk_code13("0000") == 0


def test_altitude_codes_match_the_known_layout() -> None:
    # 38000 ft: n = 1560 = 0b11000011000; Q after the 7th bit, M after the 6th.
    assert enc.altitude_code12(38000) == 0b1100001_1_1000
    assert enc.altitude_code13(38000) == 0b110000_0_1_1_1000
    with pytest.raises(ValueError, match="outside"):
        enc.altitude_code12(50200)


def test_cpr_nl_at_known_latitudes() -> None:
    assert enc.cpr_nl(0.0) == 59
    assert enc.cpr_nl(52.3) == 36
    assert enc.cpr_nl(87.0) == 2
    assert enc.cpr_nl(-88.0) == 1
