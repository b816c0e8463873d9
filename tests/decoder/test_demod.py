"""The demodulator against the simulator's ground truth, at 2.0 and 2.4 MS/s."""

from __future__ import annotations

import numpy as np
import pytest

from adsbwatch.decoder.demod.acceptance import (
    ACCEPT,
    ACCEPT_NEW,
    ACCEPT_OVERLAY,
    ACCEPT_PENDING,
    HOLD,
    REJECT,
    STAT_NAMES,
    _classify_or_pending,
)
from adsbwatch.decoder.demod.acceptance import _classify as _classify_kernel
from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.icaofilter import RecentAddresses
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.crc import syndrome_of, with_parity
from adsbwatch.decoder.sim import simulate as sim

RATES = (2_000_000, 2_400_000)


def demodulate(frames: list[sim.SimFrame], rate: int, fix: int = 1, seed: int = 3,
               n_samples: int | None = None) -> tuple[FrameBatch, Demodulator]:
    rng = np.random.default_rng(seed)
    n = n_samples or sim.samples_needed(frames, rate)
    iq = sim.simulate_iq(frames, rate, n, rng)
    mag = magnitude(np.frombuffer(sim.quantize(iq, "cu8"), np.uint8), "cu8")
    demod = Demodulator(rate, fix=fix)
    padded = np.concatenate([mag, np.zeros(demod.lookahead, np.float32)])
    return demod.process(padded, 0, mag.size), demod


def hexes(batch: FrameBatch) -> list[str]:
    return [batch.msg[i, : batch.nbytes[i]].tobytes().hex() for i in range(len(batch))]


@pytest.mark.parametrize("rate", RATES)
def test_every_frame_bit_exact_at_high_snr_with_timestamps(rate: int) -> None:
    rng = np.random.default_rng(rate)
    frames = sim.schedule(rng, 150, rate, 300e-6, 25.0, [0x400000 + k for k in range(12)],
                          formats=(17, 11), max_freq_offset_hz=150e3)
    batch, _ = demodulate(frames, rate)
    assert hexes(batch) == [f.data.hex() for f in frames]  # all of them, in time order
    ticks_per_sample = 12_000_000 // rate
    errors = batch.ticks - np.array([sim.truth_timestamp(f) for f in frames])
    assert np.abs(errors).max() <= ticks_per_sample  # within one sample
    # Level: a 25 dB frame over noise of 0.04 full scale has amplitude 0.71 (-3 dBFS).
    error = batch.dbfs - 20 * np.log10(sim.pulse_amplitude(25.0, 0.04))
    assert abs(np.median(error)) < 1.0
    assert np.abs(error).max() < 3.0


@pytest.mark.parametrize("rate", RATES)
def test_every_sub_sample_phase_decodes(rate: int) -> None:
    """Frames starting at each 24 MHz step within a sample, including mid-sample edges,
    which a plain half-bit slicer cannot read at 2.0 MS/s."""
    steps = 24_000_000 // rate
    rng = np.random.default_rng(1)
    frames = [sim.SimFrame(sim.random_df17(rng, 0x3C6586), (100 + 400 * k) * 1e-6
                           + k % steps / 24e6, 20.0, carrier_phase=k * 0.7)
              for k in range(4 * steps)]
    batch, _ = demodulate(frames, rate)
    assert sorted(hexes(batch)) == sorted(f.data.hex() for f in frames)


@pytest.mark.parametrize("rate", RATES)
def test_noise_alone_yields_no_frames(rate: int) -> None:
    batch, demod = demodulate([], rate, fix=2, n_samples=rate // 2)
    assert len(batch) == 0
    assert demod.stats_dict()["screened"] > 0  # the noise was looked at, not skipped


def test_address_parity_needs_its_address_heard_first() -> None:
    rng = np.random.default_rng(5)
    known, unknown = 0x4D2023, 0x123456
    frames = [
        sim.SimFrame(sim.random_address_parity(rng, 4, known), 100e-6, 20.0),
        sim.SimFrame(sim.random_df17(rng, known), 400e-6, 20.0),
        sim.SimFrame(sim.random_address_parity(rng, 20, known), 700e-6, 20.0),
        sim.SimFrame(sim.random_address_parity(rng, 5, unknown), 1000e-6, 20.0),
    ]
    batch, demod = demodulate(frames, 2_400_000)
    # The DF4 came before its address was heard, the DF5's address never was.
    assert hexes(batch) == [frames[1].data.hex(), frames[2].data.hex()]
    assert demod.stats_dict()["unknown_address"] >= 2


def _corrupt(frame: bytes, *positions: int) -> bytes:
    out = bytearray(frame)
    for pos in positions:
        out[pos >> 3] ^= 0x80 >> (pos & 7)
    return bytes(out)


def _classify(frame: bytes, weak: tuple[int, ...], fix: int,
              heard: tuple[int, ...] = ()) -> tuple[int, int, str]:
    """Run the CRC decision on a frame whose `weak` bits sliced with little margin, the
    first of them the least certain."""
    recent = RecentAddresses()
    for address in heard:
        recent.add(address, 1000)
    msg = np.zeros(14, np.uint8)
    msg[: len(frame)] = np.frombuffer(frame, np.uint8)
    nbits = len(frame) * 8
    margin = np.ones(112, np.float32)
    margin[list(weak)] = 0.05
    if weak:
        margin[weak[0]] = 0.02
    stats = np.zeros(len(STAT_NAMES), np.int64)
    status, fixed = _classify_kernel(msg, nbits, margin, fix, recent.keys, recent.times,
                                     0, stats)
    return status, fixed, msg[: len(frame)].tobytes().hex()


def test_a_surveillance_reply_confirms_a_held_address_only_when_read_surely() -> None:
    """Its parity names the held address only if every bit is right: a slicing with a
    bit at the threshold (noise, overlapped fruit) names one by chance."""
    altitude = sim.random_address_parity(np.random.default_rng(4), 4, 0x7A1B2C)
    held, nobody = RecentAddresses(), RecentAddresses()
    held.add(0x7A1B2C, 1000)

    def decide(margin: np.ndarray) -> int:
        msg = np.zeros(14, np.uint8)
        msg[:7] = np.frombuffer(altitude, np.uint8)
        stats = np.zeros(len(STAT_NAMES), np.int64)
        return _classify_or_pending(msg, 56, margin, 1, nobody.keys, nobody.times, 0,
                                    held.keys, held.times, 0, stats)[0]

    sure = np.ones(112, np.float32)
    assert decide(sure) == ACCEPT_PENDING
    unsure = sure.copy()
    unsure[30] = 0.05  # under a tenth of the mean margin
    assert decide(unsure) == REJECT
    unsure[30] = 0.2
    assert decide(unsure) == ACCEPT_PENDING


def test_one_weak_bad_bit_is_repaired_at_once_for_a_known_aircraft_only() -> None:
    frame = sim.random_df17(np.random.default_rng(9), 0x4CA123)
    bad = _corrupt(frame, 60)
    assert _classify(bad, (60, 80), fix=1, heard=(0x4CA123,)) == (ACCEPT, 1, frame.hex())
    assert _classify(bad, (80, 60), fix=1, heard=(0x4CA123,)) == (ACCEPT, 1, frame.hex())
    # A new address: held (the frame may be noise) while another bit is less certain.
    assert _classify(bad, (80, 60), fix=1) == (HOLD, 1, frame.hex())
    assert _classify(bad, (60, 80), fix=0, heard=(0x4CA123,))[0] == REJECT
    assert _classify(bad, (70,), fix=1, heard=(0x4CA123,))[0] == REJECT  # bit 60 was sure


def test_a_repair_of_the_least_certain_bit_stands_for_a_new_address() -> None:
    """A repair stands at once for a new address when the repaired bit is the least
    certain and every other bit was read surely: one weak bit, the one the syndrome
    names. A second bit nearly as unsure (as in most slicings of noise) holds it."""
    frame = sim.random_df17(np.random.default_rng(9), 0x4CA123)
    bad = _corrupt(frame, 60)
    assert _classify(bad, (60,), fix=1) == (ACCEPT_NEW, 1, frame.hex())
    assert _classify(bad, (60, 80), fix=1) == (HOLD, 1, frame.hex())  # bit 80 at 0.05
    # Not a DF11: its address stands on 56 bits, and the fruit of other interrogators
    # carries codes in its parity; a DF11 of a new address is always held.
    df11 = sim.random_df11(np.random.default_rng(1), 0x4D2023)
    assert _classify(_corrupt(df11, 30), (30,), fix=1) == (HOLD, 1, df11.hex())


def test_a_bad_bit_in_the_address_cannot_repair_into_an_unheard_one_at_once() -> None:
    frame = sim.random_df17(np.random.default_rng(9), 0x4CA123)
    bad = _corrupt(frame, 20)  # inside the address: the repair restores 4ca123
    assert _classify(bad, (20, 50), fix=1, heard=(0x4CA123,)) == (ACCEPT, 1, frame.hex())
    other = sim.random_df17(np.random.default_rng(9), 0x4CA123 ^ 0x1000)
    assert _classify(_corrupt(other, 20), (50, 20), fix=1, heard=(0x4CA123,)) == (
        HOLD, 1, other.hex())


def test_df11_repairs_one_bit_and_overlay_needs_the_address() -> None:
    frame = sim.random_df11(np.random.default_rng(1), 0x4D2023)
    assert _classify(_corrupt(frame, 30), (30,), fix=1, heard=(0x4D2023,)) == (
        ACCEPT, 1, frame.hex())
    iid = with_parity(frame[:4], overlay=0x13)  # an interrogator code in the parity
    assert _classify(iid, (), fix=1, heard=(0x4D2023,)) == (ACCEPT_OVERLAY, 0, iid.hex())
    assert _classify(iid, (), fix=1)[0] == REJECT


def test_two_weak_bad_bits_need_fix_2_and_a_df17() -> None:
    frame = sim.random_df17(np.random.default_rng(11), 0x4CA123)
    bad = _corrupt(frame, 40, 90)
    assert _classify(bad, (40, 90), fix=1, heard=(0x4CA123,))[0] == REJECT
    assert _classify(bad, (40, 90), fix=2, heard=(0x4CA123,)) == (ACCEPT, 2, frame.hex())
    assert _classify(bad, (40, 91), fix=2, heard=(0x4CA123,))[0] == REJECT


def test_reserved_capability_is_not_a_frame() -> None:
    rng = np.random.default_rng(2)
    frame = with_parity(bytes([0x8A]) + sim.random_df17(rng, 0x2124D3)[1:11])  # DF17 CA=2
    assert syndrome_of(frame) == 0
    batch, _ = demodulate([sim.SimFrame(frame, 100e-6, 25.0)], 2_400_000)
    assert len(batch) == 0


@pytest.mark.parametrize("rate", RATES)
def test_stronger_frame_starting_inside_a_weaker_one_is_recovered(rate: int) -> None:
    rng = np.random.default_rng(4)
    weak = sim.SimFrame(sim.random_df17(rng, 0x3C0001), 100e-6, 12.0)
    strong = sim.SimFrame(sim.random_df17(rng, 0x3C0002), 160e-6, 28.0)
    batch, _ = demodulate([weak, strong], rate)
    assert strong.data.hex() in hexes(batch)


@pytest.mark.parametrize("rate", RATES)
def test_back_to_back_frames_all_decode(rate: int) -> None:
    """Frames with no gap between them: the span guard must not swallow the next one."""
    rng = np.random.default_rng(6)
    frames = []
    t = 100e-6
    for k in range(20):
        # The DF11s' aircraft squitters too (the first DF11 waits for it: holding.py).
        data = sim.random_df17(rng, 0x3C0000 + k) if k % 2 else sim.random_df11(rng, 0x3C0001)
        frames.append(sim.SimFrame(data, t, 20.0 + (k % 3)))
        t += sim.frame_duration_s(data) + 2e-6
    batch, _ = demodulate(frames, rate)
    assert hexes(batch) == [f.data.hex() for f in frames]


def test_an_interrogator_code_read_unsure_is_not_taken() -> None:
    """A squitter (code 0) with bits misread in its last 7 reads as an all-call reply to
    another interrogator; its misread bits are the unsure ones."""
    frame = sim.random_df11(np.random.default_rng(1), 0x4D2023)
    reply = with_parity(frame[:4], overlay=0x3C)  # bits 50-53 differ from the squitter's
    assert _classify(reply, (), fix=1, heard=(0x4D2023,)) == (ACCEPT_OVERLAY, 0, reply.hex())
    assert _classify(reply, (20,), fix=1, heard=(0x4D2023,))[0] == ACCEPT_OVERLAY
    assert _classify(reply, (51,), fix=1, heard=(0x4D2023,))[0] == REJECT
