"""The second signal model (analog.py) and the interference (fruit.py), checked against the
standards' numbers and plain arithmetic, not against the demodulator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adsbwatch.decoder.frames.crc import syndrome_of
from adsbwatch.decoder.sim import analog, fruit
from adsbwatch.decoder.sim import simulate as sim

RATES = (2_000_000, 2_400_000)


def test_mode_s_pulses_merge_where_high_halves_meet() -> None:
    # 0x5D = 01011101: bits 0 1 0 1 1 1 0 1 -> halves lh hl lh hl hl hl lh hl
    intervals = analog.mode_s_intervals(bytes([0x5D, 0, 0, 0, 0, 0, 0]))
    preamble = [(0.0, 0.5), (1.0, 1.5), (3.5, 4.0), (4.5, 5.0)]
    assert [tuple(r) for r in intervals[:4]] == preamble
    # A 0 (high 8.5-9.0) then a 1 (high 9.0-9.5) make one 1 us pulse; 0 1 again, then
    # 1 and 1 stay apart, then 0 1 once more.
    assert [tuple(r) for r in intervals[4:9]] == [(8.5, 9.5), (10.5, 11.5), (12.0, 12.5),
                                                  (13.0, 13.5), (14.5, 15.5)]


def test_mode_ac_reply_has_framing_pulses_20_3_us_apart_and_its_code() -> None:
    code = 0b100000000001  # C1 and D4 only
    intervals = fruit.mode_ac_intervals(code, spi=True)
    starts = [round(float(a), 2) for a in intervals[:, 0]]
    assert starts == [0.0, 1.45, 18.85, 20.3, 24.65]
    assert np.allclose(intervals[:, 1] - intervals[:, 0], 0.45)


def test_all_call_fruit_carries_its_interrogator_code() -> None:
    reply = fruit.all_call_reply(0xABCDEF, 22)
    assert reply[0] >> 3 == 11 and reply[1:4] == bytes.fromhex("abcdef")
    assert syndrome_of(reply) == 22


def test_edges_follow_the_standard_rise_and_fall() -> None:
    traits = analog.PulseTraits(rise_us=0.08, fall_us=0.16)
    t = np.linspace(-0.3, 0.8, 11001)
    env = analog.envelope(np.array([[0.0, 0.5]]), traits, t)
    def crossing(level: float, rising: bool) -> float:
        side = t < 0.25 if rising else t > 0.25
        idx = np.flatnonzero(side & (env >= level))
        return float(t[idx[0]] if rising else t[idx[-1]])
    assert crossing(0.9, True) - crossing(0.1, True) == pytest.approx(0.08, abs=1e-3)
    assert crossing(0.1, False) - crossing(0.9, False) == pytest.approx(0.16, abs=1e-3)
    assert crossing(0.5, True) == pytest.approx(0.0, abs=1e-3)  # centred on the edge
    assert crossing(0.5, False) == pytest.approx(0.5, abs=1e-3)


def test_droop_lowers_the_last_pulse_by_its_decibels() -> None:
    intervals = analog.mode_s_intervals(sim.random_df17(np.random.default_rng(1), 0x123456))
    traits = analog.PulseTraits(droop_db=2.0)
    middle_first = float(intervals[0].mean())
    middle_last = float(intervals[-1].mean())
    env = analog.envelope(intervals, traits, np.array([middle_first, middle_last]))
    assert 20 * math.log10(env[0] / env[1]) == pytest.approx(2.0 * (middle_last - middle_first)
                                                             / intervals[-1, 1], abs=0.01)


@pytest.mark.parametrize("rate", RATES)
def test_samples_are_points_of_the_filtered_pulse(rate: int) -> None:
    """A long steady pulse reads its amplitude in its middle (unit gain at DC) and the
    output is the fine-grid signal taken at n / rate, not a mean over the sample."""
    em = analog.Emission(np.array([[0.0, 20.0]]), 10e-6, 40.0, carrier_phase=0.3)
    first, samples = analog.emission_samples(em, rate, analog.Tuner(), noise_rms=0.01)
    amplitude = sim.pulse_amplitude(40.0, 0.01)
    middle = round(20e-6 * rate) - first
    assert abs(samples[middle]) == pytest.approx(amplitude, rel=1e-3)
    assert np.angle(samples[middle]) == pytest.approx(0.3, abs=1e-6)
    # Before the filter's reach the signal is nothing at all.
    assert abs(samples[0]) < 1e-9 * amplitude


@pytest.mark.parametrize("rate", RATES)
def test_noise_has_its_power_and_stays_in_the_passband(rate: int) -> None:
    """White noise of power noise_rms^2 over the whole band, of which a filter passing
    +-0.4 of the rate keeps about 80% (less the window's soft edge)."""
    tuner = analog.Tuner(cutoff=0.4, half_us=4.0)
    iq = analog.render([], rate, 1 << 18, np.random.default_rng(4), tuner, noise_rms=0.05)
    assert np.mean(np.abs(iq) ** 2) == pytest.approx(0.8 * 0.05 ** 2, rel=0.1)
    spectrum = np.abs(np.fft.fft(iq.astype(np.complex128))) ** 2
    freq = np.abs(np.fft.fftfreq(iq.size))
    assert spectrum[freq > 0.45].mean() < 0.05 * spectrum[freq < 0.35].mean()


def test_strong_signals_clip_at_full_scale() -> None:
    em = analog.Emission(np.array([[0.0, 5.0]]), 10e-6, 60.0)
    iq = analog.render([em], 2_400_000, 100, np.random.default_rng(0), noise_rms=0.04)
    assert np.abs(iq.real).max() <= 1.0 and np.abs(iq.imag).max() <= 1.0
    assert np.isclose(np.abs(iq.view(np.float32)), 1.0).sum() > 4


def test_chunks_join_into_the_whole_recording() -> None:
    rng = np.random.default_rng(8)
    emissions = fruit.fruit(rng, 0.02, mode_ac_per_s=2000, all_call_per_s=500,
                            replies_per_s=500, snr_db=(60.0, 80.0))
    assert [em.start_s for em in emissions] == sorted(em.start_s for em in emissions)
    whole = analog.render(emissions, 2_000_000, 40_000, np.random.default_rng(1),
                          noise_rms=1e-9)
    parts = np.concatenate(list(analog.render_chunks(emissions, 2_000_000, 40_000,
                                                     np.random.default_rng(1),
                                                     noise_rms=1e-9, chunk=7_000)))
    # The noise (1e-9) differs; the signal (1e-6 and up) must not.
    assert np.abs(whole).max() > 1e-6
    assert np.abs(parts - whole).max() < 1e-8
