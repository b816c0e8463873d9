"""Shared fixtures: the real recordings beside the repository, and simulated recordings.
Also where the session's compiled kernels live (set before anything imports numba)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from adsbwatch.receiver.cli.numba_cache import kernel_cache_name  # imports no numba

REPO = Path(__file__).resolve().parents[1]
KERNEL_CACHES = REPO / ".pytest_cache" / "numba"
STALE_CACHE_S = 86_400.0  # a cache folder untouched for a day belongs to sources long gone


def use_kernel_cache_for_these_sources() -> Path:
    """The session's kernels in the folder a run of the CLI names for these sources
    (numba_cache: one per state of the kernels' sources, so no older code is served),
    kept beside the checkout. Exported: the CLI in a subprocess takes the same folder."""
    folder = KERNEL_CACHES / kernel_cache_name()
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)  # in use: not stale for the others' pruning
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:  # a plugin loaded it first: it must read the setting again
        from numba.core import config
        config.reload_config()
    now = time.time()
    for other in KERNEL_CACHES.iterdir():
        if other != folder and now - other.stat().st_mtime > STALE_CACHE_S:
            remove_tree(other)
    return folder


def remove_tree(root: Path) -> None:
    """Remove `root`, read-only folders in it too (the read-only install test's)."""
    for parent, _, _ in os.walk(root):
        with contextlib.suppress(OSError):
            os.chmod(parent, 0o755)
    shutil.rmtree(root, ignore_errors=True)


KERNEL_CACHE = use_kernel_cache_for_these_sources()

from store_support import BACKENDS, UNEXPECTED, new_store_location  # noqa: E402

from adsbwatch.decoder.sim import simulate as sim  # noqa: E402  (imports numba)
from adsbwatch.receiver.core.network import NetworkThread  # noqa: E402

SHARED_RECORDINGS = REPO.parent / "shared" / "recordings"

SIM_SNR_DB = 25.0
SIM_SPACING_S = 500e-6
SIM_ADDRESSES = (0x3C6DD4, 0x4CA8F1, 0xA1B2C3, 0x06A0F7)
EXTENSION = {"cu8": ".cu8", "cs8": ".cs8", "cs16": ".cs16", "cf32": ".cf32"}

MakeRecording = Callable[..., tuple[Path, list[str]]]


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels() -> None:
    """The kernels compiled into the session's cache once, before any test: a run that
    finds none says it is compiling (kernel_cache.py), which would be one more line on
    stderr for whichever test came first on a fresh checkout."""
    done = subprocess.run([sys.executable, "-m", "adsbwatch", "replay",
                           str(REPO / "samples" / "airport_2400k.cu8"), "--no-db", "-q"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr


@pytest.fixture(autouse=True)
def private_data_home(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default store lives under XDG_DATA_HOME: never the user's own in a test."""
    home = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def no_unexpected_store_lines() -> Iterator[None]:
    """A recorder made without `lines` says nothing in the test (store_support.recorder)."""
    UNEXPECTED.clear()
    yield
    assert not UNEXPECTED, f"the store's writer said: {UNEXPECTED}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A real PostgreSQL server for the session (postgres_support.PgServer)."""
    from postgres_support import running_server

    yield from running_server()


@pytest.fixture
def own_pg_server() -> Iterator[object]:
    """A server of the test's own, to stop and start (postgres_support.PgServer)."""
    from postgres_support import running_server

    yield from running_server()


@pytest.fixture
def pg_url(pg_server) -> str:  # noqa: ANN001 - a PgServer
    """The URL of a new, empty database on the session's server."""
    return pg_server.url(pg_server.new_database())


@pytest.fixture(params=BACKENDS)
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """--db of a store that is not there yet, once per backend."""
    if request.param != "sqlite":
        # A server's store has no folder: its unsaved-rows files go to the working folder.
        request.getfixturevalue("monkeypatch").chdir(tmp_path)
    return new_store_location(request, tmp_path)


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


@pytest.fixture
def network() -> Iterator[NetworkThread]:
    """A real network loop, as a run's outputs have (stopped after the test)."""
    thread = NetworkThread("test-network")
    try:
        yield thread
    finally:
        thread.stop()


@pytest.fixture
def warnings() -> list[str]:
    """The lines a part under test says, to give it as its `warn`."""
    return []
