"""Adaptive gain on simulated clipping: a fake device applies the chosen gain to a real
recording (scaling I and Q around 127.5, clipping at 0 and 255, as the ADC does), the
measurements of what it delivers drive the controller, whose choices go back to the
device, over minutes of simulated time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from adsbwatch.decoder.demod.adclevels import clipped_and_powers
from adsbwatch.receiver.sources.gain import (
    CLIP_SHARE,
    HOLD_S,
    NOISE_CEILING_DBFS,
    NOISE_STRIDE,
    QUIET_S,
    REPROBE_S,
    AdaptiveGain,
    ChunkLevels,
    chunk_levels,
)

RATE = 2_400_000
# The R820T's manual gain steps (librtlsdr's table, tenths of dB / 10): most dongles'.
R820T_DB = [0.0, 0.9, 1.4, 2.7, 3.7, 7.7, 8.7, 12.5, 14.4, 15.7, 16.6, 19.7, 20.7, 22.9,
            25.4, 28.0, 29.7, 32.8, 33.8, 36.4, 37.2, 38.6, 40.2, 42.1, 43.4, 43.9, 44.5,
            48.0, 49.6]
RECORDING = Path(__file__).resolve().parents[2] / ".." / "shared" / "recordings" / \
    "modes1_resampled_cu8_2400k.bin"
PIECES = 4  # the recording is played as this many chunks, over and over


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeDevice:
    """A recording taken at `recorded_db`, as a tuner at another gain would deliver it:
    louder by the difference, clipped at the ADC's limits."""

    recording: np.ndarray  # cu8 bytes
    recorded_db: float
    gain_db: float = R820T_DB[-1]
    _levels: dict[tuple[float, float, int], ChunkLevels] = field(default_factory=dict)

    @property
    def pieces(self) -> list[np.ndarray]:
        return np.array_split(self.recording[: self.recording.size // 2 * 2].reshape(-1, 2),
                              PIECES)

    def chunk(self, k: int) -> np.ndarray:
        scale = 10 ** ((self.gain_db - self.recorded_db) / 20)
        iq = self.pieces[k % PIECES].astype(np.float32)
        return np.clip(np.rint((iq - 127.5) * scale + 127.5), 0, 255).astype(np.uint8).ravel()

    def levels(self, k: int) -> ChunkLevels:
        """What the source measures of chunk k (the same chunk at the same gain reads the
        same: kept, so minutes of simulated time cost little)."""
        key = (self.gain_db, self.recorded_db, k % PIECES)
        if key not in self._levels:
            self._levels[key] = chunk_levels(self.chunk(k))
        return self._levels[key]


@dataclass
class Run:
    gains: list[float]  # the gain while each chunk was taken
    times: list[float]  # when each chunk was measured
    shares: list[float]  # its share of strong samples
    changes: list[tuple[float, float]]  # (when, new gain)


def play(device: FakeDevice, seconds: float, control: AdaptiveGain, clock: Clock,
         louder_from: dict[float, float] | None = None) -> Run:
    """Feed the device's chunks to `control` for `seconds` of simulated time, setting the
    gain it asks for; `louder_from` changes the recording's level at given times (an
    aircraft coming close or going away)."""
    run = Run([], [], [], [])
    chunk_s = device.pieces[0].shape[0] / RATE
    k = 0
    end = clock.now + seconds
    changes = dict(sorted((louder_from or {}).items()))
    while clock.now < end:
        for at, recorded_db in list(changes.items()):
            if clock.now >= at:
                device.recorded_db = recorded_db
                del changes[at]
        levels = device.levels(k)
        clock.now += chunk_s  # measured once the chunk has arrived
        run.gains.append(device.gain_db)
        run.times.append(clock.now)
        run.shares.append(levels.strong_share)
        new = control.observe(levels.strong_share, levels.noise_dbfs, levels.samples)
        if new is not None:
            device.gain_db = new
            run.changes.append((clock.now, new))
        k += 1
    return run


@pytest.fixture(scope="module")
def recording() -> np.ndarray:
    if not RECORDING.exists():
        pytest.skip(f"the real recordings are not here ({RECORDING.parent}): "
                    "a clone outside the project's workspace")
    return np.fromfile(RECORDING, dtype=np.uint8)


def never_twice_within_the_hold(run: Run) -> None:
    times = [t for t, _ in run.changes]
    assert all(b - a >= HOLD_S for a, b in zip(times, times[1:], strict=False)), run.changes


def test_chunk_levels_count_samples_at_the_adc_limits_and_the_median_noise() -> None:
    iq = np.full((1024, 2), 128, dtype=np.uint8)  # I, Q one count above the centre
    iq[10] = (0, 128)  # I at the bottom: clipped
    iq[20] = (128, 255)  # Q at the top
    iq[30] = (255, 0)  # both: still one sample
    iq[40] = (1, 254)  # near, not at, the limits
    levels = chunk_levels(iq.ravel())
    assert (levels.samples, levels.strong) == (1024, 3)
    assert levels.strong_share == 3 / 1024
    # Every picked sample is (128, 128): magnitude sqrt(0.5^2 * 2) / 127.5.
    assert levels.noise_dbfs == pytest.approx(20 * np.log10(np.sqrt(0.5) / 127.5))
    assert chunk_levels(np.zeros(0, dtype=np.uint8)) == ChunkLevels(0, 0, -120.0)


def test_chunk_levels_noise_is_the_median_magnitude_of_gaussian_noise() -> None:
    rng = np.random.default_rng(7)
    sigma = 8.0  # counts per component: Rayleigh median sigma * sqrt(2 ln 2)
    raw = np.clip(np.rint(rng.normal(127.5, sigma, 1 << 20)), 0, 255).astype(np.uint8)
    expected = 20 * np.log10(sigma * np.sqrt(2 * np.log(2)) / 127.5)
    assert chunk_levels(raw).noise_dbfs == pytest.approx(expected, abs=0.15)


def test_a_recording_that_clips_at_the_top_gain_settles_below_where_it_clips(
        recording: np.ndarray) -> None:
    clock = Clock()
    # Taken at 43.6 dB: the top step (49.6) is 6 dB louder, and 2.8% of samples clip.
    device = FakeDevice(recording, recorded_db=43.6)
    control = AdaptiveGain(R820T_DB, clock)
    assert control.gain_db == 49.6
    run = play(device, 300.0, control, clock)
    never_twice_within_the_hold(run)
    # Down one step at a time, a hold apart, to the first step under the recording's own
    # gain (43.6), where nothing clips; then a retry of the step above after REPROBE_S,
    # and after twice that again.
    start = 1000.0
    gains = [g for _, g in run.changes]
    assert gains == [48.0, 44.5, 43.9, 43.4,  # each but the last clips
                     43.9, 43.4,  # the retry clipped: back, and the next in 2 minutes
                     43.9, 43.4]
    times = [t - start for t, _ in run.changes]
    assert times[:4] == pytest.approx([1, 6, 11, 16], abs=0.5)  # a hold apart
    assert times[4] - times[3] == pytest.approx(REPROBE_S, abs=1.0)
    assert times[6] - times[5] == pytest.approx(2 * REPROBE_S, abs=1.0)
    settled = [s for s, t in zip(run.shares, run.times, strict=True) if t - start > 20]
    at_43 = [s for s, g, t in zip(run.shares, run.gains, run.times, strict=True)
             if g == 43.4 and t - start > 20]
    assert len(at_43) > 0.9 * len(settled)  # settled there, retries aside
    assert max(at_43) == 0.0  # where it settles nothing clips
    assert np.mean(settled) < CLIP_SHARE  # retries included
    assert control.gain_db == 43.4 and control.changes == 8


def test_a_weak_recording_stays_at_the_top_gain(recording: np.ndarray) -> None:
    clock = Clock()
    device = FakeDevice(recording, recorded_db=49.6 + 12)  # 12 dB under where it clips
    control = AdaptiveGain(R820T_DB, clock)
    run = play(device, 120.0, control, clock)
    assert run.changes == []
    assert set(run.gains) == {49.6} and max(run.shares) == 0.0


def test_the_gain_returns_to_the_top_when_the_loud_aircraft_has_gone(
        recording: np.ndarray) -> None:
    clock = Clock()
    device = FakeDevice(recording, recorded_db=45.0)  # clips at 48.0 and 49.6
    control = AdaptiveGain(R820T_DB, clock)
    gone = clock.now + 30.0
    run = play(device, 150.0, control, clock, louder_from={gone: 49.6 + 12})
    never_twice_within_the_hold(run)
    gains = [g for _, g in run.changes]
    assert gains == [48.0, 44.5, 48.0, 49.6]
    back_up = run.changes[2][0]
    # It waits out the retry delay from the last clip, then climbs a hold apart.
    assert back_up - run.changes[1][0] == pytest.approx(REPROBE_S, abs=1.0)
    assert run.changes[3][0] - back_up == pytest.approx(HOLD_S, abs=1.0)
    assert control.gain_db == 49.6


def test_a_steady_clip_is_retried_ever_more_rarely() -> None:
    clock = Clock()
    control = AdaptiveGain([10.0, 20.0], clock)
    changes: list[tuple[float, float]] = []
    while clock.now < 1000.0 + 2000.0:
        clock.now += 0.1
        # Clips at 20 dB, never at 10; noise far below the ceiling.
        share = 0.01 if control.gain_db == 20.0 else 0.0
        new = control.observe(share, -40.0)
        if new is not None:
            changes.append((clock.now, new))
    downs = [t for t, g in changes if g == 10.0]
    ups = [t for t, g in changes if g == 20.0]
    waits = [up - down for down, up in zip(downs, ups, strict=False)]
    # Decisions fall on whole windows (1 s), hence the tolerance.
    assert waits == pytest.approx([60, 120, 240, 480, 960], abs=1.5)


def test_a_high_noise_floor_steps_the_gain_down_until_it_leaves_room() -> None:
    clock = Clock()
    control = AdaptiveGain(R820T_DB, clock)
    changes = []
    while clock.now < 1000.0 + 120.0:
        clock.now += 0.05
        # Noise (from interference) that follows the gain: -24 dBFS at 49.6 dB.
        noise = -24.0 + (control.gain_db - 49.6)
        new = control.observe(0.0, noise)
        if new is not None:
            changes.append(new)
    # Down while noise > -30 + half the step down (at 43.9: -29.7 > -29.75); at 43.4
    # (-30.2) the step up would pass the ceiling again, so it stays: no back and forth.
    assert NOISE_CEILING_DBFS == -30.0
    assert changes == [48.0, 44.5, 43.9, 43.4]


def test_gains_are_the_tuners_steps_sorted_and_it_needs_some() -> None:
    control = AdaptiveGain([49.6, 0.0, 20.7, 20.7], Clock())
    assert control.steps == [0.0, 20.7, 49.6] and control.gain_db == 49.6
    with pytest.raises(ValueError, match="gain steps"):
        AdaptiveGain([], Clock())


def test_nothing_changes_before_a_window_and_a_hold_have_passed() -> None:
    clock = Clock()
    control = AdaptiveGain(R820T_DB, clock)
    answers = []
    for _ in range(int(QUIET_S * 10)):
        clock.now += 0.1
        answers.append(control.observe(0.5, -40.0))
    changed = [i for i, a in enumerate(answers) if a is not None]
    # The first whole window (1 s) clipped: down at once; then only every HOLD_S.
    assert [round((i + 1) * 0.1, 1) for i in changed] == [1.0, 6.0]
    assert control.changes == 2


@dataclass
class FixedBytesDevice(FakeDevice):
    """A source whose samples ignore the gain (a server replaying fixed bytes, a front end
    saturated ahead of the tuner's gain): the recording 6 dB louder than it was taken,
    whatever gain is set."""

    def chunk(self, k: int) -> np.ndarray:
        scale = 10 ** (6.0 / 20)
        iq = self.pieces[k % PIECES].astype(np.float32)
        return np.clip(np.rint((iq - 127.5) * scale + 127.5), 0, 255).astype(np.uint8).ravel()

    def levels(self, k: int) -> ChunkLevels:
        key = (0.0, 0.0, k % PIECES)
        if key not in self._levels:
            self._levels[key] = chunk_levels(self.chunk(k))
        return self._levels[key]


def test_clipping_that_ignores_the_gain_holds_the_top_step_instead_of_going_deaf(
        recording: np.ndarray) -> None:
    clock = Clock()
    device = FixedBytesDevice(recording, recorded_db=0.0)
    warnings: list[str] = []
    control = AdaptiveGain(R820T_DB, clock, warn=warnings.append)
    run = play(device, 600.0, control, clock)
    assert min(run.shares) > CLIP_SHARE  # it clips all along, at every gain
    never_twice_within_the_hold(run)
    # Two steps down that changed nothing, then back to the top step, and there it stays
    # for the ten minutes (without the floor: 28 steps down to 0 dB).
    assert [g for _, g in run.changes] == [48.0, 44.5, 49.6]
    assert control.gain_db == 49.6 and control.floor == len(R820T_DB) - 1
    assert len(warnings) == 1 and "holding 49.6 dB" in warnings[0]
    assert "does not fall as the gain falls" in warnings[0]


def test_the_floor_is_where_lowering_the_gain_stopped_lowering_the_clipping() -> None:
    clock = Clock()
    warnings: list[str] = []
    control = AdaptiveGain(R820T_DB, clock, warn=warnings.append)

    def clipped(gain: float) -> float:
        # A loud aircraft's clipping falls with the gain down to 43.9 dB; below that a
        # transmitter near by keeps 1% of samples clipped whatever the gain.
        return 0.05 if gain >= 48.0 else 0.02 if gain >= 44.5 else 0.01

    changes = []
    while clock.now < 1000.0 + 300.0:
        clock.now += 0.1
        new = control.observe(clipped(control.gain_db), -40.0)
        if new is not None:
            changes.append(new)
    # 48.0 changed nothing (once is not enough to stop), 44.5 and 43.9 helped, 43.4 and
    # 42.1 did not: back up to 43.9 and hold.
    assert changes == [48.0, 44.5, 43.9, 43.4, 42.1, 43.9]
    assert control.gain_db == 43.9 and control.steps[control.floor] == 43.9
    assert len(warnings) == 1 and "holding 43.9 dB" in warnings[0]


def test_the_floor_warning_goes_to_stderr_once_by_default(capsys) -> None:
    clock = Clock()
    control = AdaptiveGain([10.0, 20.0, 30.0, 40.0], clock)
    while clock.now < 1000.0 + 120.0:
        clock.now += 0.1
        control.observe(0.02, -40.0)  # the same clipping at every gain
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("adsbwatch: warning: gain auto:")
    assert control.gain_db == 40.0


def test_the_compiled_pass_counts_and_samples_as_numpy_does() -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        raw = rng.integers(0, 256, size=2 * int(rng.integers(1, 3000)), dtype=np.uint8)
        raw[rng.integers(0, raw.size, size=40)] = rng.choice([0, 1, 254, 255], 40)
        strong, power = clipped_and_powers(raw, NOISE_STRIDE)
        at_limit = ((raw == 0) | (raw == 255)).reshape(-1, 2).any(axis=1)
        assert strong == int(np.count_nonzero(at_limit))
        picked = raw.reshape(-1, 2)[::NOISE_STRIDE].astype(np.int32) * 2 - 255
        assert power.tolist() == (picked ** 2).sum(axis=1).tolist()
