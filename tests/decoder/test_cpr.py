"""CPR positions: frames from the literature with their published positions, and the
pair window, reference, range and speed rules on top of them.

Published values: "The 1090 MHz Riddle" (J. Sun), airborne position chapter, for the
40621D pair (even newer: 52.25720, 3.91937; odd newer: latitude 52.26578; the even frame
alone with reference 52.258, 3.918: the same as the pair); pyModeS' tests for the 40058B
pair (odd newer: 49.81755, 6.08442; its even frame with reference 49.0, 6.0: 49.82410,
6.06785) and the Christchurch surface pair C8200A (reference -43.496, 172.558, odd
newer: -43.48564, 172.53942; the odd frame alone with reference -43.5, 172.5: the same).
The book prints the surface frames with zero parity; only their CPR fields are used.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adsbwatch.decoder.messages.cpr import CprConfig, CprFrame, CprTrack, Fix, Rejection, locate
from adsbwatch.decoder.messages.geo import distance_km
from adsbwatch.decoder.sim import encode

BOOK_EVEN = "8D40621D58C382D690C8AC2863A7"
BOOK_ODD = "8D40621D58C386435CC412692AD6"
BOOK_EVEN_NEWER = (52.25720, 3.91937)
BOOK_ODD_NEWER_LAT = 52.26578
PYMODES_EVEN = "8D40058B58C901375147EFD09357"
PYMODES_ODD = "8D40058B58C904A87F402D3B8C59"
PYMODES_ODD_NEWER = (49.81755, 6.08442)
SURFACE_EVEN = "8CC8200A3AC8F009BCDEF2000000"
SURFACE_ODD = "8FC8200A3AB8F5F893096B000000"
CHRISTCHURCH = (-43.48564, 172.53942)


def cpr_fields(frame_hex: str) -> tuple[bool, int, int]:
    """(odd, lat, lon) from the 56-bit ME field: F is its bit 22, then 17 + 17 bits."""
    me = int(frame_hex[8:22], 16)
    return bool(me >> 34 & 1), me >> 17 & 0x1FFFF, me & 0x1FFFF


def frame(frame_hex: str, t: float, surface: bool = False) -> CprFrame:
    odd, lat, lon = cpr_fields(frame_hex)
    return CprFrame(t, odd, lat, lon, surface)


def near(result: Fix | Rejection | None, lat: float, lon: float, tol: float = 1e-5) -> bool:
    assert result is not None
    return result.lat == pytest.approx(lat, abs=tol) and result.lon == pytest.approx(lon,
                                                                                 abs=tol)


def test_the_fields_are_read_as_the_book_prints_them() -> None:
    assert cpr_fields(BOOK_EVEN) == (False, 93000, 51372)
    assert cpr_fields(BOOK_ODD) == (True, 74158, 50194)
    assert cpr_fields(SURFACE_EVEN) == (False, 1246, 57074)
    assert cpr_fields(SURFACE_ODD) == (True, 64585, 67947)


def test_a_global_pair_with_the_even_frame_newer() -> None:
    track = CprTrack()
    assert locate(track, frame(BOOK_ODD, 0.0), CprConfig()) is None  # half a pair
    fix = locate(track, frame(BOOK_EVEN, 2.0), CprConfig())
    assert isinstance(fix, Fix) and near(fix, *BOOK_EVEN_NEWER)
    assert fix.range_km is None  # no receiver position known
    assert track.last == fix


def test_a_global_pair_with_the_odd_frame_newer() -> None:
    track = CprTrack()
    locate(track, frame(BOOK_EVEN, 0.0), CprConfig())
    fix = locate(track, frame(BOOK_ODD, 2.0), CprConfig())
    assert isinstance(fix, Fix) and fix.lat == pytest.approx(BOOK_ODD_NEWER_LAT, abs=1e-5)
    track = CprTrack()
    locate(track, frame(PYMODES_EVEN, 0.0), CprConfig())
    assert near(locate(track, frame(PYMODES_ODD, 5.0), CprConfig()), *PYMODES_ODD_NEWER)


def test_frames_further_apart_than_the_window_do_not_pair() -> None:
    track = CprTrack()
    locate(track, frame(BOOK_ODD, 0.0), CprConfig())
    assert near(locate(track, frame(BOOK_EVEN, 10.0), CprConfig()), *BOOK_EVEN_NEWER)
    track = CprTrack()
    locate(track, frame(BOOK_ODD, 0.0), CprConfig())
    assert locate(track, frame(BOOK_EVEN, 10.01), CprConfig()) is None


def test_a_lone_frame_decodes_locally_from_a_young_last_fix_only() -> None:
    config = CprConfig(receiver=(52.258, 3.918))
    track = CprTrack()
    locate(track, frame(BOOK_ODD, 0.0), config)
    locate(track, frame(BOOK_EVEN, 2.0), config)
    # 15 s after the odd frame: too late to pair, young enough (13 s) to decode locally.
    fix = locate(track, frame(BOOK_EVEN, 15.0), config)
    assert isinstance(fix, Fix) and near(fix, *BOOK_EVEN_NEWER) and fix.t == 15.0
    # 40 s: the last fix is 25 s old, still a reference; at 75 s (35 s) it is not, and an
    # airborne aircraft that had a fix waits for a pair rather than use the receiver.
    assert isinstance(locate(track, frame(BOOK_EVEN, 40.0), config), Fix)
    assert locate(track, frame(BOOK_EVEN, 75.0), config) is None


def test_a_first_airborne_fix_from_the_receivers_position() -> None:
    fix = locate(CprTrack(), frame(BOOK_EVEN, 0.0), CprConfig(receiver=(52.258, 3.918)))
    assert isinstance(fix, Fix) and near(fix, *BOOK_EVEN_NEWER)
    assert fix.range_km == pytest.approx(distance_km(52.258, 3.918, *BOOK_EVEN_NEWER), abs=0.01)
    fix = locate(CprTrack(), frame(PYMODES_EVEN, 0.0), CprConfig(receiver=(49.0, 6.0)))
    assert isinstance(fix, Fix) and near(fix, 49.82410, 6.06785)


def test_a_receiver_fix_beyond_180_nm_is_refused_but_a_pair_is_not() -> None:
    config = CprConfig(receiver=(55.2, 3.9))  # 327 km north of the book's aircraft
    track = CprTrack()
    refused = locate(track, frame(BOOK_ODD, 0.0), config)
    assert isinstance(refused, Rejection)
    assert refused.lat == pytest.approx(BOOK_ODD_NEWER_LAT, abs=1e-5)  # decoded right
    fix = locate(track, frame(BOOK_EVEN, 2.0), config)  # the pair is unambiguous
    assert isinstance(fix, Fix) and near(fix, *BOOK_EVEN_NEWER)
    assert fix.range_km == pytest.approx(327, abs=1)


def test_a_position_beyond_the_maximum_range_is_rejected() -> None:
    config = CprConfig(receiver=(55.2, 3.9), max_range_km=300)
    track = CprTrack()
    locate(track, frame(BOOK_ODD, 0.0), config)
    assert isinstance(locate(track, frame(BOOK_EVEN, 2.0), config), Rejection)
    assert track.last is None


def test_surface_positions_need_a_reference_even_in_a_pair() -> None:
    blind = CprTrack()
    assert locate(blind, frame(SURFACE_EVEN, 0.0, surface=True), CprConfig()) is None
    assert locate(blind, frame(SURFACE_ODD, 2.0, surface=True), CprConfig()) is None
    config = CprConfig(receiver=(-43.496, 172.558))
    track = CprTrack()
    first = locate(track, frame(SURFACE_EVEN, 0.0, surface=True), config)
    assert isinstance(first, Fix)  # a lone surface frame decodes from the receiver
    pair = locate(track, frame(SURFACE_ODD, 2.0, surface=True), config)
    assert isinstance(pair, Fix) and near(pair, *CHRISTCHURCH, tol=1e-3)
    # 38 s after the last fix (too old to be a reference): the receiver's position serves.
    later = locate(track, frame(SURFACE_ODD, 40.0, surface=True), config)
    assert isinstance(later, Fix) and near(later, *CHRISTCHURCH, tol=1e-3)
    alone = locate(CprTrack(), frame(SURFACE_ODD, 0.0, surface=True),
                   CprConfig(receiver=(-43.5, 172.5)))
    assert near(alone, *CHRISTCHURCH, tol=1e-3)


def test_an_airborne_and_a_surface_frame_do_not_pair() -> None:
    track = CprTrack()
    locate(track, frame(BOOK_ODD, 0.0, surface=True), CprConfig())
    assert locate(track, frame(BOOK_EVEN, 2.0), CprConfig()) is None


def encoded(lat: float, lon: float, odd: bool, t: float) -> CprFrame:
    """A frame made by our encoder (independent of the decoding under test)."""
    yz, xz = encode.cpr_airborne(lat, lon, odd)
    return CprFrame(t, odd, yz, xz, False)


def test_three_rejections_in_a_row_drop_the_reference() -> None:
    track, config = CprTrack(), CprConfig()
    locate(track, frame(BOOK_ODD, 0.0), config)
    start = locate(track, frame(BOOK_EVEN, 2.0), config)
    assert isinstance(start, Fix)
    # 60 km north 11-13 s later: 1500 kt covers 8.5 km plus 2 km of slack. Each fix is
    # refused and the last one is kept, until the third in a row says it was the bad one.
    elsewhere = (52.80, 3.92)
    first = locate(track, encoded(*elsewhere, odd=False, t=13.0), config)  # local
    second = locate(track, encoded(*elsewhere, odd=True, t=14.0), config)  # a pair
    assert isinstance(first, Rejection) and isinstance(second, Rejection)
    assert near(first, *elsewhere, tol=1e-4) and near(second, *elsewhere, tol=1e-4)
    assert track.last == start and track.failures == 2
    third = locate(track, encoded(*elsewhere, odd=False, t=15.0), config)
    assert isinstance(third, Rejection)
    assert track.last is None and track.failures == 0
    fix = locate(track, encoded(*elsewhere, odd=True, t=16.0), config)
    assert isinstance(fix, Fix) and near(fix, *elsewhere, tol=1e-4)


def test_a_good_fix_clears_the_rejections() -> None:
    track, config = CprTrack(), CprConfig()
    locate(track, frame(BOOK_ODD, 0.0), config)
    locate(track, frame(BOOK_EVEN, 2.0), config)
    assert isinstance(locate(track, encoded(52.80, 3.92, odd=False, t=13.0), config), Rejection)
    # 1 km from the last fix 12 s later: plausible.
    assert isinstance(locate(track, encoded(52.2662, 3.9194, odd=False, t=14.0), config), Fix)
    assert track.failures == 0


@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180))
def test_the_speed_checks_quick_bound_is_never_shorter_than_the_distance(
        lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    """The plausibility check trusts the bound when it is inside the limit: a bound
    shorter than the great-circle distance would let an implausible jump through."""
    from adsbwatch.decoder.messages.cpr import _distance_bound_km

    assert _distance_bound_km(lat1, lon1, lat2, lon2) >= distance_km(lat1, lon1, lat2, lon2) - 1e-9
