"""No frame lost or reported twice where a stream is cut into blocks."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from frames_support import demodulate_file

from adsbwatch.decoder.sim import simulate as sim
from adsbwatch.receiver.sources.blocks import cut_blocks

RATE = 2_400_000


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    rng = np.random.default_rng(21)
    frames = sim.schedule(rng, 200, RATE, 150e-6, 22.0, [0x4B1800 + k for k in range(8)],
                          formats=(17, 11), max_freq_offset_hz=50e3)
    iq = sim.simulate_iq(frames, RATE, sim.samples_needed(frames, RATE), rng)
    path = tmp_path_factory.mktemp("blocks") / "stream.cu8"
    path.write_bytes(sim.quantize(iq, "cu8"))
    return path, [f.data.hex() for f in frames]


def run(path: Path, block_samples: int) -> list[tuple[str, int]]:
    return demodulate_file(path, "cu8", RATE, block_samples=block_samples).timed


@pytest.mark.parametrize("block_samples", [1000, 1999, 4096, 7777, 33_333])
def test_any_block_size_gives_every_frame_once(recording, block_samples: int) -> None:
    path, truth = recording
    whole = run(path, 1 << 20)
    assert [f for f, _ in whole] == truth
    # Frames straddle many of these boundaries (one every 150 us = 360 samples).
    assert run(path, block_samples) == whole


class ShortReads(io.RawIOBase):
    """A stream whose reads return a few random bytes at a time, like a pipe."""

    def __init__(self, data: bytes, seed: int) -> None:
        self.data, self.pos, self.rng = data, 0, np.random.default_rng(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), int(self.rng.integers(1, 5000)), len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocks_do_not_depend_on_read_sizes(recording, seed: int) -> None:
    data = recording[0].read_bytes()
    fixed = [(b.first_sample, b.scan, b.raw.tobytes())
             for b in cut_blocks(io.BytesIO(data).readinto, 2, 10_000, 400)]
    chunked = [(b.first_sample, b.scan, b.raw.tobytes())
               for b in cut_blocks(ShortReads(data, seed).readinto, 2, 10_000, 400)]
    assert chunked == fixed
    assert sum(scan for _, scan, _ in fixed) == len(data) // 2
