"""Repaired first frames of new addresses: held, then released with their own time when
the address is confirmed, or dropped when it never is."""

from __future__ import annotations

import numpy as np

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.holding import HOLD_TICKS
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.sim import simulate as sim

RATE = 2_000_000  # a half-bit is one sample: a bit's halves are easy to reach
ICAO = 0x7A1B2C


def _start_sample(frame: sim.SimFrame) -> int:
    return round(frame.start_s * RATE)


def _blur_bit(iq: np.ndarray, frame: sim.SimFrame, bit: int, wrong: bool) -> None:
    """Make bit `bit` of `frame` hardly readable: its high half at 0.53 (0.35 when
    `wrong`) of the pulse, its low half at the rest, so it slices (wrongly) by a hair."""
    first = _start_sample(frame) + 16 + 2 * bit
    value = (frame.data[bit >> 3] >> (7 - (bit & 7))) & 1
    high, low = (first, first + 1) if value else (first + 1, first)
    pulse = iq[high].copy()
    share = 0.35 if wrong else 0.53
    iq[high] = pulse * share
    iq[low] = pulse * (1.0 - share)


def recording(frames: list[sim.SimFrame], blurred: dict[int, tuple[tuple[int, bool], ...]],
              n_samples: int) -> np.ndarray:
    """Magnitudes of `frames` at 30 dB, with the bits listed per frame index blurred."""
    iq = sim.simulate_iq(frames, RATE, n_samples, np.random.default_rng(2))
    for k, bits in blurred.items():
        for bit, wrong in bits:
            _blur_bit(iq, frames[k], bit, wrong)
    return magnitude(np.frombuffer(sim.quantize(iq, "cu8"), np.uint8), "cu8")


def blocks(demod: Demodulator, mag: np.ndarray, size: int) -> list[FrameBatch]:
    padded = np.concatenate([mag, np.zeros(demod.lookahead, np.float32)])
    return [demod.process(padded[first:first + size + demod.lookahead], first,
                          min(size, mag.size - first)) for first in range(0, mag.size, size)]


def hexes(batch: FrameBatch) -> list[str]:
    return [batch.msg[i, :batch.nbytes[i]].tobytes().hex() for i in range(len(batch))]


def frame_at(t: float, seed: int) -> sim.SimFrame:
    start = round(t * RATE) / RATE  # on a sample edge
    return sim.SimFrame(sim.random_df17(np.random.default_rng(seed), ICAO), start, 30.0)


# Bit 40 reads wrong, bit 70 right but even less certain: a repair the soft decision
# cannot vouch for.
UNSURE = ((40, True), (70, False))


def test_held_frame_is_released_with_its_own_time_when_the_address_is_confirmed() -> None:
    first, confirming = frame_at(100e-6, 1), frame_at(0.3, 2)
    mag = recording([first, confirming], {0: UNSURE}, round(0.32 * RATE))
    demod = Demodulator(RATE)
    early, late = blocks(demod, mag, round(0.2 * RATE))
    assert len(early) == 0  # held back: its address was never heard
    assert hexes(late) == [first.data.hex(), confirming.data.hex()]
    assert late.fixed.tolist() == [1, 0]
    assert abs(int(late.ticks[0]) - sim.truth_timestamp(first)) <= 6
    stats = demod.stats_dict()
    assert (stats["held"], stats["held_released"], stats["held_expired"]) == (1, 1, 0)


def test_held_frame_never_confirmed_is_dropped_after_the_window() -> None:
    first, stranger = frame_at(100e-6, 1), sim.SimFrame(
        sim.random_df17(np.random.default_rng(3), 0x3C0001), 0.6, 30.0)
    window_s = HOLD_TICKS / CLOCK_HZ
    mag = recording([first, stranger], {0: UNSURE}, round((window_s + 0.3) * RATE))
    demod = Demodulator(RATE)
    batches = blocks(demod, mag, round(0.25 * RATE))
    assert [h for b in batches for h in hexes(b)] == [stranger.data.hex()]
    stats = demod.stats_dict()
    assert (stats["held"], stats["held_released"], stats["held_expired"]) == (1, 0, 1)


def test_two_repairs_landing_on_the_same_address_confirm_each_other() -> None:
    one, two = frame_at(100e-6, 1), frame_at(0.05, 2)
    mag = recording([one, two], {0: UNSURE, 1: ((30, True), (90, False))},
                    round(0.06 * RATE))
    demod = Demodulator(RATE)
    (batch,) = blocks(demod, mag, mag.size)
    assert hexes(batch) == [one.data.hex(), two.data.hex()]
    assert batch.fixed.tolist() == [1, 1]


def test_a_least_certain_bad_bit_is_repaired_at_once_for_a_new_address() -> None:
    first = frame_at(100e-6, 1)
    mag = recording([first], {0: ((40, True),)}, round(0.001 * RATE))
    demod = Demodulator(RATE)
    (batch,) = blocks(demod, mag, mag.size)
    assert hexes(batch) == [first.data.hex()]
    assert demod.stats_dict()["new_address_repaired"] == 1
    assert demod.stats_dict()["held"] == 0



def test_repeats_of_one_reply_confirm_it_only_a_squitter_period_apart() -> None:
    """A beam's dwell brings the same all-call reply again and again, tens of ms apart,
    and may garble it the same way each time; acquisition squitters come once a second."""
    reply = sim.random_df11(np.random.default_rng(1), ICAO)
    for gap_s, released in ((0.01, 0), (0.9, 2)):
        frames = [sim.SimFrame(reply, round(t * RATE) / RATE, 30.0)
                  for t in (100e-6, 100e-6 + gap_s)]
        mag = recording(frames, {0: ((40, True),), 1: ((40, True),)},
                        round((gap_s + 0.01) * RATE))
        demod = Demodulator(RATE)
        found = [h for b in blocks(demod, mag, round(0.25 * RATE)) for h in hexes(b)]
        assert found == [reply.hex()] * released
        assert demod.stats_dict()["held"] == 2


def test_a_clean_all_call_reply_of_a_new_address_waits_for_its_address() -> None:
    """A reply to another interrogator whose code was misread as 0 is a clean DF11 too,
    so a new address's one waits: a reply train does not confirm itself, a squitter of
    the address does, and so does a surveillance reply whose parity gives it."""
    reply = sim.random_df11(np.random.default_rng(1), ICAO)
    train = [sim.SimFrame(reply, round(t * RATE) / RATE, 30.0) for t in (100e-6, 0.01, 0.02)]
    alone = recording(train, {}, round(0.03 * RATE))
    assert [len(b) for b in blocks(Demodulator(RATE), alone, alone.size)] == [0]

    squitter = frame_at(0.2, 2)
    mag = recording([*train, squitter], {}, round(0.21 * RATE))
    before, after = blocks(Demodulator(RATE), mag, round(0.105 * RATE))
    assert len(before) == 0
    assert hexes(after) == [reply.hex()] * 3 + [squitter.data.hex()]
    assert after.fixed.tolist() == [0, 0, 0, 0]  # nothing was repaired

    altitude = sim.random_address_parity(np.random.default_rng(4), 4, ICAO)
    surveillance = sim.SimFrame(altitude, round(0.05 * RATE) / RATE, 30.0)
    mag = recording([train[0], surveillance], {}, round(0.06 * RATE))
    (batch,) = blocks(Demodulator(RATE), mag, mag.size)
    assert hexes(batch) == [reply.hex(), altitude.hex()]
