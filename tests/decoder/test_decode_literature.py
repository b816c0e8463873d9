"""Frames from the literature and from real captures, each field checked by hand from the
bits (the working is in the comments): pyModeS' documented frames and "The 1090 MHz
Riddle", rs1090's surface position, dump1090_rs' capture, and frames built bit by bit
for what no published frame shows (TIS-B, ADS-R)."""

from __future__ import annotations

import pytest

from adsbwatch.decoder.frames.crc import with_parity
from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.message import (
    AirbornePosition,
    AirborneVelocity,
    CommB,
    CommBData,
    Cpr,
    Identification,
    OperationalStatus,
    OtherSquitter,
    SurfacePosition,
    TargetState,
)


def test_velocity_over_ground() -> None:
    # 8D485020994409940838175B284F, ME after TC 19 / subtype 1: intent 0, IFR 1, NACv 000;
    # west 1, 0000001001 = 9 -> 8 kt; south 1, 0010100000 = 160 -> 159 kt; source 0
    # (GNSS), down 1, 000001110 = 14 -> 13 * 64 = 832 ft/min; 00; 0, 0010111 = 23 ->
    # 22 * 25 = 550 ft. sqrt(8^2 + 159^2) = 159.20 -> 159 kt; atan2(-8, -159) = 182.88 deg.
    message = decode(bytes.fromhex("8D485020994409940838175B284F"))
    assert message == AirborneVelocity(
        17, 0x485020, "adsb_icao", 1, 159.0, pytest.approx(182.88, abs=0.005), None, None,
        None, -832, "GNSS", 550, 0)


def test_velocity_rounds_where_pymodes_truncates() -> None:
    # TC 19 subtype 1, east and north raw 8 -> 7 kt each: sqrt(98) = 9.899, which rounds
    # to 10 kt (pyModeS' int() says 9); track atan2(7, 7) = 45 deg.
    me = 19 << 51 | 1 << 48 | 8 << 32 | 8 << 21
    message = decode(with_parity(bytes.fromhex("8D485020") + me.to_bytes(7, "big")))
    assert isinstance(message, AirborneVelocity)
    assert message.groundspeed == 10.0 and message.track == pytest.approx(45.0)


def test_airspeed_and_heading() -> None:
    # 8DA05F219B06B6AF189400CBC33F, TC 19 subtype 3: NACv 000; heading valid 1,
    # 1010110110 = 694 -> 694 * 360 / 1024 = 243.984375; TAS 1, 0101111000 = 376 -> 375
    # kt; baro 1, down 1, 000100101 = 37 -> 36 * 64 = 2304; difference 0000000: unknown.
    message = decode(bytes.fromhex("8DA05F219B06B6AF189400CBC33F"))
    assert message == AirborneVelocity(17, 0xA05F21, "adsb_icao", 3, None, None, 375, "TAS",
                                       243.984375, -2304, "BARO", None, 0)


def test_airborne_position() -> None:
    # 8D40621D58C382D690C8AC2863A7: TC 01011 = 11, status 00, NIC-B 0; altitude
    # 1100001 1 1000: Q set, n = 11000011000 = 1560 -> 1560 * 25 - 1000 = 38000 ft;
    # T 0, F 0 (even), lat 10110101101001000 = 93000, lon 01100100010101100 = 51372.
    message = decode(bytes.fromhex("8D40621D58C382D690C8AC2863A7"))
    assert message == AirbornePosition(17, 0x40621D, "adsb_icao", 11, Cpr(False, 93000, 51372),
                                       38000, False, 0, 0)


def test_identification() -> None:
    # 8D4840D6202CC371C32CE0576098: TC 00100 = 4 (set A), category 000 (none given);
    # 001011 001100 001101 110001 110000 110010 110011 100000 = K L M 1 0 2 3 space.
    message = decode(bytes.fromhex("8D4840D6202CC371C32CE0576098"))
    # Category 0 is "no information", written "A0" as dump1090-fa and readsb write it.
    assert message == Identification(17, 0x4840D6, "adsb_icao", 4, "A0", "KLM1023")
    # pyModeS' EZY85MH: 8D406B902015A678D4D220AA4BDA, TC 4, category 0.
    assert decode(bytes.fromhex("8D406B902015A678D4D220AA4BDA")).callsign == "EZY85MH"


def test_surface_position() -> None:
    # rs1090's 8C4841753A9A153237AEF0F275BE (CA 4, on the ground): TC 00111 = 7;
    # movement 0101001 = 41 -> (17, 18] kt, 17.5 as readsb and dump1090-fa say; track
    # valid 1, 0100001 = 33 -> 33 * 360 / 128 = 92.8125 deg; T 0, F 1 (odd); lat 39195,
    # lon 110320 (rs1090's).
    message = decode(bytes.fromhex("8C4841753A9A153237AEF0F275BE"))
    assert message == SurfacePosition(17, 0x484175, "adsb_icao", 7, Cpr(True, 39195, 110320),
                                      17.5, 92.8125)


def test_target_state_and_status() -> None:
    # pyModeS' 8DA05629EA21485CBF3F8CADAEEB: TC 11101 = 29, subtype 01, SIL supplement 0;
    # MCP 0, altitude 01000010100 = 532 -> 531 * 32 = 16992 ft; baro 100001011 = 267 ->
    # 800 + 266 * 0.8 = 1012.8 hPa; heading valid 1, 001011111 = 95 -> 66.796875 deg;
    # NACp 1001 = 9, NIC baro 1, SIL 11 = 3; modes valid 1: autopilot 1, VNAV 1, alt hold
    # 0, IMF 0, approach 0, TCAS 1, LNAV 1.
    message = decode(bytes.fromhex("8DA05629EA21485CBF3F8CADAEEB"))
    assert message == TargetState(17, 0xA05629, "adsb_icao", 16992, "MCP",
                                  pytest.approx(1012.8), 66.796875, 9, 1, 3,
                                  ("autopilot", "vnav", "lnav", "tcas"))


def test_operational_status() -> None:
    # A real frame of dump1090_rs' capture test_1641427457780 (every decoder finds it):
    # 8DAA2BC4F82100020049B8DB9449: TC 11111 = 31, subtype 000 (airborne); capability
    # 0x2100, modes 0x0200; version 010 = 2; NIC-A 0; NACp 1001 = 9; GVA 10 = 2; SIL 11 =
    # 3; NIC baro 1; HRD 0; SIL supplement 0 (per hour).
    message = decode(bytes.fromhex("8DAA2BC4F82100020049B8DB9449"))
    assert message == OperationalStatus(17, 0xAA2BC4, "adsb_icao", False, 2, 0, 9, 3, False,
                                        1, 2)


def test_operational_status_versions() -> None:
    # pyModeS' synthetic airborne status (test_bds65): version 2, NIC-A 1, NACp 10,
    # SIL 3, NIC baro 1; as version 1 the SIL supplement and GVA are not sent; as
    # version 0 none of the figures; on the surface no NIC baro.
    def frame(version: int, subtype: int = 0) -> bytes:
        me = 31 << 51 | subtype << 48 | version << 13 | 1 << 12 | 10 << 8 | 3 << 4 | 1 << 3
        return with_parity(bytes.fromhex("8D400000") + me.to_bytes(7, "big"))

    assert decode(frame(2))[3:] == (False, 2, 1, 10, 3, False, 1, 0)
    assert decode(frame(1))[3:] == (False, 1, 1, 10, 3, None, 1, None)
    assert decode(frame(0))[3:] == (False, 0, None, None, None, None, None, None)
    assert decode(frame(2, subtype=1))[3:] == (True, 2, 1, 10, 3, False, None, None)
    assert isinstance(decode(frame(2, subtype=2)), OtherSquitter)


@pytest.mark.parametrize(("frame", "altitude", "register", "data"), [
    # pyModeS' Comm-B examples (v2 tests). Headers by hand: A0 00 08 3E is DF20, FS 0,
    # code 0x083E: Q set, n = 0x200 | 0x10 | 0xE = 542 -> 12550 ft; 0x029C: n = 160 + 12
    # = 172 -> 3300 ft; 0x1393: 1248 + 3 = 1251 -> 30275 ft; 0x0412: 256 + 2 -> 5450 ft.
    ("A000083E202CC371C31DE0AA1CCF", 12550, "2,0", CommBData(callsign="KLM1017")),
    ("A000029C85E42F313000007047D3", 3300, "4,0", CommBData(
        selected_altitude_mcp=3008, selected_altitude_fms=3008, baro_pressure_setting=1020.0)),
    ("A000139381951536E024D4CCF6B5", 30275, "5,0", CommBData(
        roll=2.109375, true_track=114.2578125, groundspeed=438, track_rate=0.125,
        true_airspeed=424)),
    ("A00004128F39F91A7E27C46ADC21", 5450, "6,0", CommBData(
        magnetic_heading=42.71484375, indicated_airspeed=252, mach=0.42,
        baro_vertical_rate=-1920, inertial_vertical_rate=-1920)),
])
def test_comm_b_registers(frame: str, altitude: int, register: str, data: CommBData) -> None:
    message = decode(bytes.fromhex(frame))
    assert isinstance(message, CommB)
    assert (message.df, message.flight_status, message.altitude, message.squawk) == (
        20, 0, altitude, None)
    assert (message.register, message.data) == (register, data)


def test_comm_b_that_pymodes_cannot_infer_is_empty_not_an_error() -> None:
    # An all-zero MB field: no register fits. DF21, FS 0, identity 0 -> squawk 0000.
    frame = with_parity(bytes.fromhex("A8000000") + bytes(7), 0x484506)
    message = decode(frame)
    assert message == CommB(21, 0x484506, 0, None, "0000", None, CommBData())


@pytest.mark.parametrize(("control", "bit8", "address_type", "nic_b"), [
    (0, 1, "adsb_icao_nt", 1), (1, 1, "adsb_other", 1), (5, 1, "tisb_other", 1),
    (2, 0, "tisb_icao", None), (2, 1, "tisb_trackfile", None),
    (6, 0, "adsr_icao", None), (6, 1, "adsr_other", None),
])
def test_df18_control_field_and_imf(control: int, bit8: int, address_type: str,
                                    nic_b: int | None) -> None:
    # The airborne position above as DF18 (first byte 10010 + CF) with ME bit 8 as given:
    # the IMF for fine TIS-B and ADS-R (dump1090-fa), NIC supplement B for the others.
    me = int("58C382D690C8AC", 16) | bit8 << 48
    message = decode(with_parity(bytes([18 << 3 | control]) + bytes.fromhex("40621D")
                                 + me.to_bytes(7, "big")))
    assert isinstance(message, AirbornePosition)
    assert (message.address_type, message.nic_b, message.altitude) == (address_type, nic_b,
                                                                       38000)


@pytest.mark.parametrize(("control", "address_type"), [(3, "tisb_icao"), (4, "unknown"),
                                                       (7, "unknown")])
def test_df18_formats_that_are_no_adsb_message(control: int, address_type: str) -> None:
    frame = with_parity(bytes([18 << 3 | control]) + bytes.fromhex("40621D58C382D690C8AC"))
    assert decode(frame) == OtherSquitter(18, 0x40621D, address_type, None)
    # Coarse TIS-B: ME bit 1 is the IMF (a Mode A code and track number for address).
    coarse = with_parity(bytes([18 << 3 | 3]) + bytes.fromhex("40621DD8C382D690C8AC"))
    assert decode(coarse).address_type == "tisb_trackfile"
