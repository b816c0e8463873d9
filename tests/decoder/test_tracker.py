"""The tracker: identity, velocity, squawk and CPR positions from decoded messages."""

from __future__ import annotations

import pytest

from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.geo import distance_km
from adsbwatch.decoder.messages.tracker import Tracker, TrackerConfig
from adsbwatch.decoder.sim import encode

ICAO = 0x484506
SCHIPHOL = (52.3086, 4.7639)


def feed(tracker: Tracker, t: float, frame: bytes | str):  # type: ignore[no-untyped-def]
    return tracker.update(t, decode(bytes.fromhex(frame) if isinstance(frame, str) else frame),
                          0.1)  # -10 dBFS


def test_identity_velocity_squawk_and_changes() -> None:
    tr = Tracker()
    u = feed(tr, 0.0, encode.identification(ICAO, "NAF01", category=0xA5))
    assert [(c.kind, c.new) for c in u.changes] == [("callsign", "NAF01")]
    feed(tr, 0.5, encode.airborne_velocity(ICAO, 420, 90.0, -1024))
    u = feed(tr, 1.0, encode.identity_reply(ICAO, "1234"))
    assert [(c.kind, c.old, c.new) for c in u.changes] == [("squawk", None, "1234")]
    u = feed(tr, 2.0, encode.aircraft_status(ICAO, "7700"))
    kinds = {(c.kind, c.new) for c in u.changes}
    assert ("squawk", "7700") in kinds and ("emergency", "general emergency") in kinds
    u = feed(tr, 3.0, encode.altitude_reply(ICAO, 24000))
    ac = tr.aircraft[ICAO]
    assert (ac.callsign, ac.category, ac.squawk, ac.altitude) == ("NAF01", "A5", "7700", 24000)
    assert ac.groundspeed == pytest.approx(420, abs=1)
    assert ac.track == pytest.approx(90.0, abs=0.5)
    assert ac.vertical_rate == -1024
    assert ac.messages == 5 and list(tr.aircraft) == [ICAO]


def test_global_pair_then_local_positions() -> None:
    tr = Tracker()
    lat, lon = 52.6, 4.9
    first = feed(tr, 0.0, encode.airborne_position(ICAO, lat, lon, 30000, odd=False))
    assert first.position is None
    u = feed(tr, 0.5, encode.airborne_position(ICAO, lat + 0.001, lon, 30000, odd=True))
    assert u.position is not None
    assert distance_km(u.position.lat, u.position.lon, lat + 0.001, lon) < 0.01
    assert u.position.alt == 30000
    # A lone frame later decodes locally against that fix.
    u = feed(tr, 12.0, encode.airborne_position(ICAO, lat + 0.02, lon, 30100, odd=False))
    assert distance_km(u.position.lat, u.position.lon, lat + 0.02, lon) < 0.01


def test_receiver_reference_gives_the_first_frame_a_position() -> None:
    tr = Tracker(TrackerConfig(receiver=SCHIPHOL))
    u = feed(tr, 0.0, encode.airborne_position(ICAO, 52.5, 5.2, 12000, odd=True))
    assert distance_km(u.position.lat, u.position.lon, 52.5, 5.2) < 0.01


def test_surface_positions_need_a_reference() -> None:
    frames = [encode.surface_position(ICAO, 52.31, 4.76, 12, 180.0, odd=False),
              encode.surface_position(ICAO, 52.3101, 4.76, 12, 180.0, odd=True)]
    blind = Tracker()
    assert all(feed(blind, t, f).position is None for t, f in enumerate(frames))
    tr = Tracker(TrackerConfig(receiver=SCHIPHOL))
    positions = [feed(tr, t, f).position for t, f in enumerate(frames)]
    assert positions[-1] is not None and positions[-1].on_ground
    assert distance_km(positions[-1].lat, positions[-1].lon, 52.3101, 4.76) < 0.005


def test_impossible_jump_is_rejected_and_counted() -> None:
    tr = Tracker()
    feed(tr, 0.0, encode.airborne_position(ICAO, 52.6, 4.9, 30000, odd=False))
    assert feed(tr, 0.5, encode.airborne_position(ICAO, 52.6, 4.9, 30000, odd=True)).position
    # 60 km one second later: a corrupted frame, not an aircraft.
    u = feed(tr, 1.5, encode.airborne_position(ICAO, 53.14, 4.9, 30000, odd=False))
    assert u.position is None
    assert tr.rejected_positions == 1 and tr.aircraft[ICAO].rejected_positions == 1
    assert tr.aircraft[ICAO].lat == pytest.approx(52.6, abs=0.001)


def test_out_of_range_position_is_rejected() -> None:
    tr = Tracker(TrackerConfig(receiver=SCHIPHOL, max_range_km=300))
    feed(tr, 0.0, encode.airborne_position(ICAO, 40.0, 4.9, 30000, odd=False))
    u = feed(tr, 0.5, encode.airborne_position(ICAO, 40.0, 4.9, 30000, odd=True))
    assert u.position is None and tr.rejected_positions >= 1


def test_expiry_on_the_sample_clock() -> None:
    tr = Tracker(TrackerConfig(expire_s=60))
    feed(tr, 0.0, encode.all_call_reply(ICAO))
    assert tr.expire(59.0) == [] and ICAO in tr.aircraft
    assert [a.icao for a in tr.expire(61.0)] == [ICAO] and ICAO not in tr.aircraft


def test_all_call_capability_says_ground_or_air() -> None:
    tr = Tracker()
    feed(tr, 0.0, encode.all_call_reply(ICAO, ca=4))
    assert tr.aircraft[ICAO].on_ground
    feed(tr, 1.0, encode.all_call_reply(ICAO, ca=5))
    assert not tr.aircraft[ICAO].on_ground


def test_frames_from_the_literature_track_to_their_published_values() -> None:
    """pyModeS' documented frames (README, tests) and "The 1090 MHz Riddle" pair:
    EZY85MH; 159 kt, 182.88 deg, -832 ft/min; 375 kt TAS, 243.98 deg, -2304 ft/min;
    52.25720 N 3.91937 E at 38000 ft."""
    tr = Tracker()
    feed(tr, 0.0, "8D406B902015A678D4D220AA4BDA")
    assert tr.aircraft[0x406B90].callsign == "EZY85MH"
    feed(tr, 0.0, "8D485020994409940838175B284F")
    ac = tr.aircraft[0x485020]
    assert (ac.groundspeed, ac.vertical_rate) == (159, -832)
    assert ac.track == pytest.approx(182.88, abs=0.01)
    feed(tr, 0.0, "8DA05F219B06B6AF189400CBC33F")
    ac = tr.aircraft[0xA05F21]
    assert (ac.true_airspeed, ac.vertical_rate) == (375, -2304)
    assert ac.magnetic_heading == pytest.approx(243.98, abs=0.01)
    assert feed(tr, 0.0, "8D40621D58C386435CC412692AD6").position is None
    u = feed(tr, 2.0, "8D40621D58C382D690C8AC2863A7")
    assert u.position is not None and u.position.alt == 38000
    assert (u.position.lat, u.position.lon) == (pytest.approx(52.25720, abs=1e-5),
                                                pytest.approx(3.91937, abs=1e-5))
    ac = tr.aircraft[0x40621D]
    assert (ac.lat, ac.lon, ac.position_t, ac.positions) == (u.position.lat, u.position.lon,
                                                             2.0, 1)
