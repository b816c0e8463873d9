"""Where things are and what is measured: paths, the peer, the recordings, settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
WORK = ROOT / "benchmarks" / "work"
RECORDINGS = ROOT.parent / "shared" / "recordings"
PEER_NAME = "dump1090-mutability"
PEER_PATH = Path("/usr/bin") / PEER_NAME
INSTALL_HINT = f"apt-get install -y {PEER_NAME}"
WARM_BAR_S = 2.0  # the goal for a warm start of a 1-second file
# Our own Numba cache: other processes on the machine (tests of a tree being edited) write
# the default one beside the sources, and Numba recompiles whenever a source file's time
# stamp changes. Only our runs write this one, so a write during a run means it compiled.
CACHE_DIR = WORK / "numba-cache"
VENV = WORK / "venv"
ATTEMPTS = 3  # runs of one measurement while it keeps compiling (the sources keep changing)
SINGLE_THREAD_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",  # numpy's BLAS would otherwise start a thread per core
    "MKL_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Recording:
    label: str  # "2.4" or "2.0"
    source: str  # file name in the recordings folder
    rate: int
    rate_arg: str  # our --rate

    def path(self, recordings: Path) -> Path:
        return recordings / self.source


REC_24 = Recording("2.4", "modes1_resampled_cu8_2400k.bin", 2_400_000, "2.4M")
REC_20 = Recording("2.0", "modes1_cu8_2000k.bin", 2_000_000, "2.0M")


class Failure(Exception):
    """An expected failure: one line for the user, and an exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
