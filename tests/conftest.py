"""Shared fixtures: the real recordings beside the repository, and simulated recordings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from adsbwatch.decoder.sim import simulate as sim

SHARED_RECORDINGS = Path(__file__).resolve().parents[1].parent / "shared" / "recordings"

SIM_SNR_DB = 25.0
SIM_SPACING_S = 500e-6
SIM_ADDRESSES = (0x3C6DD4, 0x4CA8F1, 0xA1B2C3, 0x06A0F7)
EXTENSION = {"cu8": ".cu8", "cs8": ".cs8", "cs16": ".cs16", "cf32": ".cf32"}

MakeRecording = Callable[..., tuple[Path, list[str]]]


@pytest.fixture(autouse=True)
def private_data_home(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default store lives under XDG_DATA_HOME: never the user's own in a test."""
    home = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def recordings() -> Path:
    """The folder of real captures (../shared/recordings); skips when it is absent."""
    if not (SHARED_RECORDINGS / "README.md").is_file():
        pytest.skip(f"{SHARED_RECORDINGS} not present: the shared real recordings sit "
                    "beside the repository, not in it")
    return SHARED_RECORDINGS


def sim_frames(rate: int, starts_s: Sequence[float] | None = None, n_frames: int = 20,
               seed: int = 0) -> list[sim.SimFrame]:
    """DF17 frames at 25 dB: at the given start times, or `n_frames` every 500 us."""
    rng = np.random.default_rng(seed)
    if starts_s is None:
        return sim.schedule(rng, n_frames, rate, SIM_SPACING_S, SIM_SNR_DB, SIM_ADDRESSES)
    return [
        sim.SimFrame(
            data=sim.random_df17(rng, SIM_ADDRESSES[k % len(SIM_ADDRESSES)]),
            start_s=start,
            snr_db=SIM_SNR_DB,
            carrier_phase=float(rng.uniform(0.0, 2.0 * np.pi)),
        )
        for k, start in enumerate(starts_s)
    ]


@pytest.fixture
def make_recording(tmp_path: Path) -> MakeRecording:
    """make_recording(rate, fmt, starts_s=None, n_frames=20, seed=0, name=None) writes a
    simulated recording to tmp_path and returns (path, truth frames as hex, in time order).
    """

    def make(rate: int = 2_400_000, fmt: str = "cu8", starts_s: Sequence[float] | None = None,
             n_frames: int = 20, seed: int = 0, name: str | None = None,
             ) -> tuple[Path, list[str]]:
        frames = sim_frames(rate, starts_s, n_frames, seed)
        rng = np.random.default_rng(seed + 1)
        iq = sim.simulate_iq(frames, rate, sim.samples_needed(frames, rate), rng)
        path = tmp_path / (name or f"sim_{rate}_{seed}{EXTENSION[fmt]}")
        path.write_bytes(sim.quantize(iq, fmt))
        ordered = sorted(frames, key=lambda f: f.start_s)
        return path, [f.data.hex() for f in ordered]

    return make
