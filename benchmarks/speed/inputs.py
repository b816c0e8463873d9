"""The inputs: modes1 repeated, its first milliseconds, a simulated 1-second file."""

from __future__ import annotations

import os
from pathlib import Path

from .config import Failure


def repeated(source: Path, times: int, dest: Path) -> Path:
    """`source` concatenated `times` times at `dest`; an existing file of the right size
    is reused. Written under a temporary name first, so a cut-off build is never reused."""
    size = source.stat().st_size
    if dest.exists() and dest.stat().st_size == size * times:
        return dest
    data = source.read_bytes()
    partial = dest.with_name(dest.name + ".part")
    with open(partial, "wb") as f:
        for _ in range(times):
            f.write(data)
    os.replace(partial, dest)
    return dest


def read_through(path: Path, chunk: int = 1 << 24) -> None:
    """Read a file once, so that it sits in the page cache before the first measured run:
    otherwise whichever decoder reads it first pays the disk (a second of system time)."""
    with open(path, "rb") as f:
        while f.read(chunk):
            pass


def head_of(source: Path, seconds: float, rate: int, dest: Path) -> Path:
    """The first `seconds` of a cu8 recording."""
    nbytes = round(seconds * rate) * 2
    with open(source, "rb") as f:
        data = f.read(nbytes)
    if len(data) < nbytes:
        raise Failure(f"{source} is shorter than {seconds:g} s", 2)
    if not (dest.exists() and dest.read_bytes() == data):
        dest.write_bytes(data)
    return dest


def one_second_file(dest: Path, n_frames: int = 100, rate: int = 2_400_000) -> tuple[Path, int]:
    """A simulated 1-second cu8 recording with `n_frames` DF17 frames, 10 ms apart."""
    import numpy as np

    from adsbwatch.decoder.sim import simulate as sim

    rng = np.random.default_rng(1090)
    addresses = [0x4CA000 + 0x35 * k for k in range(8)]
    frames = sim.schedule(rng, n_frames, rate, 1.0 / n_frames * 0.99, (14.0, 24.0),
                          addresses, max_freq_offset_hz=50e3)
    iq = sim.simulate_iq(frames, rate, rate, np.random.default_rng([1090, 1]))
    dest.write_bytes(sim.quantize(iq, "cu8"))
    return dest, len(frames)


def signal_seconds(path: Path, rate: int) -> float:
    return path.stat().st_size // 2 / rate
