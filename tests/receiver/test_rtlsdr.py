"""The RTL-SDR source driven through a fake pyrtlsdr over a fake librtlsdr
(tests/fake_rtlsdr.py): the frames of a replay, drops and unplugs counted on the sample
clock, the dongle opened, tuned and refused as librtlsdr would, and pyrtlsdr's error
paths (a cancel before the read, a failing setter, a half-done open, a failing callback)
never freeing the device under the read, hanging or keeping it claimed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fake_rtlsdr import CLOSE_WAIT_S, R820T_GAINS_DB, FakeBus
from frames_support import Demodulated, demodulate_file, run_source

from adsbwatch.receiver.errors import RuntimeFailure, UserError
from adsbwatch.receiver.sources.base import SourceTotals
from adsbwatch.receiver.sources.rtlsdr import CHUNK_BYTES, ArrivalLosses, RtlSdrSource
from adsbwatch.receiver.tuner import TunerSettings

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
RATE = 2_400_000
TICKS_PER_SAMPLE = 5  # 12 MHz ticks at 2.4 MS/s
BUFFER_SAMPLES = CHUNK_BYTES // 2
LONG_FRAME_SAMPLES = 290  # 120 us at 2.4 MS/s, with a margin


BUSES: list[FakeBus] = []  # this test's


@pytest.fixture(autouse=True)
def nothing_undefined_in_librtlsdr() -> Iterator[None]:
    """Whatever a test does, the source never uses a freed device nor leaves librtlsdr's
    close waiting for a read nobody cancels (a crash or a hang on real hardware)."""
    BUSES.clear()
    yield
    assert [bus.violations for bus in BUSES if bus.violations] == []


def source_on(bus: FakeBus, warnings: list[str] | None = None, device: str = "0",
              settings: TunerSettings | None = None, reopen: bool = True) -> RtlSdrSource:
    BUSES.append(bus)
    record = warnings.append if warnings is not None else print
    # A fixed gain unless told: the adaptive one would change the bytes as it goes.
    return RtlSdrSource(device, RATE, settings or TunerSettings(gain="max"), record,
                        reopen=reopen,
                        rtlsdr_class=bus.rtlsdr_class())


def run(source: RtlSdrSource, found: Demodulated | None = None,
        ) -> tuple[Demodulated, SourceTotals, BaseException | None]:
    """The source's frames through the station (batches timed by the wall clock, as a
    live run's) until it ends: the frames, its totals, how it failed (if it did)."""
    found = found if found is not None else Demodulated([], [])
    failure = None
    try:
        run_source(source, wall_clock=True, found=found)
    except RuntimeFailure as exc:
        failure = exc
    return found, source.totals, failure


def close_when_played(bus: FakeBus, source: RtlSdrSource,
                      bound_s: float = 60) -> threading.Thread:
    """Stop the source (as Ctrl-C does) once the fake has played all of its recording."""
    def stop() -> None:
        bus.finished.wait(bound_s)
        source.close()
    thread = threading.Thread(target=stop, daemon=True)
    thread.start()
    return thread


def kept_around(reference: list[tuple[str, int]], first: int, end: int, shift: int
                ) -> list[tuple[str, int]]:
    """The reference's frames clear of samples [first, end) lost, those after them with
    the sample clock `shift` samples on."""
    before = [(h, t) for h, t in reference if t // TICKS_PER_SAMPLE + LONG_FRAME_SAMPLES < first]
    after = [(h, t + shift * TICKS_PER_SAMPLE) for h, t in reference
             if t // TICKS_PER_SAMPLE >= end]
    return before + after


def test_frames_equal_a_replay_of_the_recording() -> None:
    bus = FakeBus(SAMPLE.read_bytes())  # at the reference gain: the bytes unchanged
    found, totals, failure = run(source_on(bus, reopen=False))
    assert found.timed == demodulate_file(SAMPLE).timed
    assert totals.samples == SAMPLE.stat().st_size // 2
    assert totals.dropped_samples == 0
    # The recording played, the fake "goes": with reopen=False that ends the run.
    assert failure is not None and "rtlsdr:0: the dongle is gone" in str(failure)
    assert bus.set_calls("sample_rate") == [RATE]
    assert bus.set_calls("center_freq") == [1_090_000_000]
    assert bus.set_calls("gain") == [49.6] and bus.set_calls("manual_gain") == [True]
    assert bus.set_calls("freq_correction") == []  # 0 already: librtlsdr would refuse it
    assert bus.set_calls("bias_tee") == []


def test_strong_samples_are_those_clipped_by_the_gain() -> None:
    # 19.9 dB above the recording's own level: the loud bursts clip at 0 and 255.
    bus = FakeBus(SAMPLE.read_bytes(), reference_db=29.7)
    _, totals, _ = run(source_on(bus, reopen=False))
    iq = np.frombuffer(SAMPLE.read_bytes(), np.uint8).astype(np.float64).reshape(-1, 2)
    gained = np.clip(np.rint((iq - 127.5) * 10 ** ((49.6 - 29.7) / 20) + 127.5), 0, 255)
    clipped = int(((gained == 0) | (gained == 255)).any(axis=1).sum())
    assert clipped > 1000
    assert totals.strong_samples == clipped


def test_a_dropped_buffer_is_counted_and_later_frames_keep_their_ticks() -> None:
    lost = 8  # the ninth buffer never reaches the callback (a USB overrun)
    bus = FakeBus(SAMPLE.read_bytes(), pace=1.0, drop_buffers={lost})
    found, totals, _ = run(source_on(bus, reopen=False))
    counted = totals.dropped_samples
    # Found from the arrival times: one buffer's worth, give or take their jitter.
    assert abs(counted - BUFFER_SAMPLES) < BUFFER_SAMPLES // 4
    reference = demodulate_file(SAMPLE).timed
    expected = kept_around(reference, lost * BUFFER_SAMPLES, (lost + 1) * BUFFER_SAMPLES,
                           counted - BUFFER_SAMPLES)
    assert len(expected) < len(reference)  # the drop took frames
    assert found.timed == expected  # the others, each at its own time


def test_an_unplugged_dongle_is_reopened_and_its_frames_found_after() -> None:
    cut = 8  # buffers played before the dongle is pulled out
    bus = FakeBus(SAMPLE.read_bytes(), unplug_after=cut, replug_after_failed_opens=1,
                  at_end="idle")
    warnings: list[str] = []
    source = source_on(bus, warnings)
    stopper = close_when_played(bus, source)
    found, totals, failure = run(source)
    stopper.join(5)
    assert failure is None
    assert len(warnings) == 1 and warnings[0].startswith("rtlsdr:0: the dongle is gone (")
    assert "reopening it when it is back" in warnings[0]
    assert (bus.opens, bus.failed_opens) == (2, 1)  # refused once while out, then back
    away = totals.away_samples  # the time it was away, on the sample clock
    assert away > 0 and totals.dropped_samples == 0  # no sample lost while it was there
    assert totals.reconnects == 1
    reference = demodulate_file(SAMPLE).timed
    expected = kept_around(reference, cut * BUFFER_SAMPLES, cut * BUFFER_SAMPLES, away)
    assert any(t >= (cut * BUFFER_SAMPLES + away) * TICKS_PER_SAMPLE for _, t in expected)
    assert found.timed == expected
    assert totals.samples == SAMPLE.stat().st_size // 2
    assert bus.set_calls("gain") == [49.6, 49.6]  # tuned again on reopening


def test_while_the_dongle_is_away_what_it_gave_is_handed_on() -> None:
    """No block comes while it is away, and the store commits only when one does: what
    came before it went must not wait for it to come back."""
    cut = 8
    bus = FakeBus(SAMPLE.read_bytes(), unplug_after=cut)  # and it stays away
    source = source_on(bus, [])
    found = Demodulated([], [])
    station = threading.Thread(target=run, args=(source, found), daemon=True)
    station.start()
    expected = kept_around(demodulate_file(SAMPLE).timed, cut * BUFFER_SAMPLES, 10**9, 0)
    deadline = time.monotonic() + 30.0  # a bound for a stuck run, not a timing
    while len(found.ticks) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.05)
    handed_on_while_away = len(found.ticks)
    still_away = bus.opens == 1 and not bus.plugged
    source.close()
    station.join(10)
    assert still_away and handed_on_while_away == len(expected)
    assert found.timed == expected


def test_without_reopen_an_unplug_ends_the_stream_with_one_line() -> None:
    bus = FakeBus(SAMPLE.read_bytes(), unplug_after=8)
    warnings: list[str] = []
    found, totals, failure = run(source_on(bus, warnings, reopen=False))
    assert warnings == []
    assert failure is not None and str(failure).startswith("rtlsdr:0: the dongle is gone (")
    assert "\n" not in str(failure) and "--no-reopen" in str(failure)
    assert bus.opens == 1
    # What it gave before it went is all demodulated.
    reference = demodulate_file(SAMPLE).timed
    assert found.timed == kept_around(reference, 8 * BUFFER_SAMPLES, 10**9, 0)
    assert totals.samples == 8 * BUFFER_SAMPLES


def test_no_dongle_says_what_to_check() -> None:
    bus = FakeBus(b"", plugged=False)
    with pytest.raises(RuntimeFailure) as caught:
        source_on(bus).open()
    message = str(caught.value)
    assert message.startswith("rtlsdr:0: no RTL-SDR dongle could be opened (")
    for hint in ("plugged in", "dump1090", "rtl_tcp", "dvb_usb_rtl28xxu", "udev"):
        assert hint in message
    assert "\n" not in message


def test_a_gain_the_tuner_lacks_lists_its_gains() -> None:
    bus = FakeBus(b"", at_end="idle")
    with pytest.raises(UserError) as caught:
        source_on(bus, settings=TunerSettings(gain="13")).open()
    assert str(caught.value) == ("--gain 13: this tuner's gains are "
                                 + ", ".join(f"{g:.1f}" for g in R820T_GAINS_DB)
                                 + " dB (or auto, max)")
    assert bus.set_calls("close") == [None]  # the dongle let go


def test_a_gain_of_the_tuner_is_set_as_asked() -> None:
    bus = FakeBus(b"", at_end="idle")
    source = source_on(bus, settings=TunerSettings(gain="28"))
    source.open()
    source.close()
    assert bus.set_calls("gain") == [28.0] and source.gain_db == 28.0


def test_a_serial_nobody_has_says_no_such_dongle() -> None:
    bus = FakeBus(b"", serials=["00000001", "ADSB1090"], at_end="idle")
    with pytest.raises(RuntimeFailure) as caught:
        source_on(bus, device="serial:NOPE").open()
    assert str(caught.value).startswith(
        "rtlsdr serial:NOPE: no dongle has serial NOPE (plugged in: 00000001, ADSB1090)")


def test_a_serial_opens_its_dongle() -> None:
    bus = FakeBus(b"", serials=["00000001", "ADSB1090"], at_end="idle")
    source = source_on(bus, device="serial:ADSB1090")
    source.open()
    source.close()
    assert bus.set_calls("open") == [1]
    assert source.info.name == "rtlsdr serial:ADSB1090"


def test_ppm_and_bias_tee_are_set_when_asked() -> None:
    bus = FakeBus(b"", at_end="idle")
    source = source_on(bus, settings=TunerSettings(ppm=-3, bias_tee=True))
    source.open()
    source.close()
    assert bus.set_calls("freq_correction") == [-3]
    assert bus.set_calls("bias_tee") == [True]


def test_a_bias_tee_this_pyrtlsdr_cannot_switch_is_one_line() -> None:
    bus = FakeBus(b"", at_end="idle")
    cls = bus.rtlsdr_class()
    without = type("OldRtlSdr", (cls,), {"set_bias_tee": property(
        lambda self: (_ for _ in ()).throw(AttributeError("set_bias_tee")))})
    source = RtlSdrSource("0", RATE, TunerSettings(bias_tee=True), print,
                          rtlsdr_class=without)
    with pytest.raises(RuntimeFailure, match=r"--bias-tee: this pyrtlsdr cannot switch"):
        source.open()


def test_auto_gain_steps_down_when_the_adc_clips() -> None:
    # 19.9 dB above the recording's level at the top step: loud bursts clip. Three
    # seconds at real pace: the adaptive gain judges a second at a time.
    bus = FakeBus(SAMPLE.read_bytes() * 3, pace=1.0, reference_db=29.7)
    source = source_on(bus, settings=TunerSettings(gain="auto"), reopen=False)
    _, totals, _ = run(source)
    assert bus.set_calls("gain")[:2] == [49.6, 48.0]  # from the top, then one step down
    assert source.gain_db is not None and source.gain_db < 49.6
    assert totals.strong_samples > 0


def test_set_gain_db_tunes_the_nearest_step() -> None:
    bus = FakeBus(b"", at_end="idle")
    source = source_on(bus)
    source.open()
    try:
        assert source.set_gain_db(40.0) == 40.2
        assert source.gain_db == 40.2
    finally:
        source.close()
    assert bus.set_calls("gain") == [49.6, 40.2]


class Recorder:
    """What ArrivalLosses hands on: ("put", first byte), ("gap", samples lost) and
    ("away", samples missed while the dongle was gone)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def put(self, data: np.ndarray, arrival: float) -> None:
        self.events.append(("put", int(data[0])))

    def gap(self, samples: int) -> None:
        self.events.append(("gap", samples))

    def away(self, samples: int) -> None:
        self.events.append(("away", samples))


def feed(arrivals: list[float], n: int = 1000, rate: int = 10_000) -> list[tuple[str, int]]:
    """Buffers of `n` samples (buffer k filled with k) arriving at these monotonic times."""
    recorder = Recorder()
    losses = ArrivalLosses(rate, recorder.put, recorder.gap, recorder.away)
    for k, steady in enumerate(arrivals):
        losses.add(np.full(2 * n, k % 256, np.uint8), 1e9 + steady, steady)
    losses.release_all()
    return recorder.events


def puts(count: int) -> list[tuple[str, int]]:
    return [("put", k) for k in range(count)]


def test_buffers_on_time_lose_nothing() -> None:
    arrivals = [0.1 * (k + 1) + 0.003 * (k % 3) for k in range(60)]  # jitter of 3 ms
    assert feed(arrivals) == puts(60)


def test_a_burst_after_a_stall_is_no_loss() -> None:
    # Buffers 20-29 wait for a stalled thread and all arrive at once at 3.05 s.
    arrivals = [0.1 * (k + 1) for k in range(60)]
    arrivals[20:30] = [3.05] * 10
    assert feed(arrivals) == puts(60)


def test_a_missing_buffer_is_counted_where_it_was() -> None:
    # Buffer 30's samples never came: from then on every buffer is one buffer late.
    arrivals = [0.1 * (k + 1) if k < 30 else 0.1 * (k + 2) for k in range(60)]
    assert feed(arrivals) == [*puts(30), ("gap", 1000), *puts(60)[30:]]


def test_a_dongle_clock_slow_by_100_ppm_is_no_loss() -> None:
    arrivals = [0.1 * (k + 1) * (1 + 100e-6) for k in range(3000)]  # five minutes
    assert feed(arrivals) == [("put", k % 256) for k in range(3000)]


def test_time_away_is_reported_apart_from_losses() -> None:
    # Ten buffers of 0.1 s on time; the dongle goes after the tenth (its last sample
    # taken at 1.0 s) and is open again at 3.0 s; its first buffer arrives at 3.2 s.
    recorder = Recorder()
    losses = ArrivalLosses(10_000, recorder.put, recorder.gap, recorder.away)
    for k in range(10):
        losses.add(np.full(2000, k, np.uint8), 1e9 + 0.1 * (k + 1), 0.1 * (k + 1))
    assert losses.away_until(3.0) == 20_000  # 2 s gone
    losses.add(np.full(2000, 10, np.uint8), 1e9 + 3.2, 3.2)
    losses.release_all()
    # The 0.1 s between the reopening and its first buffer's first sample is away too.
    assert recorder.events == [*puts(10), ("away", 20_000), ("away", 1000), ("put", 10)]


# ------------------------------------------------- pyrtlsdr's error paths (issue 15)


def test_a_stop_before_the_read_starts_frees_nothing_under_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The capture thread a little slow to reach librtlsdr (a loaded Pi): a stop in that
    # window must not cancel into librtlsdr's -2, upon which pyrtlsdr frees the device
    # that the read then starts on (H5).
    reading = RtlSdrSource._read

    def late(self: RtlSdrSource, sdr: object) -> str:
        time.sleep(0.005)
        return reading(self, sdr)

    monkeypatch.setattr(RtlSdrSource, "_read", late)
    for _ in range(10):
        bus = FakeBus(SAMPLE.read_bytes(), at_end="idle")
        source = source_on(bus)
        source.open()
        source.close()
        assert bus.claimed == {} and bus.set_calls("close") == [None]  # let go, once


def test_stops_at_any_moment_of_a_read_free_nothing_under_it() -> None:
    for delay in (0.0, 0.001, 0.01, 0.05, 0.2):
        bus = FakeBus(SAMPLE.read_bytes(), pace=1.0, at_end="idle")
        source = source_on(bus)
        source.open()
        time.sleep(delay)
        source.close()
        assert bus.claimed == {}


def test_a_gain_setter_failing_while_reading_neither_hangs_nor_stops_the_read(
        tmp_path: Path) -> None:
    # The tuner's I2C write fails for the adaptive gain's step: pyrtlsdr closes the
    # device, and librtlsdr's close waits for the read that nobody cancels (H6).
    recording = tmp_path / "three_seconds.cu8"
    recording.write_bytes(SAMPLE.read_bytes() * 3)
    bus = FakeBus(recording.read_bytes(), pace=1.0, failing_gain_calls={2})
    warnings: list[str] = []
    source = source_on(bus, warnings, reopen=False)
    found = Demodulated([], [])
    station = threading.Thread(target=run, args=(source, found), daemon=True)
    station.start()
    deadline = time.monotonic() + 30
    while not found.ticks and time.monotonic() < deadline:
        time.sleep(0.01)
    setter = threading.Thread(target=source.set_gain_db, args=(40.2,), daemon=True)
    setter.start()
    setter.join(CLOSE_WAIT_S / 2)
    returned = not setter.is_alive()
    station.join(30)
    assert returned
    assert warnings == ["rtlsdr:0: setting the gain to 40.2 dB failed (<LIBUSB error (-1)> "
                        '"Could not set gain to 40.2"); it stays at 49.6 dB']
    assert source.gain_db == 49.6 and bus.set_calls("gain") == [49.6, 40.2]
    assert found.timed == demodulate_file(recording).timed  # the read went on, unchanged


def test_a_reopen_failing_after_librtlsdr_opened_lets_the_dongle_go() -> None:
    # Pulled out and back; the first open after it fails in reset_buffer, which pyrtlsdr
    # raises without closing: the USB interface must not stay claimed (M8).
    cut = 8
    bus = FakeBus(SAMPLE.read_bytes(), unplug_after=cut, replug_after_failed_opens=1,
                  failing_reset_opens={2}, at_end="idle")
    warnings: list[str] = []
    source = source_on(bus, warnings)
    stopper = close_when_played(bus, source, bound_s=20)
    found, totals, failure = run(source)
    stopper.join(5)
    assert failure is None and bus.finished.is_set()
    assert (bus.opens, bus.failed_opens) == (3, 1)  # out once, released, then reading
    assert bus.claimed == {}  # and closed at the end
    expected = kept_around(demodulate_file(SAMPLE).timed, cut * BUFFER_SAMPLES,
                           cut * BUFFER_SAMPLES, totals.away_samples)
    assert found.timed == expected and totals.reconnects == 1


def test_a_failing_sample_callback_ends_the_stream_with_one_line(
        capfd: pytest.CaptureFixture[str]) -> None:
    # What the callback raises, ctypes prints and swallows, and the read goes on without
    # a sample reaching us (M9): it must end the stream, said on one line.
    bus = FakeBus(SAMPLE.read_bytes())
    source = source_on(bus, reopen=False)

    def exhausted(buffer: object, context: object = None) -> None:
        raise MemoryError("no room for a copy of the buffer")

    source._on_buffer = exhausted  # type: ignore[method-assign]
    found, _, failure = run(source)
    assert str(failure) == ("rtlsdr:0: taking the dongle's samples failed (MemoryError: no "
                            "room for a copy of the buffer); stopping")
    assert found.frames == [] and bus.buffers == 1  # the read stopped at once
    assert "Exception ignored" not in capfd.readouterr().err
