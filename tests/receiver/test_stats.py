"""The live stats line: batches of real frames through a station under a fake clock, and
the exact line the StatsLine writes of what the station's statistics say."""

from __future__ import annotations

import io

from station_support import RATE, feed, frames_batch, hand_station

from adsbwatch.decoder.sim import encode
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.ui.statsline import StatsLine

START = 1000 * 60.0  # the sample clock's zero, UNIX seconds (a minute's start)


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def advance(station: Station, clock: Clock, seconds: float, strong: int = 0,
            dropped: int = 0, cpu_share: float = 0.0) -> None:
    """`seconds` of signal at RATE arrive, as a live source and its demodulator count
    them."""
    clock.now += seconds
    totals = station.totals
    totals.samples += int(seconds * RATE)
    totals.strong_samples += strong
    totals.dropped_samples += dropped
    station.inputs[0].cpu_s += cpu_share * seconds  # type: ignore[misc]


AMC, OTHER, THIRD = 0x4D2023, 0xABCDEF, 0x400001


def test_the_line_says_what_the_interval_held() -> None:
    clock, out = Clock(), io.StringIO()
    station = hand_station(start=START, gain_db=49.6)
    line = StatsLine(station, 10.0, clock=clock, out=out)
    station.add(line)
    feed(station, frames_batch([], 0.0))  # the first tick starts the interval
    advance(station, clock, 4.0, strong=960, cpu_share=0.06)
    ident = encode.identification(AMC, "AMC421")
    # The noise is the mean power of every sample now (dump1090-fa's), no longer the
    # median magnitude of the blocks: 10^-3.2 of full scale is -32.0 dBFS.
    power = 10 ** -3.2
    feed(station, frames_batch([(1.0, ident, 0.5), (2.0, ident, 0.25),
                                (3.0, encode.all_call_reply(OTHER), 0.1),
                                (3.5, encode.altitude_reply(AMC, 30000), 0.05)], 4.0,
                               power, 4 * RATE))
    advance(station, clock, 4.0, strong=960, cpu_share=0.06)
    feed(station, frames_batch([(5.0, encode.identification(THIRD, "THIRD"), 0.7079),
                                (6.0, encode.identification(AMC, "AMC421"), 0.01),
                                (7.0, encode.all_call_reply(OTHER), 0.02)], 8.0,
                               power, 4 * RATE))
    assert out.getvalue() == ""  # 8 s: not yet
    advance(station, clock, 2.0, strong=480, dropped=16384, cpu_share=0.06)
    feed(station, frames_batch([], 10.0, power, 2 * RATE))
    # 24 M samples in 10 s; DF17 4, DF11 2, DF4 1; aircraft 4d2023, abcdef, 400001
    # heard in the last minute (the tracker's, no longer addresses counted in frames);
    # peak 0.7079 = -3.0 dBFS; strong 2400 of 24 M.
    assert out.getvalue() == (
        "adsbwatch: 2.40 MS/s, 7 frames (DF17 4, DF11 2, DF4 1), 3 aircraft, "
        "0 positions (0 rejected), noise -32.0 dBFS, peak -3.0 dBFS, strong 0.01%, "
        "gain 49.6 dB, dropped 16384 (16384 total), demod CPU 6%\n")


def test_each_line_counts_since_the_last_and_aircraft_over_the_last_minute() -> None:
    clock, out = Clock(), io.StringIO()
    station = hand_station(start=START)
    station.add(StatsLine(station, 30.0, clock=clock, out=out))
    feed(station, frames_batch([(0.0, encode.all_call_reply(1), 0.1),
                                (0.0, encode.all_call_reply(2), 0.1)], 0.0, 1e-4, 1))
    advance(station, clock, 30.0, strong=72_000, dropped=1000, cpu_share=0.1)
    feed(station, frames_batch([(30.0, encode.all_call_reply(3), 0.2)], 30.0, 1e-4,
                               30 * RATE))
    advance(station, clock, 31.0, dropped=500, cpu_share=0.05)
    feed(station, frames_batch([(61.0, encode.all_call_reply(3), 0.1)], 61.0, 1e-4,
                               31 * RATE))  # at 61 s: 1, 2 are gone
    advance(station, clock, 30.0)
    feed(station, frames_batch([], 91.0))  # at 91 s: only 3, heard at 30 s and 61 s
    # Aircraft are the tracker's heard in the last 60 s of the station's clock. The peak
    # is the strongest frame of the minutes the interval touches (the statistics keep
    # peaks by the minute): the second line's minute began with the -14 dBFS frame.
    assert out.getvalue().splitlines() == [
        "adsbwatch: 2.40 MS/s, 3 frames (DF11 3), 3 aircraft, 0 positions (0 rejected), "
        "noise -40.0 dBFS, peak -14.0 dBFS, strong 0.10%, gain ?, "
        "dropped 1000 (1000 total), demod CPU 10%",
        "adsbwatch: 2.40 MS/s, 1 frame (DF11 1), 1 aircraft, 0 positions (0 rejected), "
        "noise -40.0 dBFS, peak -14.0 dBFS, strong 0.00%, gain ?, "
        "dropped 500 (1500 total), demod CPU 5%",
        "adsbwatch: 2.40 MS/s, 0 frames, 1 aircraft, 0 positions (0 rejected), noise ?, "
        "peak ?, strong 0.00%, gain ?, dropped 0 (1500 total), demod CPU 0%",
    ]


def test_a_stalled_source_says_what_it_cannot_know() -> None:
    """No samples came: no rate of strong samples, no noise, no peak. (The station
    always knows its demodulator's CPU now: 0%, where the old sink without the
    station's totals said "?".)"""
    clock, out = Clock(), io.StringIO()
    station = hand_station(start=START, gain_db=49.6)
    station.add(StatsLine(station, 1.0, clock=clock, out=out))
    feed(station, frames_batch([], 0.0))
    clock.now += 1.0  # no samples came: a stalled dongle
    feed(station, frames_batch([], 0.0))
    assert out.getvalue() == ("adsbwatch: 0.00 MS/s, 0 frames, 0 aircraft, 0 positions "
                              "(0 rejected), noise ?, peak ?, strong ?, gain 49.6 dB, "
                              "dropped 0 (0 total), demod CPU 0%\n")


class ClosedStderr(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(5, "Input/output error")


def test_a_failed_write_is_ignored_and_the_station_keeps_the_line() -> None:
    clock = Clock()
    station = hand_station(start=START)
    line = StatsLine(station, 1.0, clock=clock, out=ClosedStderr())
    station.add(line)
    for second in range(3):
        feed(station, frames_batch([(second, encode.all_call_reply(1), 0.5)], second))
        clock.now += 1.0
    consumers = station.consumers
    assert consumers.all == [line] and consumers.failures == []


def test_the_default_output_is_stderr_as_it_is_when_writing(capsys) -> None:  # noqa: ANN001
    clock = Clock()
    station = hand_station(start=START)
    station.add(StatsLine(station, 5.0, clock=clock))
    feed(station, frames_batch([], 0.0))
    clock.now += 5.0
    feed(station, frames_batch([], 0.0))
    assert capsys.readouterr().err.startswith("adsbwatch: 0.00 MS/s, 0 frames,")
