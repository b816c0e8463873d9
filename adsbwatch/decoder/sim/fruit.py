"""Interference: replies to other interrogators that a receiver hears but cannot use.

- Mode A/C replies: framing pulses F1 and F2 20.3 us apart, up to 12 code pulses at
  1.45 us steps between them (C1 A1 C2 A2 C4 A4 _ B1 D1 B2 D2 B4 D4), an SPI pulse
  4.35 us after F2; pulses 0.45 us wide (Annex 10 Vol IV 3.1.1.6).
- Mode S fruit: all-call replies (DF11) to another interrogator, whose parity carries
  that interrogator's code, and surveillance replies (DF4/5/20/21), whose parity carries
  the address; all from aircraft that never squitter within earshot. Neither can be
  vouched for, so a demodulator must let none of them through.

Each is an `analog.Emission`, placed at Poisson times.
"""

from __future__ import annotations

import math

import numpy as np

from adsbwatch.decoder.frames.crc import with_parity
from adsbwatch.decoder.sim.analog import Emission, merge_intervals, mode_s_intervals, random_traits
from adsbwatch.decoder.sim.simulate import random_address_parity

MODE_AC_PULSE_US = 0.45
MODE_AC_STEP_US = 1.45
MODE_AC_F2_US = 20.3
MODE_AC_SPI_US = 24.65
MODE_AC_X_SLOT = 7  # the middle code position, never sent
INTERROGATOR_CODES = range(1, 80)  # II 1-15 (code label 0) and SI 1-63 (code labels 1-4)


def mode_ac_intervals(code: int, spi: bool = False) -> np.ndarray:
    """On-intervals of a Mode A/C reply whose 12 code bits (C1 first) are `code`."""
    slots = [k for k in range(1, 14) if k != MODE_AC_X_SLOT]
    starts = [0.0] + [k * MODE_AC_STEP_US for i, k in enumerate(slots)
                      if code >> (11 - i) & 1] + [MODE_AC_F2_US]
    if spi:
        starts.append(MODE_AC_SPI_US)
    return merge_intervals(np.array(starts), MODE_AC_PULSE_US)


def all_call_reply(icao: int, interrogator: int, ca: int = 5) -> bytes:
    """A DF11 answering interrogator `interrogator` (its code overlaid on the parity)."""
    return with_parity(bytes([(11 << 3) | ca]) + icao.to_bytes(3, "big"), interrogator)


def _poisson_times(rng: np.random.Generator, per_second: float, duration_s: float) -> np.ndarray:
    count = int(rng.poisson(per_second * duration_s))
    return np.sort(rng.uniform(0.0, duration_s, count))


def fruit(rng: np.random.Generator, duration_s: float, *, mode_ac_per_s: float = 1500.0,
          all_call_per_s: float = 200.0, replies_per_s: float = 200.0,
          snr_db: tuple[float, float] = (3.0, 30.0),
          max_freq_offset_hz: float = 100e3) -> list[Emission]:
    """Interference for `duration_s`, sorted by start: Mode A/C replies with random codes,
    DF11 all-call replies to other interrogators and DF4/5/20/21 replies, each from an
    aircraft of its own (a random address, no two alike: a replying aircraft heard twice
    would vouch for itself), SNR uniform in `snr_db`."""
    kinds = (("mode_ac", mode_ac_per_s), ("all_call", all_call_per_s), ("reply", replies_per_s))
    times = {kind: _poisson_times(rng, per_second, duration_s) for kind, per_second in kinds}
    n_mode_s = times["all_call"].size + times["reply"].size
    addresses = iter((rng.choice((1 << 24) - 1, size=n_mode_s, replace=False) + 1).tolist())
    out = []
    for kind, _ in kinds:
        for t in times[kind]:
            if kind == "mode_ac":
                intervals = mode_ac_intervals(int(rng.integers(0, 1 << 12)), rng.random() < 0.05)
            else:
                icao = next(addresses)
                if kind == "all_call":
                    data = all_call_reply(icao, int(rng.choice(INTERROGATOR_CODES)))
                else:
                    data = random_address_parity(rng, int(rng.choice((4, 5, 20, 21))), icao)
                intervals = mode_s_intervals(data)
            out.append(Emission(intervals, float(t), float(rng.uniform(*snr_db)),
                                float(rng.uniform(-max_freq_offset_hz, max_freq_offset_hz)),
                                float(rng.uniform(0.0, 2 * math.pi)), random_traits(rng)))
    out.sort(key=lambda em: em.start_s)
    return out
