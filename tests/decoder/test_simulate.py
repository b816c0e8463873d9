"""The simulator is the project's ground truth, so check it against independent arithmetic:
exact pulse/sample overlaps in rational microseconds, a naive slicer, measured SNR."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.frames.crc import syndrome_of
from adsbwatch.decoder.sim import simulate as sim

RATES = (2.0e6, 2.4e6)
TINY_NOISE = 1e-7  # far below float32 resolution of a 0.5 amplitude: effectively noiseless
CLEAN_AMPLITUDE = 0.5
CLEAN_SNR = 20 * math.log10(CLEAN_AMPLITUDE / TINY_NOISE)


def pulses_us(data: bytes, start_tick: int) -> list[tuple[Fraction, Fraction]]:
    """High intervals in exact microseconds, written straight from the Mode S spec."""
    t0 = Fraction(start_tick, 24)
    edges = [Fraction(0), Fraction(1), Fraction(7, 2), Fraction(9, 2)]
    for i, byte in enumerate(data):
        for j in range(8):
            bit = (byte >> (7 - j)) & 1
            edges.append(8 + 8 * i + j + (0 if bit else Fraction(1, 2)))
    return [(t0 + e, t0 + e + Fraction(1, 2)) for e in edges]


def expected_fill(data: bytes, start_tick: int, rate: float, n: int) -> np.ndarray:
    """Fraction of each output sample's box [k, k+1)/rate covered by a pulse."""
    width = Fraction(1_000_000) / Fraction(round(rate))
    fill = [Fraction(0)] * n
    for lo, hi in pulses_us(data, start_tick):
        for k in range(max(0, math.floor(lo / width)), min(n, math.ceil(hi / width))):
            overlap = min(hi, (k + 1) * width) - max(lo, k * width)
            if overlap > 0:
                fill[k] += overlap / width
    return np.array([float(f) for f in fill])


def clean(frames: list[sim.SimFrame], rate: float, n: int) -> np.ndarray:
    return sim.simulate_iq(frames, rate, n, np.random.default_rng(0), noise_rms=TINY_NOISE)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("start_samples", [10.0, 10.25, 10.5, 10.9, 11 + 1 / 7])
def test_pulse_edges_follow_box_model(rate: float, start_samples: float) -> None:
    data = sim.random_df17(np.random.default_rng(1), 0xABCDEF)
    frame = sim.SimFrame(data, start_samples / rate, CLEAN_SNR, carrier_phase=0.7)
    iq = clean([frame], rate, 320)
    want = expected_fill(data, sim.start_tick(frame), rate, 320)
    # derotate by the known phase: the envelope must be real, non-negative, exact
    got = iq * np.exp(-1j * 0.7) / CLEAN_AMPLITUDE
    assert np.max(np.abs(got.real - want)) < 1e-5
    assert np.max(np.abs(got.imag)) < 1e-5
    assert want.max() == 1.0 or rate == 2.0e6  # some box sits fully inside a pulse at 2.4


def test_first_edge_lands_on_the_expected_sample() -> None:
    # at 2.4 MS/s a sample is 10 ticks: start 3 samples + 4 ticks -> sample 3 is 6/10 full
    frame = sim.SimFrame(sim.random_df11(np.random.default_rng(0), 1), (34 / 24e6), CLEAN_SNR)
    mag = np.abs(clean([frame], 2.4e6, 100)) / CLEAN_AMPLITUDE
    assert mag[2] == pytest.approx(0.0, abs=1e-6)
    assert mag[3] == pytest.approx(0.6, abs=1e-6)
    assert mag[4] == pytest.approx(0.6, abs=1e-6)  # ticks 40..46 high, then low
    # at 2.0 MS/s a sample is 12 ticks: 34 ticks -> sample 2 gets 2/12, sample 3 gets 10/12
    mag = np.abs(clean([frame], 2.0e6, 100)) / CLEAN_AMPLITUDE
    assert mag[1] == pytest.approx(0.0, abs=1e-6)
    assert mag[2] == pytest.approx(2 / 12, abs=1e-6)
    assert mag[3] == pytest.approx(10 / 12, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    tick=st.integers(min_value=0, max_value=2400),
    factor=st.sampled_from([8, 10, 12, 24]),
    long=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_box_model_any_rate_and_tick(tick: int, factor: int, long: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = sim.random_df17(rng, 0x123456) if long else sim.random_df11(rng, 0x123456)
    rate = 24e6 / factor
    frame = sim.SimFrame(data, tick / 24e6, CLEAN_SNR)
    n = sim.samples_needed([frame], rate)
    got = clean([frame], rate, n).real / CLEAN_AMPLITUDE
    assert np.max(np.abs(got - expected_fill(data, tick, rate, n))) < 1e-5


def test_start_time_resolves_to_a_24mhz_tick() -> None:
    data = sim.random_df11(np.random.default_rng(0), 0x0F0F0F)
    at = 1000 / 24e6
    base = clean([sim.SimFrame(data, at, CLEAN_SNR)], 2.4e6, 200)
    nudged = clean([sim.SimFrame(data, at + 0.4 / 24e6, CLEAN_SNR)], 2.4e6, 200)
    next_tick = clean([sim.SimFrame(data, at + 0.6 / 24e6, CLEAN_SNR)], 2.4e6, 200)
    assert np.array_equal(base, nudged)
    assert not np.allclose(base, next_tick, atol=1e-3)


def naive_slice(iq: np.ndarray, edge_s: float, nbits: int, rate: float) -> bytes:
    """Bits from the samples holding the centres of each bit's two halves."""
    mag = np.abs(iq)
    centre_s = edge_s + (8.25 + np.arange(nbits)) * 1e-6
    first = mag[np.floor(centre_s * rate).astype(int)]
    second = mag[np.floor((centre_s + 0.5e-6) * rate).astype(int)]
    return np.packbits(first > second).tobytes()


@pytest.mark.parametrize("rate", RATES)
def test_naive_slicer_reads_back_the_bits(rate: float) -> None:
    frames = sim.schedule(
        np.random.default_rng(7), 60, rate, 200e-6, CLEAN_SNR, [0xA00001, 0xA00002, 0xA00003],
        formats=(17, 11, 4, 5, 20, 21), max_freq_offset_hz=100e3,
    )
    if rate == 2.0e6:
        # When edges fall exactly mid-sample at 2.0 MS/s, each sample holds half of two
        # half-bits and the centre samples all read 0.5: a slicer needs the neighbours.
        # The exact box test covers that phase; move those frames by one tick here.
        frames = [sim.SimFrame(f.data, (sim.start_tick(f) + 1) / 24e6, f.snr_db,
                               f.freq_offset_hz, f.carrier_phase)
                  if sim.start_tick(f) % 12 == 6 else f for f in frames]
    iq = clean(frames, rate, sim.samples_needed(frames, rate))
    preamble_high = np.array([0.25, 1.25, 3.75, 4.75]) * 1e-6
    preamble_low = np.array([2.0, 2.5, 3.0, 6.0, 6.5, 7.0]) * 1e-6
    for frame in frames:
        edge_s = sim.start_tick(frame) / 24e6
        assert naive_slice(iq, edge_s, len(frame.data) * 8, rate) == frame.data
        high = np.abs(iq[np.floor((edge_s + preamble_high) * rate).astype(int)])
        low = np.abs(iq[np.floor((edge_s + preamble_low) * rate).astype(int)])
        assert np.all(high > 0.55 * CLEAN_AMPLITUDE)
        assert np.all(low < 1e-4)


def full_pulse_samples(frame: sim.SimFrame, rate: float) -> np.ndarray:
    """Indices of output samples whose whole box lies inside one pulse (integer ticks)."""
    factor = round(24e6 / rate)
    bits = np.unpackbits(np.frombuffer(frame.data, dtype=np.uint8)).astype(int)
    lo = sim.start_tick(frame) + np.concatenate(
        [[0, 24, 84, 108], 192 + 24 * np.arange(bits.size) + 12 * (1 - bits)])
    first = -(-lo // factor)  # first box starting at or after the rising edge
    return first[(first + 1) * factor <= lo + 12]


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("snr_db", [0.0, 6.0, 15.0])
def test_measured_snr_matches_request(rate: float, snr_db: float) -> None:
    rng = np.random.default_rng(int(snr_db) + 11)
    # frames start on a 12-tick grid at 2.0 MS/s so some boxes sit fully inside pulses
    frames = sim.schedule(rng, 150, rate, 300e-6, snr_db, [0xC0FFEE], max_freq_offset_hz=100e3)
    if rate == 2.0e6:
        frames = [sim.SimFrame(f.data, round(f.start_s * rate) / rate, f.snr_db,
                               f.freq_offset_hz, f.carrier_phase) for f in frames]
    iq = sim.simulate_iq(frames, rate, sim.samples_needed(frames, rate), rng, noise_rms=0.04)
    quiet = np.ones(iq.size, dtype=bool)
    for f in frames:
        quiet[int(f.start_s * rate) - 1 : int((f.start_s + 121e-6) * rate) + 2] = False
    inside = np.concatenate([full_pulse_samples(f, rate) for f in frames])
    noise = np.mean(np.abs(iq[quiet]) ** 2)
    assert noise == pytest.approx(0.04**2, rel=0.03)
    signal = np.mean(np.abs(iq[inside]) ** 2) - noise  # E|A+n|^2 = A^2 + N
    assert inside.size > 2000
    assert 10 * math.log10(signal / noise) == pytest.approx(snr_db, abs=0.5)


def test_carrier_offset_turns_the_phase() -> None:
    rate, offset = 2.4e6, 37_000.0
    data = bytes.fromhex("ff" * 11) + b"\xff\xff\xff"  # all ones: a pulse in every bit
    frame = sim.SimFrame(data, 2400 / 24e6, CLEAN_SNR, freq_offset_hz=offset, carrier_phase=1.0)
    iq = clean([frame], rate, 600)
    idx = full_pulse_samples(frame, rate)
    # a full box's mean phase is the carrier at the box centre, relative to the first edge
    t = (idx + 0.5) / rate - 2400 / 24e6
    want = np.exp(1j * (2 * np.pi * offset * t + 1.0))
    assert np.max(np.abs(iq[idx] / np.abs(iq[idx]) - want)) < 1e-3


def test_overlapping_frames_add_as_complex_sums() -> None:
    rng = np.random.default_rng(3)
    a = sim.SimFrame(sim.random_df17(rng, 0x111111), 20e-6, 12.0, 5e3, 0.3)
    b = sim.SimFrame(sim.random_df17(rng, 0x222222), 61.3e-6, 9.0, -40e3, 2.0)
    both, only_a, only_b, none = (sim.simulate_iq(f, 2.4e6, 500, np.random.default_rng(9))
                                  for f in ([a, b], [a], [b], []))
    assert np.max(np.abs(both - (only_a + only_b - none))) < 1e-6
    assert np.max(np.abs(only_a - none)) > 0.1  # the frames are really there


def test_noise_power_and_clipping() -> None:
    iq = sim.simulate_iq([], 2.0e6, 200_000, np.random.default_rng(5), noise_rms=0.04)
    assert iq.dtype == np.complex64
    assert np.mean(np.abs(iq) ** 2) == pytest.approx(0.0016, rel=0.02)
    assert np.mean(iq.real**2) == pytest.approx(np.mean(iq.imag**2), rel=0.03)
    loud = sim.SimFrame(sim.random_df11(np.random.default_rng(0), 5), 5e-6, 40.0, 0, 0.5)
    iq = sim.simulate_iq([loud], 2.0e6, 200, np.random.default_rng(5), noise_rms=0.04)
    assert np.max(np.abs(iq.real)) == 1.0  # 4.0 amplitude clips at full scale
    assert np.max(np.abs(iq.imag)) <= 1.0


def test_frames_partly_outside_the_output_are_cut() -> None:
    data = sim.random_df17(np.random.default_rng(0), 0x777777)
    frame = sim.SimFrame(data, -50e-6, CLEAN_SNR)
    got = clean([frame], 2.4e6, 300).real / CLEAN_AMPLITUDE
    whole = clean([sim.SimFrame(data, 50e-6, CLEAN_SNR)], 2.4e6, 600).real / CLEAN_AMPLITUDE
    assert np.allclose(got[:168], whole[240:408], atol=1e-5)  # 100 us = 240 samples later
    assert np.allclose(got[168:], 0.0, atol=1e-5)


def dequantize(raw: bytes, fmt: str) -> np.ndarray:
    scale = {"cu8": (np.uint8, 127.5, 127.5), "cs8": (np.int8, 0.0, 127.0),
             "cs16": (np.dtype("<i2"), 0.0, 32767.0), "cf32": (np.dtype("<f4"), 0.0, 1.0)}
    dtype, zero, full = scale[fmt]
    x = (np.frombuffer(raw, dtype=dtype).astype(np.float64) - zero) / full
    return x[0::2] + 1j * x[1::2]


@pytest.mark.parametrize("fmt,lsb", [("cu8", 1 / 127.5), ("cs8", 1 / 127), ("cs16", 1 / 32767),
                                     ("cf32", 1e-7)])
def test_quantize_round_trips_within_one_lsb(fmt: str, lsb: float) -> None:
    rng = np.random.default_rng(2)
    iq = (rng.uniform(-1, 1, 5000) + 1j * rng.uniform(-1, 1, 5000)).astype(np.complex64)
    iq[:3] = [1 + 1j, -1 - 1j, 0]
    raw = sim.quantize(iq, fmt)
    assert len(raw) == iq.size * 2 * {"cu8": 1, "cs8": 1, "cs16": 2, "cf32": 4}[fmt]
    back = dequantize(raw, fmt)
    assert np.max(np.abs(back.real - iq.real)) <= lsb
    assert np.max(np.abs(back.imag - iq.imag)) <= lsb


def test_quantize_known_values() -> None:
    iq = np.array([1 + 0j, -1 + 0.5j], dtype=np.complex64)
    assert sim.quantize(iq, "cu8") == bytes([255, 128, 0, 191])
    assert sim.quantize(iq, "cs8") == bytes([127, 0, 129, 64])  # -127 is 0x81
    assert sim.quantize(iq, "cs16")[:4] == b"\xff\x7f\x00\x00"  # little-endian 32767, 0
    with pytest.raises(ValueError, match="unknown sample format"):
        sim.quantize(iq, "cu16")


def test_generated_frames_have_valid_parity() -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        icao = int(rng.integers(0, 1 << 24))
        df17 = sim.random_df17(rng, icao)
        assert len(df17) == 14 and df17[0] == 0x8D and syndrome_of(df17) == 0
        assert int.from_bytes(df17[1:4], "big") == icao and 1 <= df17[4] >> 3 <= 22
        df11 = sim.random_df11(rng, icao)
        assert len(df11) == 7 and df11[0] == 0x5D and syndrome_of(df11) == 0
        assert int.from_bytes(df11[1:4], "big") == icao
        for df, size in ((0, 7), (4, 7), (5, 7), (16, 14), (20, 14), (21, 14)):
            frame = sim.random_address_parity(rng, df, icao)
            assert len(frame) == size and frame[0] >> 3 == df
            assert syndrome_of(frame) == icao
    with pytest.raises(ValueError):
        sim.random_address_parity(rng, 17, 1)
    with pytest.raises(ValueError):
        sim.random_df17(rng, 1 << 24)


def test_schedule_places_frames_as_promised() -> None:
    rate = 2.4e6
    addresses = [0x100000 + i for i in range(8)]
    frames = sim.schedule(np.random.default_rng(8), 400, rate, 130e-6, (3.0, 9.0), addresses,
                          formats=(11, 20, 21, 4), max_freq_offset_hz=100e3)
    starts = np.array([f.start_s for f in frames])
    ends = starts + np.array([(8 + 8 * len(f.data)) * 1e-6 for f in frames])  # 1 us a bit
    assert np.all(starts[1:] > ends[:-1])  # no overlap, in time order
    phase = (starts * rate) % 1.0  # sub-sample start phases cover the whole sample
    assert np.histogram(phase, bins=5, range=(0, 1))[0].min() > 50
    heard: set[int] = set()
    for f in frames:
        icao = int.from_bytes(f.data[1:4], "big") if f.data[0] >> 3 in (11, 17) else None
        if f.data[0] >> 3 == 17:
            heard.add(icao)
        else:
            # every address is heard in a DF17 before any other format
            assert (syndrome_of(f.data) if icao is None else icao) in heard
        assert 3.0 <= f.snr_db <= 9.0 and abs(f.freq_offset_hz) <= 100e3
        assert 0 <= f.carrier_phase < 2 * np.pi
    assert {f.data[0] >> 3 for f in frames} == {11, 17, 20, 21, 4}
    with pytest.raises(ValueError, match="overlap"):
        sim.schedule(np.random.default_rng(0), 3, rate, 100e-6, 10.0, addresses)


def test_frame_durations() -> None:
    assert sim.frame_duration_s(bytes(7)) == pytest.approx(64e-6)  # 8 us preamble, 56 bits
    assert sim.frame_duration_s(bytes(14)) == pytest.approx(120e-6)
    assert abs(sim.LONGEST_FRAME_S - 120e-6) < 1e-12


def test_truth_timestamps_count_12mhz_ticks_to_the_first_pulse() -> None:
    data = sim.random_df11(np.random.default_rng(0), 0x0F0F0F)
    # 1 ms is 12,000 ticks, 3.5 us is 42, two 24 MHz grid steps are one tick.
    for start_s, ticks in ((1e-3, 12_000), (3.5e-6, 42), (1000 / 24e6, 500),
                           (0.25, 3_000_000), (2.0, 24_000_000)):
        assert sim.truth_timestamp(sim.SimFrame(data, start_s, 10.0)) == ticks, start_s


def test_rates_must_divide_24mhz() -> None:
    assert sim.grid_factor(2.4e6) == 10 and sim.grid_factor(2.0e6) == 12
    assert sim.grid_factor(3e6) == 8
    with pytest.raises(ValueError, match="divide"):
        sim.grid_factor(2.5e6)
    with pytest.raises(ValueError, match="divide"):
        sim.simulate_iq([], 1.8e6 * 1.01, 10, np.random.default_rng(0))
