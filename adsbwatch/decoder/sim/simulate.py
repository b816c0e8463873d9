"""Mode S signal simulator: frames in, IQ samples out, the truth kept.

The ground truth for tests and the sensitivity benchmarks. The model is ideal PPM:
rectangular pulses on a 24 MHz grid (1/24 us, the finest step every supported rate
divides), rotated by a carrier offset and phase, then integrate-and-dump to the output
rate. Output sample n is the mean of the signal over [n, n+1) sample periods: the same
box convention the demodulator assumes. Noise is complex white Gaussian at the output rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.decoder.frames.crc import with_parity
from adsbwatch.decoder.frames.formats import ADDRESS_PARITY_DFS, CLOCK_HZ, LONG_BITS, frame_bits
from adsbwatch.decoder.sim.encode import check_icao

GRID_HZ = 24_000_000  # simulation grid: 1 tick = 1/24 us
TICKS_PER_US = GRID_HZ // 1_000_000
HALF_BIT_TICKS = TICKS_PER_US // 2  # a pulse is 0.5 us
PREAMBLE_TICKS = 8 * TICKS_PER_US
PREAMBLE_PULSE_TICKS = (0, 24, 84, 108)  # 0, 1.0, 3.5, 4.5 us
LONGEST_FRAME_S = (PREAMBLE_TICKS + LONG_BITS * TICKS_PER_US) / GRID_HZ  # 120 us
SIMULATED_DFS = (11, 17, *ADDRESS_PARITY_DFS)


@dataclass(frozen=True)
class SimFrame:
    """One transmission: its bits, when it starts, how strong it is, its carrier."""

    data: bytes  # 7 or 14 bytes, parity included
    start_s: float  # leading edge of the first preamble pulse, seconds after sample 0 starts
    snr_db: float  # 10*log10(pulse amplitude^2 / noise power per output sample)
    freq_offset_hz: float = 0.0
    carrier_phase: float = 0.0  # radians, at the leading edge of the first pulse

    def __post_init__(self) -> None:
        if len(self.data) not in (7, 14):
            raise ValueError(f"a Mode S frame is 7 or 14 bytes, not {len(self.data)}")


def grid_factor(rate: float) -> int:
    """24 MHz ticks per output sample; rejects rates that do not divide 24 MHz."""
    factor = round(GRID_HZ / rate)
    if factor < 1 or abs(factor * rate - GRID_HZ) > 1e-6 * GRID_HZ / factor:
        raise ValueError(f"sample rate {rate:g} Hz does not divide 24 MHz evenly")
    return factor


def pulse_amplitude(snr_db: float, noise_rms: float) -> float:
    """The pulse amplitude A for which 10*log10(A^2 / noise_rms^2) = snr_db."""
    return noise_rms * 10.0 ** (snr_db / 20.0)


def start_tick(frame: SimFrame) -> int:
    """The frame's first pulse edge on the 24 MHz grid (start times round to 1/24 us)."""
    return round(frame.start_s * GRID_HZ)


def truth_timestamp(frame: SimFrame) -> int:
    """12 MHz ticks from sample 0 to the first preamble pulse (the Beast convention)."""
    return round(frame.start_s * CLOCK_HZ)


def frame_duration_s(data: bytes) -> float:
    """Preamble plus data, from the first pulse edge to the end of the last bit."""
    return (PREAMBLE_TICKS + len(data) * 8 * TICKS_PER_US) / GRID_HZ


def samples_needed(frames: Sequence[SimFrame], rate: float, tail_s: float = 100e-6) -> int:
    """Output length that holds every frame plus `tail_s` of noise after the last."""
    end = max((f.start_s + frame_duration_s(f.data) for f in frames), default=0.0)
    return math.ceil((end + tail_s) * rate)


def envelope(data: bytes) -> np.ndarray:
    """0/1 pulse envelope of a frame at 24 MHz, from the first preamble edge."""
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).astype(np.float32)
    halves = np.stack([bits, 1.0 - bits], axis=1).ravel()  # a 1 is high in the first half
    out = np.zeros(PREAMBLE_TICKS + halves.size * HALF_BIT_TICKS, dtype=np.float32)
    for tick in PREAMBLE_PULSE_TICKS:
        out[tick : tick + HALF_BIT_TICKS] = 1.0
    out[PREAMBLE_TICKS:] = np.repeat(halves, HALF_BIT_TICKS)
    return out


def _frame_samples(frame: SimFrame, factor: int, amplitude: float) -> tuple[int, np.ndarray]:
    """(index of the first output sample touched, the frame's output samples)."""
    env = envelope(frame.data)
    tick0 = start_tick(frame)
    first = tick0 // factor
    lead = tick0 - first * factor  # ticks of silence before the edge in the first sample
    n_out = -(-(lead + env.size) // factor)
    grid = np.zeros(n_out * factor, dtype=np.complex128)
    t = (np.arange(env.size) + 0.5) / GRID_HZ  # tick centres: a box mean is its centre phase
    carrier = np.exp(1j * (2.0 * np.pi * frame.freq_offset_hz * t + frame.carrier_phase))
    grid[lead : lead + env.size] = amplitude * env * carrier
    return first, grid.reshape(n_out, factor).mean(axis=1)


def simulate_iq(
    frames: Sequence[SimFrame],
    rate: float,
    n_samples: int,
    rng: np.random.Generator,
    noise_rms: float = 0.04,
) -> np.ndarray:
    """Complex64 samples at `rate` (full scale 1.0): the frames plus white noise, clipped.

    The noise is drawn first and only from `rng`, so the same seed gives the same noise
    whatever the frames: tests can subtract runs. Parts of frames outside the output
    are dropped.
    """
    if noise_rms <= 0:
        raise ValueError("noise_rms must be positive: frame amplitudes are set relative to it")
    factor = grid_factor(rate)
    sigma = noise_rms / math.sqrt(2.0)  # per component, so E|n|^2 = noise_rms^2
    iq = (rng.standard_normal(2 * n_samples, dtype=np.float32) * np.float32(sigma)).view(
        np.complex64
    )
    for frame in frames:
        amplitude = pulse_amplitude(frame.snr_db, noise_rms)
        first, chunk = _frame_samples(frame, factor, amplitude)
        lo, hi = max(first, 0), min(first + chunk.size, n_samples)
        if lo < hi:
            iq[lo:hi] += chunk[lo - first : hi - first].astype(np.complex64)
    parts = iq.view(np.float32)
    np.clip(parts, -1.0, 1.0, out=parts)  # an ADC clips I and Q separately
    return iq


def quantize(iq: np.ndarray, fmt: str) -> bytes:
    """Interleaved I,Q bytes as a dongle or recorder writes them."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise ValueError(f"unknown sample format {fmt!r}; expected one of {', '.join(FORMATS)}")
    x = np.ascontiguousarray(iq, dtype=np.complex64).view(np.float32)
    if spec.component == "<f4":
        return x.astype("<f4").tobytes()
    # 1.0 becomes the largest code above the centre (127.5 for cu8, 127 and 32767 for
    # cs8 and cs16), not IQFormat.full_scale (128, 32768: the most negative code), so
    # that +1.0 rounds in range. Reading with full_scale, the demodulator then sees
    # signed samples 1/128 (1/32768) weaker than written: the same for every frame.
    codes = np.iinfo(spec.component)
    scale = codes.max - spec.centre
    return np.clip(np.rint(x * scale + spec.centre), codes.min, codes.max).astype(
        spec.component).tobytes()


def _address_bytes(icao: int) -> bytes:
    check_icao(icao)
    return icao.to_bytes(3, "big")


def random_df17(rng: np.random.Generator, icao: int) -> bytes:
    """An extended squitter: DF17, CA=5, type code 1-22 with a random payload."""
    type_code = int(rng.integers(1, 23))
    me = (type_code << 51) | int(rng.integers(0, 1 << 51))
    return with_parity(bytes([(17 << 3) | 5]) + _address_bytes(icao) + me.to_bytes(7, "big"))


def random_df11(rng: np.random.Generator, icao: int) -> bytes:
    """An all-call reply: DF11, CA=5, interrogator code 0 (the rng is unused but kept
    for a uniform generator signature)."""
    del rng
    return with_parity(bytes([(11 << 3) | 5]) + _address_bytes(icao))


def random_address_parity(rng: np.random.Generator, df: int, icao: int) -> bytes:
    """A reply whose parity is the CRC XOR the address (DF0/4/5/16/20/21): random fields."""
    if df not in ADDRESS_PARITY_DFS:
        raise ValueError(f"DF{df} is not an address/parity format")
    _address_bytes(icao)  # validates the address
    body = bytearray(rng.bytes(frame_bits(df) // 8 - 3))
    # DF0/16 keep random low bits; DF4/5/20/21 get a flight status in use (FS 0-5).
    low = int(rng.integers(0, 6)) if df in (4, 5, 20, 21) else body[0] & 7
    body[0] = (df << 3) | low
    return with_parity(bytes(body), icao)


def random_frame(rng: np.random.Generator, df: int, icao: int) -> bytes:
    """A valid frame of any simulated downlink format."""
    if df == 17:
        return random_df17(rng, icao)
    if df == 11:
        return random_df11(rng, icao)
    return random_address_parity(rng, df, icao)


def schedule(
    rng: np.random.Generator,
    n_frames: int,
    rate: float,
    spacing_s: float,
    snr_db: float | tuple[float, float],
    addresses: Sequence[int],
    *,
    formats: Sequence[int] = (17,),
    max_freq_offset_hz: float = 0.0,
    lead_s: float = 100e-6,
) -> list[SimFrame]:
    """Frames every `spacing_s` after `lead_s`, each delayed by a random fraction of a
    whole sample (so every sub-sample phase occurs), with a random carrier phase, a
    frequency offset uniform in +-max_freq_offset_hz, and an SNR that is fixed or uniform
    in a (low, high) range. The first frame of each address is a DF17, so a decoder can
    learn the address before its address/parity frames arrive; later frames pick a
    format from `formats` at random.
    """
    period = 1.0 / rate
    grid_factor(rate)
    if spacing_s < LONGEST_FRAME_S + period + 1.0 / GRID_HZ:
        raise ValueError(f"spacing {spacing_s:g} s lets frames overlap")
    for df in formats:
        if df not in SIMULATED_DFS:
            raise ValueError(f"cannot simulate DF{df}")
    low, high = snr_db if isinstance(snr_db, tuple) else (snr_db, snr_db)
    heard: set[int] = set()
    frames = []
    for k in range(n_frames):
        icao = int(addresses[int(rng.integers(len(addresses)))])
        df = int(formats[int(rng.integers(len(formats)))]) if icao in heard else 17
        heard.add(icao)
        frames.append(
            SimFrame(
                data=random_frame(rng, df, icao),
                start_s=lead_s + k * spacing_s + float(rng.uniform(0.0, period)),
                snr_db=float(rng.uniform(low, high)),
                freq_offset_hz=float(rng.uniform(-max_freq_offset_hz, max_freq_offset_hz)),
                carrier_phase=float(rng.uniform(0.0, 2.0 * np.pi)),
            )
        )
    return frames
