"""The one aircraft table: what every output shows of an aircraft is in it (signal,
accuracy and integrity, address type, the autopilot's selections), departed aircraft are
kept within a count and an age, and a wrong receiver position is found out."""

from __future__ import annotations

import math

import pytest

from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.message import (
    AirborneVelocity,
    CommB,
    CommBData,
    OperationalStatus,
    TargetState,
)
from adsbwatch.decoder.messages.tracker import Tracker, TrackerConfig
from adsbwatch.decoder.sim import encode

ICAO = 0x4D2023
SCHIPHOL = (52.3086, 4.7639)


def feed(tracker: Tracker, t: float, frame: bytes, power: float = math.nan):  # type: ignore[no-untyped-def]
    return tracker.update(t, decode(frame), power)


def test_the_signal_is_the_mean_power_of_the_last_eight_frames_with_a_level() -> None:
    tr = Tracker()
    frame = encode.all_call_reply(ICAO)
    for power in (1.0, 1.0, 1.0, 1.0, 1e-4, 1e-4, 1e-4, 1e-4):
        feed(tr, 0.0, frame, power)
    feed(tr, 0.0, frame)  # no level (a peer that sends none): left out
    ac = tr.aircraft[ICAO]
    assert ac.rssi == pytest.approx(10 * math.log10((4 + 4e-4) / 8), abs=1e-9)
    for _ in range(4):  # the four strong ones pushed out of the ring
        feed(tr, 0.0, frame, 1e-4)
    assert ac.rssi == pytest.approx(-40.0, abs=1e-9)
    assert ac.messages == 13


def test_version_0_is_assumed_and_its_accuracy_comes_from_the_position_type_code() -> None:
    """As dump1090-fa: version 0 until an operational status says otherwise, and NACp
    and SIL from the type code (TC 11: NACp 8, SIL 2; NIC 8, Rc 186 m for version 0)."""
    tr = Tracker()
    feed(tr, 0.0, encode.airborne_position(ICAO, 52.3, 4.8, 30000, odd=False, type_code=11))
    feed(tr, 1.0, encode.airborne_position(ICAO, 52.3, 4.8, 30000, odd=True, type_code=11))
    ac = tr.aircraft[ICAO]
    assert (ac.version, ac.nac_p, ac.sil, ac.sil_type) == (0, 8, 2, "unknown")
    assert (ac.nic, ac.rc) == (8, 186)
    assert ac.address_type == "adsb_icao"


def test_an_operational_status_sets_the_version_and_integrity() -> None:
    tr = Tracker()
    tr.update(0.0, OperationalStatus(17, ICAO, "adsb_icao", False, 2, 1, 10, 3, True, 1, 2))
    ac = tr.aircraft[ICAO]
    assert (ac.version, ac.nic_a, ac.nac_p, ac.sil, ac.sil_type, ac.nic_baro, ac.gva) == \
        (2, 1, 10, 3, "persample", 1, 2)
    # TC 11 with NIC-A and NIC-B, version 2: NIC 9, Rc 75 m; no longer version 0's NACp.
    feed(tr, 1.0, encode.airborne_position(ICAO, 52.3, 4.8, 30000, odd=False, type_code=11))
    feed(tr, 2.0, encode.airborne_position(ICAO, 52.3, 4.8, 30000, odd=True, type_code=11))
    assert ac.nac_p == 10


def test_target_state_sets_the_autopilot_selections() -> None:
    tr = Tracker()
    tr.update(0.0, TargetState(17, ICAO, "adsb_icao", 35008, "MCP", 1013.6, 270.0, 9, 1, 3,
                               ("autopilot", "lnav")))
    ac = tr.aircraft[ICAO]
    assert (ac.nav_altitude_mcp, ac.nav_qnh, ac.nav_heading, ac.nav_modes) == \
        (35008, 1013.6, 270.0, ("autopilot", "lnav"))
    assert ac.version == 2 and ac.nac_p == 9


def test_comm_b_speeds_count_only_while_no_ads_b_velocity_is_recent() -> None:
    tr = Tracker()
    bds60 = CommB(20, ICAO, 0, 30000, None, "6,0",
                  CommBData(magnetic_heading=120.0, indicated_airspeed=250,
                            baro_vertical_rate=-512))
    tr.update(0.0, bds60)
    ac = tr.aircraft[ICAO]
    assert (ac.baro_rate, ac.indicated_airspeed, ac.magnetic_heading) == (-512, 250, 120.0)
    tr.update(1.0, AirborneVelocity(17, ICAO, "adsb_icao", 1, 300.0, 90.0, None, None, None,
                                    1024, "BARO", 100, 2))
    tr.update(2.0, bds60)
    assert ac.baro_rate == 1024  # the ADS-B rate stands
    tr.update(100.0, bds60)  # a minute and more later: Comm-B's again
    assert ac.baro_rate == -512


def test_an_ads_b_gnss_rate_leaves_comm_b_baro_rate_standing() -> None:
    """Issue 14, fault 4: modes1's 4d2023 sends its vertical rate over ADS-B from GNSS
    only; its BDS 6,0 replies give the barometric one, which aircraft.json lacked
    (readsb and dump1090-fa keep each figure's own source)."""
    tr = Tracker()
    tr.update(0.0, AirborneVelocity(17, ICAO, "adsb_icao", 1, 300.0, 90.0, None, None, None,
                                    -1728, "GNSS", 100, 2))
    tr.update(1.0, CommB(20, ICAO, 0, 30000, None, "6,0",
                         CommBData(baro_vertical_rate=-1600, inertial_vertical_rate=-1500)))
    ac = tr.aircraft[ICAO]
    assert (ac.baro_rate, ac.geom_rate) == (-1600, -1728)  # ADS-B's GNSS rate stands


def test_df18_control_field_gives_the_address_type_and_a_better_one_wins() -> None:
    tr = Tracker()
    df18 = bytearray(encode.identification(ICAO, "TEST1"))
    df18[0] = 18 << 3 | 2  # TIS-B with an ICAO address
    from adsbwatch.decoder.frames.crc import syndrome_of

    body = bytes(df18[:11]) + b"\0\0\0"
    df18[11:] = syndrome_of(body).to_bytes(3, "big")
    feed(tr, 0.0, bytes(df18))
    ac = tr.aircraft[ICAO]
    assert ac.address_type == "tisb_icao" and not ac.non_icao
    feed(tr, 1.0, encode.identification(ICAO, "TEST1"))  # DF17: more direct
    assert ac.address_type == "adsb_icao"


def test_departed_aircraft_are_kept_within_a_count_and_an_age() -> None:
    tr = Tracker(TrackerConfig(expire_s=60, departed_kept=3, departed_age_s=600))
    for i in range(5):
        feed(tr, float(i), encode.all_call_reply(0x100000 + i))
    tr.expire(100.0)
    assert tr.aircraft == {}
    assert list(tr.departed) == [0x100002, 0x100003, 0x100004]  # the newest three
    assert [a.icao for a in tr.all_aircraft()] == [0x100004, 0x100003, 0x100002]
    tr.expire(603.5)  # 0x100002 and 0x100003 went silent more than 600 s ago
    assert list(tr.departed) == [0x100004]
    feed(tr, 610.0, encode.all_call_reply(0x100004))  # heard again: back in the table
    assert list(tr.departed) == [] and 0x100004 in tr.aircraft
    assert tr.counts.tracks == 6 and tr.counts.single_message_tracks == 5


@pytest.mark.parametrize(("given", "hint"), [
    ((4.7639, 52.3086), "--lat and --lon swapped"),
    ((52.3086, -4.7639), "a longitude with its sign turned"),
])
def test_a_wrong_receiver_position_is_said_once_and_positions_go_on(
        given: tuple[float, float], hint: str) -> None:
    tr = Tracker(TrackerConfig(receiver=given))
    fixes = 0
    for n, icao in enumerate((0x484506, 0x4840D6, 0x485020, 0x40621D)):
        lat, lon = SCHIPHOL[0] + 0.1 * n, SCHIPHOL[1] - 0.2 * n
        for k in range(4):
            u = feed(tr, 10.0 * n + k, encode.airborne_position(icao, lat, lon, 30000,
                                                                odd=k % 2 == 1))
            fixes += u.position is not None
    check = tr.receiver_check
    assert check is not None and check.doubt is not None
    assert hint in check.doubt and "positions are decoded without it" in check.doubt
    assert tr.config.receiver is None
    assert fixes >= 3  # the aircraft after the third have positions again
    last = tr.aircraft[0x40621D]
    assert last.lat == pytest.approx(SCHIPHOL[0] + 0.3, abs=1e-3)


def test_a_right_receiver_position_is_never_doubted() -> None:
    tr = Tracker(TrackerConfig(receiver=SCHIPHOL))
    for n, icao in enumerate((0x484506, 0x4840D6, 0x485020, 0x40621D)):
        for k in range(4):
            feed(tr, 10.0 * n + k, encode.airborne_position(icao, 52.0 + 0.2 * n, 4.5, 30000,
                                                            odd=k % 2 == 1))
    assert tr.receiver_check is not None and tr.receiver_check.doubt is None
    assert tr.config.receiver == SCHIPHOL and tr.counts.rejected_positions == 0
