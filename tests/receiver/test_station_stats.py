"""The station's one statistics accumulator: minute buckets on the station's clock, the
periods stats.json shows, the interval the stats line shows, the minutes stored, and the
noise as dump1090-fa defines it (the mean power of every sample, dBFS)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.receiver.station.stats import (
    KEPT_MINUTES,
    LEVEL_LO_DB,
    SourceCounts,
    StationStats,
)

M = 1000 * 60.0  # a minute's start (UNIX seconds)


def batch(epoch0: float, frames: list[tuple[float, int, float]], until_s: float,
          sample_power: float = 0.0, samples: int = 0, fixed: list[int] | None = None,
          ) -> FrameBatch:
    """Frames as (UNIX time, downlink format, level in full-scale units; NaN: none)."""
    msg = np.zeros((len(frames), 14), np.uint8)
    msg[:, 0] = [df << 3 for _, df, _ in frames]
    ticks = np.array([round((t - epoch0) * CLOCK_HZ) for t, _, _ in frames], np.int64)
    level = np.array([lv for _, _, lv in frames], np.float32)
    return FrameBatch(msg=msg, ticks=ticks, level=level,
                      fixed=np.array(fixed or [0] * len(frames), np.uint8),
                      until_ticks=round((until_s - epoch0) * CLOCK_HZ),
                      sample_power=sample_power, samples=samples)


def test_frames_go_to_the_minute_of_their_own_time() -> None:
    stats = StationStats(M - 1.0)
    stats.on_frames(batch(M - 1.0, [(M - 0.4, 17, 0.5), (M - 0.1, 11, 0.05),
                                    (M + 0.1, 4, 1e-4), (M + 0.4, 17, 1.0)], M + 0.5,
                          fixed=[0, 1, 0, 2]),
                    M - 1.0, SourceCounts(samples=1000))
    before, after = stats.minutes[int(M // 60) - 1], stats.minutes[int(M // 60)]
    assert (before.frames, after.frames) == (2, 2)
    assert before.by_df[17] == 1 and before.by_df[11] == 1 and after.by_df[4] == 1
    assert after.accepted.tolist() == [1, 0, 1] and before.accepted.tolist() == [1, 1, 0]
    # The levels in 1-dB bins: 0.5 is -6.02 dBFS (bin -7), 1.0 is 0 dBFS (bin 0).
    assert before.levels[-7 - LEVEL_LO_DB] == 1 and after.levels[0 - LEVEL_LO_DB] == 1
    assert after.peak_dbfs == 0.0 and after.strong == 1  # above -3 dBFS
    # The samples' count goes with the minute the batch ended in.
    assert (before.samples, after.samples) == (0, 1000)
    assert stats.total.frames == 4 and stats.total.samples == 1000


def test_noise_is_the_mean_power_of_the_samples_weighted_by_their_number() -> None:
    stats = StationStats(M)
    stats.on_frames(batch(M, [], M + 0.5, sample_power=1e-4, samples=1_000_000), M,
                    SourceCounts(samples=1_000_000))
    stats.on_frames(batch(M, [], M + 0.6, sample_power=1e-3, samples=250_000), M,
                    SourceCounts(samples=1_250_000))
    mean = (1e-4 * 1_000_000 + 1e-3 * 250_000) / 1_250_000  # 2.8e-4
    assert stats.total.noise_dbfs == round(10 * math.log10(mean), 1) == -35.5


def test_frames_without_a_level_count_but_give_no_signal() -> None:
    stats = StationStats(M)
    stats.on_frames(batch(M, [(M + 1, 17, float("nan")), (M + 2, 17, 0.1)], M + 3), M,
                    SourceCounts())
    assert stats.total.frames == 2 and stats.total.levelled == 1
    assert stats.total.signal_dbfs == -20.0 and stats.total.peak_dbfs == -20.0
    assert stats.total.levels.sum() == 1


def test_periods_add_finished_minutes_and_latest_is_the_one_under_way() -> None:
    stats = StationStats(M)
    for second in range(1, 131):  # 130 s, one DF17 frame each second
        t = M + second
        stats.on_frames(batch(M, [(t - 0.5, 17, 0.5)], t), M,
                        SourceCounts(samples=second * 2_400_000))
    assert stats.period(1).frames == 60 and stats.period(1).start == M + 60
    assert stats.period(5).frames == 120  # both finished minutes
    assert stats.current().frames == 10 and stats.current().start == M + 120
    assert stats.total.frames == 130 and stats.total.samples == 130 * 2_400_000
    # Listening time: the clock's steps, split over the minutes.
    assert stats.minutes[int(M // 60) + 1].seconds == pytest.approx(60.0)


def test_the_stats_line_interval_is_what_the_total_gained_since_its_mark() -> None:
    stats = StationStats(M)
    stats.on_frames(batch(M, [(M + 1, 17, 0.5)], M + 2), M, SourceCounts(samples=10))
    mark = stats.mark()
    stats.on_frames(batch(M, [(M + 3, 11, 0.25), (M + 4, 4, 0.1)], M + 5), M,
                    SourceCounts(samples=25, dropped=3))
    since = stats.since(mark)
    assert since.frames == 2 and since.by_df[11] == 1 and since.by_df[17] == 0
    assert (since.samples, since.dropped) == (15, 3)


def test_decoded_counts_and_tracker_counts_go_to_the_minute_and_the_total() -> None:
    stats = StationStats(M)
    tracker = Tracker()
    tracker.counts.global_positions = 3
    tracker.counts.tracks = 2
    stats.on_decoded(M + 10, messages=5, undecodable=1, tracker=tracker, ranges_km=[12.5, 40.0])
    tracker.counts.global_positions = 4
    stats.on_decoded(M + 70, messages=2, undecodable=0, tracker=tracker, ranges_km=[])
    first, second = stats.minutes[int(M // 60)], stats.minutes[int(M // 60) + 1]
    assert (first.messages, first.positions, first.tracks) == (5, 3, 2)
    assert (second.messages, second.positions, second.tracks) == (2, 1, 0)
    assert first.max_distance_m == 40000.0 and second.max_distance_m == 0.0
    assert (stats.total.messages, stats.total.positions) == (7, 4)


def test_frames_of_a_minute_long_gone_are_counted_in_the_total_only() -> None:
    stats = StationStats(M)
    stats.on_frames(batch(M, [(M + 1, 17, 0.5)], M + 2), M, SourceCounts())
    later = M + 60 * (KEPT_MINUTES + 2)
    stats.on_frames(batch(M, [(later, 17, 0.5)], later + 1), M, SourceCounts())
    stats.on_frames(batch(M, [(M + 3, 11, 0.5)], later + 2), M, SourceCounts())  # late
    assert int(M // 60) not in stats.minutes
    assert stats.total.frames == 3 and stats.total.late_frames == 1


def test_touched_minutes_are_each_handed_out_once_per_change() -> None:
    stats = StationStats(M)
    stats.on_frames(batch(M, [(M + 1, 17, 0.5), (M + 61, 17, 0.5)], M + 62), M,
                    SourceCounts())
    assert [b.start for b in stats.take_touched()] == [M, M + 60]
    assert stats.take_touched() == []
    stats.on_frames(batch(M, [(M + 63, 17, 0.5)], M + 64), M, SourceCounts())
    assert [b.start for b in stats.take_touched()] == [M + 60]
