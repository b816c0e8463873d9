"""The pulse response learnt from clean frames (calibration.py): it finds a response it was
not told, keeps the box model where that is right, and learns on an analog tuner's."""

from __future__ import annotations

import numpy as np
import pytest

from adsbwatch.decoder.demod.calibration import PulseCalibration, accumulate
from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.geometry import geometry_for
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.demod.pulseshape import REACH, box_response
from adsbwatch.decoder.sim import analog
from adsbwatch.decoder.sim import simulate as sim


def _high_halves(frame: bytes) -> list[int]:
    """Half-bit slots (0.5 us) from the first preamble pulse that carry a pulse."""
    bits = np.unpackbits(np.frombuffer(frame, np.uint8))
    return [0, 2, 7, 9] + [16 + 2 * i + (0 if b else 1) for i, b in enumerate(bits)]


def _samples(frame: bytes, start_tick: int, ticks: int, response: np.ndarray, n: int,
             low: float, amplitude: float) -> np.ndarray:
    """Magnitudes of a frame made of pulses of `response`, written out sample by sample."""
    out = np.full(n, low)
    for k in _high_halves(frame):
        for s in range(n):
            d = s * ticks - (start_tick + 6 * k)
            if -REACH <= d <= REACH:
                out[s] += amplitude * response[d + REACH]
    return out


def test_the_fit_finds_a_response_it_was_not_told() -> None:
    ticks = 5  # 2.4 MS/s
    d = np.arange(-REACH, REACH + 1)
    # Twice as wide as the box (about the same centre: the fit cannot tell a shifted
    # response from shifted frame times), rounded, with negative lobes (ringing).
    x = (d - 0.5) / 10.0
    truth = np.where(np.abs(x) < 1, np.cos(np.pi * x / 2) ** 2, 0.0)
    truth -= 0.08 * (np.exp(-((d - 15.5) / 3.0) ** 2) + np.exp(-((d + 14.5) / 3.0) ** 2))
    truth /= truth.max()
    cal = PulseCalibration()
    rng = np.random.default_rng(3)
    for _ in range(60):
        frame = sim.random_df17(rng, int(rng.integers(1, 1 << 24)))
        start, phase = 20, int(rng.integers(ticks))
        mag = _samples(frame, start * ticks + phase, ticks, truth, 320, 0.05, 0.6)
        assert accumulate(mag.astype(np.float32), start, phase, 112, np.frombuffer(frame, np.uint8),
                          0.05, 0.6, ticks, truth, cal.gram, cal.moment, cal.sumsq)
    learnt = cal.refit(box_response(ticks))
    assert np.abs(learnt - truth).max() < 0.05  # the fit is pulled a little to the box


def test_a_frame_the_response_cannot_explain_is_not_learnt_from() -> None:
    ticks = 5
    box = box_response(ticks)
    frame = sim.random_df17(np.random.default_rng(1), 0x3C1234)
    mag = _samples(frame, 100, ticks, box, 320, 0.05, 0.6)
    mag[150:190] += 0.5  # another reply over a third of it
    cal = PulseCalibration()
    assert not accumulate(mag.astype(np.float32), 20, 0, 112, np.frombuffer(frame, np.uint8),
                          0.05, 0.6, ticks, box, cal.gram, cal.moment, cal.sumsq)
    assert not cal.gram.any()


def _strong_frames(rate: int, n: int) -> list[sim.SimFrame]:
    return sim.schedule(np.random.default_rng(2), n, rate, 300e-6, (20.0, 28.0),
                        [0x400000 + k for k in range(20)], max_freq_offset_hz=100e3)


def _learn(rate: int, iq: np.ndarray, block: int = 1 << 17) -> Demodulator:
    demod, _ = _learn_frames(rate, iq, block)
    return demod


def _learn_frames(rate: int, iq: np.ndarray, block: int) -> tuple[Demodulator, list]:
    mag = magnitude(np.frombuffer(sim.quantize(iq, "cu8"), np.uint8), "cu8")
    demod = Demodulator(rate)
    padded = np.concatenate([mag, np.zeros(demod.lookahead, np.float32)])
    found = []
    for first in range(0, mag.size, block):
        stop = min(block, mag.size - first)
        batch = demod.process(padded[first:first + stop + demod.lookahead], first, stop)
        found += [(batch.msg[i].tobytes(), int(batch.ticks[i])) for i in range(len(batch))]
    return demod, found


@pytest.mark.parametrize("rate", [2_000_000, 2_400_000])
def test_box_model_signals_keep_the_box_model(rate: int) -> None:
    frames = _strong_frames(rate, 3000)
    iq = sim.simulate_iq(frames, rate, sim.samples_needed(frames, rate),
                         np.random.default_rng(5))
    demod = _learn(rate, iq)
    assert demod.calibration.refits >= 1
    assert np.array_equal(demod.geometry.response, geometry_for(rate).response)


@pytest.mark.parametrize("rate", [2_000_000, 2_400_000])
def test_a_tuners_filter_is_learnt(rate: int) -> None:
    frames = _strong_frames(rate, 3000)
    emissions = [analog.emission_of(f) for f in frames]
    iq = analog.render(emissions, rate, sim.samples_needed(frames, rate),
                       np.random.default_rng(5))
    demod = _learn(rate, iq)
    learnt, box = demod.geometry.response, geometry_for(rate).response
    assert demod.calibration.refits >= 1
    # Wider than the box: the filter smears each pulse into samples it does not touch.
    assert learnt[box == 0].max() > 0.05


def test_where_the_blocks_are_cut_changes_nothing_learnt() -> None:
    """Frames are learnt from at most one per slot of the stream's own clock, and refits
    take effect at fixed sample counts: any cut gives the same response and frames."""
    rate = 2_000_000
    frames = _strong_frames(rate, 3000)
    iq = analog.render([analog.emission_of(f) for f in frames], rate,
                       sim.samples_needed(frames, rate), np.random.default_rng(5))
    whole, found = _learn_frames(rate, iq, 1 << 20)
    cut, found_cut = _learn_frames(rate, iq, 7777)
    assert whole.calibration.refits >= 1
    assert np.array_equal(whole.geometry.response, cut.geometry.response)
    assert found == found_cut
