"""The numbers behind the report's plots, folded from rows placed where the answer is
known: positions at set bearings and ranges, minutes with set counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adsbwatch.receiver.store.rows import MinuteRow
from adsbwatch.receiver.ui.plots import coverage, messages, signal

RECEIVER = (52.0, 5.0)
R_KM = 6371.0088


def destination(start: tuple[float, float], bearing: float, km: float) -> tuple[float, float]:
    """The point `km` away along the great circle leaving `start` at `bearing`."""
    p1, l1, b, d = (math.radians(start[0]), math.radians(start[1]), math.radians(bearing),
                    km / R_KM)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1),
                         math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def test_coverage_keeps_the_farthest_point_of_each_band_in_each_sector() -> None:
    rows = []
    for bearing, km, alt in [(2.5, 100, 5000), (2.5, 150, None), (2.5, 120, 25000),
                             (92.5, 200, 35000), (92.5, 80, 35000), (181, 60, 10000),
                             (359.9, 42, 31000)]:
        rows.append((*destination(RECEIVER, bearing, km), alt))
    cover = coverage.coverage_of([rows[:3], rows[3:]], RECEIVER)  # two chunks
    expected = np.full((coverage.SECTORS, 4), np.nan)
    expected[0, 0] = 150  # no altitude: the lowest band
    expected[0, 2] = 120
    expected[18, 3] = 200
    expected[36, 1] = 60  # 10,000 ft is not below 10,000
    expected[71, 3] = 42
    np.testing.assert_allclose(cover.farthest_km, expected, atol=1e-6)
    assert (cover.positions, cover.without_altitude, cover.max_km) == (7, 1,
                                                                       pytest.approx(200))


def test_coverage_of_no_positions_is_empty() -> None:
    cover = coverage.coverage_of([], RECEIVER)
    assert cover.max_km is None and cover.positions == 0


def minute(t: float, frames: dict[int, int], messages: int, seconds: float = 60.0,
           levels: dict[int, int] | None = None, noise: float | None = None) -> MinuteRow:
    return MinuteRow(minute=t, run_start=0.0, first_t=t, last_t=t + seconds, seconds=seconds,
                     frames=sum(frames.values()), messages=messages, frames_by_df=frames,
                     levels=levels or {}, noise_dbfs=noise)


def test_minutes_of_two_runs_add_up_and_group_by_kind() -> None:
    counter = messages.MinuteCounter()
    counter.add([minute(120.0, {17: 10, 11: 4}, 14), minute(60.0, {4: 3, 24: 1}, 3)])
    counter.add([minute(120.0, {18: 2, 21: 5}, 7, seconds=20.0)])  # a second run
    series = counter.result()
    assert series.minutes.tolist() == [60.0, 120.0]
    # ADS-B, all-call, surveillance, other
    assert series.frames.tolist() == [[0, 0, 3, 1], [12, 4, 5, 0]]
    assert series.messages.tolist() == [3, 21]
    assert series.seconds.tolist() == [60.0, 80.0]
    assert (series.total_frames, series.total_messages) == (25, 24)


def test_a_week_is_drawn_in_ten_minute_bins_of_the_minutes_heard() -> None:
    assert messages.bin_minutes(90) == 1
    assert messages.bin_minutes(7 * 1440) == 10
    assert messages.bin_minutes(365 * 1440) == 360
    counter = messages.MinuteCounter()
    # two minutes heard in the first 10-minute bin, one in the second
    counter.add([minute(600.0 * 5, {17: 10}, 10), minute(600.0 * 5 + 60, {17: 30}, 30),
                 minute(600.0 * 6 + 300, {11: 6}, 6)])
    counter.add([minute(600.0 * 8, {17: 1}, 1)])  # after a bin with nothing heard
    edges, rates = messages.binned(counter.result(), 10)
    assert edges.tolist() == [3000.0, 3600.0, 4200.0, 4800.0, 5400.0]
    # the mean of 10 and 30, not 40 / 10
    np.testing.assert_array_equal(rates[:, 0], [20.0, 0.0, np.nan, 1.0])
    np.testing.assert_array_equal(rates[:, 1], [0.0, 6.0, np.nan, 0.0])


def test_the_level_histogram_sums_bins_and_finds_the_strong_share() -> None:
    histogram = signal.LevelHistogram()
    histogram.add([minute(0.0, {17: 6}, 6, levels={-20: 3, -3: 1, -1: 2}, noise=-30.0)])
    histogram.add([minute(60.0, {17: 2}, 2, levels={-20: 1, -4: 1}, noise=-28.0)])
    assert histogram.counts == {-20: 4, -4: 1, -3: 1, -1: 2}
    assert histogram.frames == 8
    assert histogram.strong_share == pytest.approx(3 / 8)
    assert histogram.median_noise_dbfs == pytest.approx(-29.0)


def test_the_reports_aircraft_names_carry_the_registration_and_type() -> None:
    from adsbwatch.receiver.store.rows import VisitRow
    from adsbwatch.receiver.ui.plots.visits import aircraft_name

    visit = VisitRow(id=1, icao=0x484506, first_seen=0.0, last_seen=1.0, label="Dutch gov",
                     registration="PH-GOV", type_code="B737")
    assert aircraft_name(visit) == "Dutch gov (484506, PH-GOV B737)"
    visit.label = None
    assert aircraft_name(visit) == "484506 PH-GOV B737"
    visit.registration = visit.type_code = None
    assert aircraft_name(visit) == "484506"
    visit.label = "Dutch gov"
    assert aircraft_name(visit) == "Dutch gov (484506)"
