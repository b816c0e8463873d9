"""The weaker of two overlapping replies, recovered by subtracting the stronger in IQ
(subtraction.py, recovery.py), against the simulators' ground truth: bit-exact, and only
with the IQ given."""

from __future__ import annotations

import numpy as np
import pytest

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.geometry import geometry_for
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.demod.subtraction import reconstruct, subtract
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.sim import analog
from adsbwatch.decoder.sim import simulate as sim

RATES = (2_000_000, 2_400_000)
WARMUP = 30  # strong clean frames first: what the receiver's frames typically look like
STRONG, WEAK = 20.0, 14.0  # dB: the weaker 6 dB below


def _warmup(rate: int) -> list[sim.SimFrame]:
    rng = np.random.default_rng(7)
    return sim.schedule(rng, WARMUP, rate, 300e-6, (20.0, 24.0),
                        [0x300000 + k for k in range(5)], max_freq_offset_hz=100e3)


def _pair(lag_us: float, strong_hz: float, weak_hz: float, weak_first: bool = False,
          seed: int = 1) -> tuple[sim.SimFrame, sim.SimFrame]:
    """A stronger and a weaker DF17 of new addresses, the second `lag_us` after the first."""
    rng = np.random.default_rng(seed)
    t = 10e-3  # after the warm-up
    lag = lag_us * 1e-6
    strong = sim.SimFrame(sim.random_df17(rng, 0xA10000 + seed),
                          t + (lag if weak_first else 0.0), STRONG, strong_hz, 0.3)
    weak = sim.SimFrame(sim.random_df17(rng, 0xB20000 + seed),
                        t + (0.0 if weak_first else lag), WEAK, weak_hz, 2.1)
    return strong, weak


def _heard_again(*frames: sim.SimFrame) -> list[sim.SimFrame]:
    """A clean squitter of each frame's aircraft 50 ms on: what confirms a repaired first
    frame of a new address that was held (an overlapped reply's bits are not all sure)."""
    rng = np.random.default_rng(11)
    last = max(f.start_s for f in frames)
    return [sim.SimFrame(sim.random_df17(rng, int.from_bytes(f.data[1:4], "big")),
                         last + 0.05 + k * 400e-6, 22.0) for k, f in enumerate(frames)]


def _raw(frames: list[sim.SimFrame], rate: int, model: str, seed: int) -> np.ndarray:
    n = sim.samples_needed(frames, rate)
    rng = np.random.default_rng(seed)
    if model == "box":
        iq = sim.simulate_iq(frames, rate, n, rng)
    else:
        traits = analog.PulseTraits()
        iq = analog.render([analog.emission_of(f, traits) for f in frames], rate, n, rng)
    return np.frombuffer(sim.quantize(iq, "cu8"), np.uint8)


def demodulate(raw: np.ndarray, rate: int, with_iq: bool) -> tuple[FrameBatch, Demodulator]:
    mag = magnitude(raw, "cu8")
    demod = Demodulator(rate)
    padded = np.concatenate([mag, np.zeros(demod.lookahead, np.float32)])
    if with_iq:
        return demod.process(padded, 0, mag.size, raw, "cu8"), demod
    return demod.process(padded, 0, mag.size), demod


def hexes(batch: FrameBatch) -> list[str]:
    return [batch.msg[i, : batch.nbytes[i]].tobytes().hex() for i in range(len(batch))]


CASES = [("box", 2_000_000, False), ("box", 2_400_000, False), ("analog", 2_400_000, False),
         ("box", 2_000_000, True), ("box", 2_400_000, True)]


@pytest.mark.parametrize(("model", "rate", "weak_first"), CASES)
def test_the_weaker_reply_is_recovered_only_by_subtraction(model: str, rate: int,
                                                           weak_first: bool) -> None:
    # Carriers 75 kHz apart: their relative phase turns 9 radians over the frames.
    strong, weak = _pair(28.0, 40e3, -35e3, weak_first, seed=2)
    frames = [*_warmup(rate), strong, weak, *_heard_again(strong, weak)]
    raw = _raw(frames, rate, model, seed=2)
    with_iq, _ = demodulate(raw, rate, with_iq=True)
    without, demod = demodulate(raw, rate, with_iq=False)
    got = hexes(with_iq)
    assert weak.data.hex() in got and strong.data.hex() in got
    assert weak.data.hex() not in hexes(without)  # magnitudes alone cannot read it
    assert demod._weaker is None  # and without IQ nothing of the pass ran
    # Everything else the same, the recovered frame with its own timestamp, in order.
    assert [h for h in got if h != weak.data.hex()] == hexes(without)
    k = got.index(weak.data.hex())
    assert abs(int(with_iq.ticks[k]) - sim.truth_timestamp(weak)) <= 12_000_000 // rate
    assert np.all(np.diff(with_iq.ticks) >= 0)


@pytest.mark.parametrize("rate", RATES)
def test_a_clean_frame_gives_nothing_more(rate: int) -> None:
    rng = np.random.default_rng(5)
    lone = [sim.SimFrame(sim.random_df17(rng, 0xC30000 + k), 10e-3 + k * 400e-6, snr,
                         hz, 1.0) for k, (snr, hz) in enumerate(((24.0, 90e3), (12.0, -60e3)))]
    frames = [*_warmup(rate), *lone]
    raw = _raw(frames, rate, "box", seed=5)
    with_iq, demod = demodulate(raw, rate, with_iq=True)
    without, _ = demodulate(raw, rate, with_iq=False)
    assert hexes(with_iq) == hexes(without) == [f.data.hex() for f in frames]
    assert np.array_equal(with_iq.ticks, without.ticks)
    assert demod._weaker is None  # no frame wanted the pass: its kernel not even loaded


def test_a_live_warm_up_loads_the_pass_before_any_frame_wants_it() -> None:
    demod = Demodulator(2_400_000)
    raw = np.full(8192, 127, np.uint8)  # silence
    mag = np.concatenate([magnitude(raw, "cu8"), np.zeros(demod.lookahead, np.float32)])
    batch = demod.process(mag, 0, 4096, raw, "cu8", load_recovery=True)
    assert len(batch) == 0
    assert demod._weaker is not None and np.dtype(np.uint8) in demod._weaker_types


@pytest.mark.parametrize("rate", RATES)
def test_reconstruction_leaves_little_of_a_lone_reply(rate: int) -> None:
    """Subtracting a lone 24 dB reply at 90 kHz leaves about the noise (its amplitude is
    16x the noise's rms), from a timing a tick off."""
    rng = np.random.default_rng(9)
    frame = sim.SimFrame(sim.random_df17(rng, 0xD40000), 50e-6, 24.0, 90e3, 1.3)
    n = sim.samples_needed([frame], rate)
    iq = sim.simulate_iq([frame], rate, n, np.random.default_rng(9))
    noise = sim.simulate_iq([], rate, n, np.random.default_rng(9))
    g = geometry_for(rate)
    tps = g.ticks_per_sample
    tick = sim.truth_timestamp(frame)
    lo, hi = tick // tps - 1, tick // tps + g.span_long + 1
    re, im = iq.real.astype(np.float64), iq.imag.astype(np.float64)
    env, trial, other, u = (np.zeros(n) for _ in range(4))
    work = [np.zeros(64) for _ in range(4)]
    params = np.zeros(4)
    msg = np.frombuffer(frame.data, np.uint8)
    assert reconstruct(re, im, tick + 1, msg, 112, tps, g.response, lo, hi, env, trial,
                       other, u, *work, params)
    assert params[1] == pytest.approx(2 * np.pi * 90e3 / rate, rel=0.01)
    assert params[2] == pytest.approx(sim.pulse_amplitude(24.0, 0.04), rel=0.05)
    subtract(re, im, env, params)
    left = np.abs((re + 1j * im) - noise)[lo:hi]
    assert np.sqrt(np.mean(left ** 2)) < 0.35 * 0.04 * 16  # a few % of the amplitude
