"""A second signal model, independent of the box model the demodulator was built on:
what a real transmitter and a real dongle make of a reply.

The box model (simulate.py) makes each output sample the mean of ideal rectangular
pulses over its period, which is exactly what the demodulator's tables assume. Here,
instead, written from the standards and the hardware:

- the transmitter: pulses with rise and fall times (Annex 10 Vol IV: 0.05-0.1 us rise,
  0.05-0.2 us decay, 0.5 +- 0.05 us wide), merged where two high half-bits meet, an
  amplitude that droops through the reply (at most 2 dB between pulses), and a
  multipath echo (a delayed, weaker copy at another carrier phase);
- the path: a carrier offset and phase;
- the dongle: a low-pass filter (the tuner's IF filter and the RTL2832's decimator,
  one windowed-sinc FIR here) applied to the continuous signal, then samples taken at
  points, not averaged over their period; noise through the same filter's passband;
  the ADC's clipping and 8-bit steps come from `simulate.quantize`.

SNR is the box model's: the pulse amplitude squared over noise_rms^2, the noise power an
output sample would have if the noise filled the whole band; the tuner's filter passes
a share of it (about 2 x cutoff), and the same share of the pulses' energy.

Everything is computed on a 48 MHz grid (both supported rates divide it) at exact,
unrounded start times. Pulses are given as on-intervals, so Mode A/C replies go through
the same model as Mode S frames (see fruit.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from adsbwatch.decoder.sim.simulate import SimFrame, pulse_amplitude

FINE_HZ = 48_000_000
FINE_PER_US = FINE_HZ // 1_000_000
# A raised-cosine edge rises 10% -> 90% in this share of its whole length.
RAMP_10_90 = 0.5903


@dataclass(frozen=True)
class PulseTraits:
    """How one transmitter shapes its pulses, and what the path adds."""

    rise_us: float = 0.075  # 10% -> 90%
    fall_us: float = 0.125  # 90% -> 10%
    width_error_us: float = 0.0  # every pulse this much longer than nominal
    droop_db: float = 0.0  # amplitude lost from the first pulse to the last
    echo_delay_us: float = 0.0
    echo_db: float = -math.inf  # the echo's level relative to the direct path
    echo_phase: float = 0.0


def random_traits(rng: np.random.Generator, echo_share: float = 0.2) -> PulseTraits:
    """A transmitter anywhere in the standard's tolerances; `echo_share` of them with a
    multipath echo 10-20 dB down, 0.1-1.0 us late."""
    echo = rng.random() < echo_share
    return PulseTraits(
        rise_us=float(rng.uniform(0.05, 0.1)),
        fall_us=float(rng.uniform(0.05, 0.2)),
        width_error_us=float(rng.uniform(-0.05, 0.05)),
        droop_db=float(rng.uniform(0.0, 2.0)),
        echo_delay_us=float(rng.uniform(0.1, 1.0)) if echo else 0.0,
        echo_db=float(rng.uniform(-20.0, -10.0)) if echo else -math.inf,
        echo_phase=float(rng.uniform(0.0, 2 * math.pi)),
    )


@dataclass(frozen=True)
class Tuner:
    """The dongle's filter: a low-pass of `cutoff` times the sample rate either side of
    the centre (0.45: 1.08 MHz at 2.4 MS/s, 0.9 MHz at 2.0 MS/s), a Hamming-windowed
    sinc `half_us` long each side (1.5 us: a gentle edge about 1 MHz wide, like an
    analogue IF filter's, so part of what lies past half the rate folds back in); and
    a DC offset, in full scale."""

    cutoff: float = 0.45
    half_us: float = 1.5
    dc_offset: complex = 0j


@dataclass(frozen=True)
class Emission:
    """One transmission of any kind: its on-intervals in microseconds from the first
    edge, when it starts, how strong it is, its carrier and its transmitter's traits."""

    intervals_us: np.ndarray  # [k, 2] (start, end), sorted, gaps between them
    start_s: float
    snr_db: float
    freq_offset_hz: float = 0.0
    carrier_phase: float = 0.0
    traits: PulseTraits = field(default_factory=PulseTraits)

    @property
    def end_s(self) -> float:
        return self.start_s + float(self.intervals_us[-1, 1]) * 1e-6


def merge_intervals(starts_us: np.ndarray, width_us: float) -> np.ndarray:
    """[k, 2] on-intervals of pulses of `width_us` starting at sorted `starts_us`,
    pulses that touch merged into one (a transmitter does not key off in between)."""
    ends = starts_us + width_us
    new = np.ones(starts_us.size, dtype=bool)
    new[1:] = starts_us[1:] > ends[:-1] + 1e-9
    first = np.flatnonzero(new)
    last = np.append(first[1:], starts_us.size) - 1
    return np.stack([starts_us[first], ends[last]], axis=1)


def mode_s_intervals(data: bytes) -> np.ndarray:
    """On-intervals of a Mode S reply: the preamble's four pulses, then a 0.5 us pulse
    in the first half of each 1 bit and the second half of each 0 bit."""
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).astype(np.float64)
    data_starts = 8.0 + np.arange(bits.size) + 0.5 * (1.0 - bits)
    starts = np.concatenate([[0.0, 1.0, 3.5, 4.5], data_starts])
    return merge_intervals(starts, 0.5)


def emission_of(frame: SimFrame, traits: PulseTraits | None = None) -> Emission:
    """A simulator frame in this model (the same SNR convention: pulse amplitude
    squared over the noise power of one output sample)."""
    return Emission(mode_s_intervals(frame.data), frame.start_s, frame.snr_db,
                    frame.freq_offset_hz, frame.carrier_phase, traits or PulseTraits())


def _ramp(x: np.ndarray) -> np.ndarray:
    """0 -> 1 raised-cosine edge over x in [0, 1]."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def envelope(intervals_us: np.ndarray, traits: PulseTraits, t_us: np.ndarray) -> np.ndarray:
    """The transmitted amplitude (direct path, 1.0 at the first pulse) at times `t_us`
    from the first edge: each edge a raised cosine centred on its nominal time."""
    rise = traits.rise_us / RAMP_10_90
    fall = traits.fall_us / RAMP_10_90
    starts = intervals_us[:, 0]
    ends = intervals_us[:, 1] + traits.width_error_us
    # Intervals are at least 0.45 us apart and their edges shorter than that, so each
    # time falls in the reach of at most one of them: the last starting before it.
    k = np.clip(np.searchsorted(starts - rise / 2, t_us, side="right") - 1, 0, None)
    env = _ramp((t_us - starts[k]) / rise + 0.5) * _ramp((ends[k] - t_us) / fall + 0.5)
    span = max(float(ends[-1]), 1e-9)
    return env * 10.0 ** (-traits.droop_db / 20.0 * np.clip(t_us / span, 0.0, 1.0))


def lowpass_taps(cutoff_hz: float, sample_hz: float, half_us: float) -> np.ndarray:
    """A Hamming-windowed sinc low-pass at `sample_hz`, unit gain at DC."""
    half = round(half_us * sample_hz / 1e6)
    n = np.arange(-half, half + 1)
    taps = np.sinc(2.0 * cutoff_hz / sample_hz * n) * np.hamming(n.size)
    return taps / taps.sum()


def _fine_signal(em: Emission, first: int, count: int) -> np.ndarray:
    """The emission's complex baseband (unit amplitude) at fine ticks [first, first+count)."""
    t_us = (np.arange(first, first + count) / FINE_HZ - em.start_s) * 1e6
    tr = em.traits
    signal = envelope(em.intervals_us, tr, t_us).astype(np.complex128)
    if tr.echo_db > -math.inf:
        echo = envelope(em.intervals_us, tr, t_us - tr.echo_delay_us)
        signal += 10.0 ** (tr.echo_db / 20.0) * np.exp(1j * tr.echo_phase) * echo
    phase = 2.0 * math.pi * em.freq_offset_hz * t_us * 1e-6 + em.carrier_phase
    return signal * np.exp(1j * phase)


def emission_samples(em: Emission, rate: int, tuner: Tuner,
                     noise_rms: float) -> tuple[int, np.ndarray]:
    """(first output sample, the emission's output samples): the signal filtered on the
    fine grid, then taken at the output sample instants n / rate."""
    factor = FINE_HZ // rate
    taps = lowpass_taps(tuner.cutoff * rate, FINE_HZ, tuner.half_us)
    half = taps.size // 2
    echo_us = em.traits.echo_delay_us if em.traits.echo_db > -math.inf else 0.0
    last_us = float(em.intervals_us[-1, 1]) + 0.3 + echo_us
    first_out = math.floor(em.start_s * rate) - math.ceil(half / factor) - 1
    last_out = math.ceil((em.start_s + last_us * 1e-6) * rate) + math.ceil(half / factor) + 1
    first_out = max(first_out, 0)
    n_out = last_out - first_out + 1
    fine0 = first_out * factor - half
    fine = _fine_signal(em, fine0, (n_out - 1) * factor + taps.size)
    windows = np.lib.stride_tricks.sliding_window_view(fine, taps.size)[::factor]
    out = windows[:n_out] @ taps[::-1]
    return first_out, out * pulse_amplitude(em.snr_db, noise_rms)


def _noise(rng: np.random.Generator, n: int, noise_rms: float, tuner: Tuner,
           rate: int) -> np.ndarray:
    """Noise of a density that would give E|n|^2 = noise_rms^2 over the whole band, through
    the tuner's filter (its output-rate equivalent): the filter passes only its share."""
    half_us = max(tuner.half_us, 3e6 / rate)
    taps = lowpass_taps(tuner.cutoff * rate, rate, half_us)
    pad = taps.size - 1
    raw = rng.standard_normal(2 * (n + pad), dtype=np.float32).view(np.complex64)
    shaped = np.convolve(raw.real, taps, "valid") + 1j * np.convolve(raw.imag, taps, "valid")
    return (shaped * (noise_rms / math.sqrt(2.0))).astype(np.complex64)


def render(emissions: Sequence[Emission], rate: int, n_samples: int,
           rng: np.random.Generator, tuner: Tuner | None = None, noise_rms: float = 0.04,
           first_sample: int = 0) -> np.ndarray:
    """Complex64 samples [first_sample, first_sample + n_samples) at `rate` (full scale
    1.0, I and Q clipped at it as an ADC does): noise, then every emission that reaches
    into them."""
    tuner = tuner or Tuner()
    iq = _noise(rng, n_samples, noise_rms, tuner, rate) + np.complex64(tuner.dc_offset)
    for em in emissions:
        first, chunk = emission_samples(em, rate, tuner, noise_rms)
        lo = max(first, first_sample)
        hi = min(first + chunk.size, first_sample + n_samples)
        if lo < hi:
            iq[lo - first_sample:hi - first_sample] += chunk[lo - first:hi - first].astype(
                np.complex64)
    parts = iq.view(np.float32)
    np.clip(parts, -1.0, 1.0, out=parts)
    return iq


def render_chunks(emissions: Sequence[Emission], rate: int, n_samples: int,
                  rng: np.random.Generator, tuner: Tuner | None = None,
                  noise_rms: float = 0.04, chunk: int = 1 << 22) -> Iterator[np.ndarray]:
    """`render` of a long recording, `chunk` samples at a time (memory stays flat);
    `emissions` sorted by start."""
    reach_s = 200e-6  # an emission's samples reach at most this far from its start
    starts = np.array([em.start_s for em in emissions])
    for first in range(0, n_samples, chunk):
        count = min(chunk, n_samples - first)
        lo = np.searchsorted(starts, first / rate - reach_s)
        hi = np.searchsorted(starts, (first + count) / rate + reach_s)
        yield render(emissions[lo:hi], rate, count, rng, tuner, noise_rms, first)
