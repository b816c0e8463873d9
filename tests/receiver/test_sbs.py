"""SBS lines for known frames, decoded and applied to the one aircraft table as the
station does: the transmission type, and each field by its index (dump1090-fa's layout
of 22 fields)."""

from __future__ import annotations

import pytest
from pyModeS.util import crc

from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.decoder.sim import encode
from adsbwatch.receiver.outputs.net.sbs import sbs_line

HEARD = 1_747_387_800.5  # 2025-05-16 09:30:00.500 UTC
LOGGED = 1_700_000_000.25  # 2023-11-14 22:13:20.250 UTC
(TYPE, HEX, HEARD_DATE, HEARD_TIME, LOGGED_DATE, LOGGED_TIME, CALLSIGN, ALTITUDE, SPEED,
 TRACK, LAT, LON, VRATE, SQUAWK, ALERT, EMERGENCY, SPI, GROUND) = (
    1, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)


def lines_for(*frames: str | bytes) -> list[list[str]]:
    """The SBS lines of `frames` heard a second apart, each split into its fields."""
    tracker = Tracker()
    lines: list[str] = []
    for i, frame in enumerate(frames):
        raw = bytes.fromhex(frame) if isinstance(frame, str) else frame
        line = sbs_line(tracker.update(HEARD + i, decode(raw), 0.1), LOGGED)
        if line is not None:
            lines.append(line)
    for line in lines:
        assert line.endswith("\r\n") and line.startswith("MSG,")
        assert line.count(",") == 21  # 22 fields
    return [line.removesuffix("\r\n").split(",") for line in lines]


def test_identification_is_msg_1_with_the_callsign() -> None:
    [fields] = lines_for("8D4840D6202CC371C32CE0576098")
    assert fields[TYPE] == "1" and fields[HEX] == "4840D6"
    assert fields[2:4] == ["1", "1"] and fields[5] == "1"
    assert fields[CALLSIGN] == "KLM1023"
    assert (fields[HEARD_DATE], fields[HEARD_TIME]) == ("2025/05/16", "09:30:00.500")
    assert (fields[LOGGED_DATE], fields[LOGGED_TIME]) == ("2023/11/14", "22:13:20.250")
    assert fields[ALTITUDE:] == [""] * 11


def test_airborne_positions_are_msg_3_with_lat_lon_once_a_pair_is_heard() -> None:
    even, odd = lines_for("8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6")
    assert even[TYPE] == odd[TYPE] == "3" and even[ALTITUDE] == odd[ALTITUDE] == "38000"
    assert even[LAT:LON + 1] == ["", ""]  # one half of a CPR pair: no position yet
    # the odd message newer: 52.26578 N, 3.93891 E (The 1090 MHz Riddle, 5.4)
    assert odd[LAT:LON + 1] == ["52.26578", "3.93891"]
    assert odd[GROUND] == "0" and odd[CALLSIGN] == odd[SPEED] == ""


def test_velocity_is_msg_4_with_speed_track_and_rate() -> None:
    [fields] = lines_for("8D485020994409940838175B284F")  # 159 kt, 182.88 deg, -832 ft/min
    assert fields[TYPE] == "4" and fields[HEX] == "485020"
    assert (fields[SPEED], fields[TRACK], fields[VRATE]) == ("159", "183", "-832")
    assert fields[ALTITUDE] == fields[LAT] == fields[SQUAWK] == ""


def test_surface_position_is_msg_2_on_the_ground() -> None:
    # Movement code 41: (17, 18] kt, 17.5 as readsb says (pyModeS: 17), written "%.0f"
    # as dump1090-fa writes it (half to even: 18); track 92.8 deg.
    [fields] = lines_for("8C4841753A9A153237AEF0F275BE")
    assert fields[TYPE] == "2" and fields[HEX] == "484175"
    assert (fields[SPEED], fields[TRACK], fields[GROUND]) == ("18", "93", "-1")
    assert fields[ALTITUDE] == ""


@pytest.mark.parametrize(("squawk", "status", "alert", "emergency", "spi", "ground"), [
    ("7700", 4, "-1", "-1", "-1", ""),  # FS 4: alert and SPI, air or ground unknown
    ("1200", 1, "0", "0", "0", "-1"),  # FS 1: on the ground
    ("7500", 0, "0", "-1", "0", "0"),
    ("4321", 5, "0", "0", "-1", ""),
])
def test_surveillance_identity_is_msg_6_with_squawk_and_flags(
        squawk: str, status: int, alert: str, emergency: str, spi: str, ground: str) -> None:
    [fields] = lines_for(encode.identity_reply(0x4840D6, squawk, status))
    assert fields[TYPE] == "6" and fields[HEX] == "4840D6"
    assert fields[SQUAWK:] == [squawk, alert, emergency, spi, ground]


def test_surveillance_altitude_is_msg_5() -> None:
    [fields] = lines_for(encode.altitude_reply(0x4840D6, 36000, 0))
    assert fields[TYPE] == "5" and fields[ALTITUDE] == "36000"
    assert fields[SQUAWK:] == ["", "0", "", "0", "0"]


def test_air_to_air_is_msg_7_and_all_call_msg_8() -> None:
    air, all_call = lines_for("02E197B00179C3", encode.all_call_reply(0x4840D6, 4))
    assert (air[TYPE], air[HEX], air[ALTITUDE], air[GROUND]) == ("7", "4B18FE", "37000", "0")
    assert (all_call[TYPE], all_call[HEX], all_call[GROUND]) == ("8", "4840D6", "-1")


def test_messages_sbs_has_no_line_for_give_none() -> None:
    # TC 31, operational status: dump1090-fa writes no SBS line for it either
    assert lines_for(encode.df17(0x4840D6, 31 << 51)) == []


def acas_reply(icao: int, altitude_code13: int, *, on_ground: bool, long: bool) -> str:
    """DF0 (short) or DF16 (long) air-air surveillance, laid out by hand (ICAO Annex 10
    vol. IV 3.1.2.8.2): DF 5 bits, VS 1 (1: on the ground), then CC/spare/SL/RI/spare
    fields left 0, AC 13 bits at bits 20-32, DF16's 56-bit MV, and the address overlaid
    on the parity (pyModeS' CRC, not ours)."""
    df = 16 if long else 0
    bits = 112 if long else 56
    head = (df << (bits - 5)) | (int(on_ground) << (bits - 6)) \
        | (altitude_code13 << (bits - 32))
    body = f"{head >> 24:0{(bits - 24) // 4}X}"
    parity = crc(body + "000000") ^ icao
    return body + f"{parity:06X}"


# 2000 ft in 25-ft steps: N = (2000 + 1000) / 25 = 120 = 000011 1 1000, laid out as
# 000011, M 0, 1, Q 1, 1000 = 0x01B8.
@pytest.mark.parametrize("long", [False, True], ids=["DF0", "DF16"])
@pytest.mark.parametrize(("on_ground", "flag"), [(True, "-1"), (False, "0")])
def test_air_to_air_on_the_ground_sets_the_on_ground_flag(long: bool, on_ground: bool,
                                                           flag: str) -> None:
    """Issue 14, fault 2: the vertical status bit of DF0/DF16 gives SBS' on-ground flag
    (dump1090-fa: -1 on the ground, 0 airborne); it was never set."""
    frame = acas_reply(0x4840D6, 0x01B8, on_ground=on_ground, long=long)
    [fields] = lines_for(frame)
    assert (fields[TYPE], fields[HEX]) == ("7", "4840D6")
    assert fields[ALTITUDE] == "2000"
    assert fields[GROUND] == flag
