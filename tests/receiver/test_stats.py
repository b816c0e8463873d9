"""The live stats line: synthetic batches through the sink under a fake source and clock,
and the exact line it writes."""

from __future__ import annotations

import io

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals
from adsbwatch.receiver.station.fanout import FanOut
from adsbwatch.receiver.station.run import StationTotals
from adsbwatch.receiver.station.stats import StatsSink

RATE = 2_400_000


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


class FakeSource:
    def __init__(self, gain_db: float | None = 49.6) -> None:
        self.info = SourceInfo("fake", "cu8", RATE, live=True)
        self.totals = SourceTotals()
        if gain_db is not None:
            self.gain_db = gain_db


def frame(df: int, address: int) -> bytes:
    """A frame's first four bytes (format, address); the rest zero: the sink reads no more."""
    return bytes([df << 3, address >> 16, (address >> 8) & 0xFF, address & 0xFF]) + bytes(10)


def batch(frames: list[bytes], levels: list[float], noise: float = 0.0) -> FrameBatch:
    n = len(frames)
    msg = np.frombuffer(b"".join(frames), dtype=np.uint8).reshape(n, 14) if n \
        else np.zeros((0, 14), np.uint8)
    return FrameBatch(msg=msg.copy(), ticks=np.arange(n, dtype=np.int64),
                      level=np.array(levels, dtype=np.float32), fixed=np.zeros(n, np.uint8),
                      noise=noise)


def advance(source: FakeSource, totals: StationTotals, clock: Clock, seconds: float,
            strong: int = 0, dropped: int = 0, cpu_share: float = 0.0) -> None:
    """`seconds` of signal at RATE arrive, as a source and the demodulator count them."""
    clock.now += seconds
    source.totals.samples += int(seconds * RATE)
    source.totals.strong_samples += strong
    source.totals.dropped_samples += dropped
    totals.demod_cpu_s += cpu_share * seconds


def test_the_line_says_what_the_interval_held() -> None:
    clock, source, totals, out = Clock(), FakeSource(), StationTotals(), io.StringIO()
    sink = StatsSink(source, 10.0, clock=clock, out=out, totals=totals)
    sink.on_batch(batch([], [], noise=0.02))  # the first batch starts the interval
    advance(source, totals, clock, 4.0, strong=960, cpu_share=0.06)
    sink.on_batch(batch([frame(17, 0x4D2023), frame(17, 0x4D2023), frame(11, 0xABCDEF),
                         frame(4, 0x123456)], [0.5, 0.25, 0.1, 0.05], noise=0.025))
    advance(source, totals, clock, 4.0, strong=960, cpu_share=0.06)
    sink.on_batch(batch([frame(17, 0x400001), frame(18, 0x4D2023), frame(11, 0xABCDEF)],
                        [0.7079, 0.01, 0.02], noise=0.03))
    assert out.getvalue() == ""  # 8 s: not yet
    advance(source, totals, clock, 2.0, strong=480, dropped=16384, cpu_share=0.06)
    sink.on_batch(batch([], [], noise=0.0))  # the floor unknown: not counted
    # 24 M samples in 10 s; DF17 3, DF11 2, DF4 1, DF18 1; addresses 4d2023, abcdef,
    # 400001 (DF4's is a parity, not counted); noise median of 0.02, 0.025, 0.03;
    # peak 0.7079 = -3.0 dBFS; strong 2400 of 24 M.
    assert out.getvalue() == (
        "adsbwatch: 2.40 MS/s, 7 frames (DF17 3, DF11 2, DF4 1, DF18 1), 3 aircraft, "
        "noise -32.0 dBFS, peak -3.0 dBFS, strong 0.01%, gain 49.6 dB, "
        "dropped 16384 (16384 total), demod CPU 6%\n")


def test_each_line_counts_since_the_last_and_aircraft_over_the_last_minute() -> None:
    clock, source, totals, out = Clock(), FakeSource(gain_db=None), StationTotals(), \
        io.StringIO()
    sink = StatsSink(source, 30.0, clock=clock, out=out, totals=totals)
    sink.on_batch(batch([frame(17, 0x000001), frame(17, 0x000002)], [0.1, 0.1], 0.01))
    advance(source, totals, clock, 30.0, strong=72_000, dropped=1000, cpu_share=0.1)
    sink.on_batch(batch([frame(11, 0x000003)], [0.2], 0.01))
    advance(source, totals, clock, 31.0, strong=0, dropped=500, cpu_share=0.05)
    sink.on_batch(batch([frame(17, 0x000003)], [0.1], 0.01))  # at 61 s: 1, 2 are gone
    advance(source, totals, clock, 30.0)
    sink.on_batch(batch([], []))  # at 91 s: only 3, heard at 30 s and 61 s
    lines = out.getvalue().splitlines()
    assert lines == [
        "adsbwatch: 2.40 MS/s, 3 frames (DF17 2, DF11 1), 3 aircraft, noise -40.0 dBFS, "
        "peak -14.0 dBFS, strong 0.10%, gain ?, dropped 1000 (1000 total), demod CPU 10%",
        "adsbwatch: 2.40 MS/s, 1 frame (DF17 1), 1 aircraft, noise -40.0 dBFS, "
        "peak -20.0 dBFS, strong 0.00%, gain ?, dropped 500 (1500 total), demod CPU 5%",
        "adsbwatch: 2.40 MS/s, 0 frames, 1 aircraft, noise ?, peak ?, strong 0.00%, "
        "gain ?, dropped 0 (1500 total), demod CPU 0%",
    ]


def test_without_the_station_totals_the_cpu_is_unknown() -> None:
    clock, source, out = Clock(), FakeSource(), io.StringIO()
    sink = StatsSink(source, 1.0, clock=clock, out=out)
    sink.on_batch(batch([], []))
    clock.now += 1.0  # no samples came: a stalled dongle
    sink.on_batch(batch([], []))
    assert out.getvalue() == ("adsbwatch: 0.00 MS/s, 0 frames, 0 aircraft, noise ?, peak ?, "
                              "strong ?, gain 49.6 dB, dropped 0 (0 total), demod CPU ?\n")


class ClosedStderr(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(5, "Input/output error")


def test_a_failed_write_is_ignored_and_the_station_keeps_the_sink() -> None:
    clock, source = Clock(), FakeSource()
    sink = StatsSink(source, 1.0, clock=clock, out=ClosedStderr())
    warnings: list[str] = []
    fanout = FanOut([sink], warnings.append)
    for _ in range(3):
        assert fanout.deliver(batch([frame(17, 1)], [0.5]))
        clock.now += 1.0
    assert fanout.sinks == [sink] and fanout.failures == [] and warnings == []


def test_the_default_output_is_stderr_as_it_is_when_writing(capsys) -> None:
    clock, source = Clock(), FakeSource()
    sink = StatsSink(source, 5.0, clock=clock)
    sink.on_batch(batch([], []))
    clock.now += 5.0
    sink.on_batch(batch([], []))
    assert capsys.readouterr().err.startswith("adsbwatch: 0.00 MS/s, 0 frames,")
