"""Paired speed of two commits' demodulators in one process: each block of the same
input demodulated by one, then by the other (the order swapped every round), so that the
load of a shared machine hits both alike. Finer than two runs of `benchmarks.speed`,
whose ratios move by 5-10% between runs; this one tells 2% apart.

    python benchmarks/paired.py c58787a HEAD --rate 2.4M --repeat 100 --rounds 20

Each commit's `adsbwatch` package is taken with `git archive` into
benchmarks/work/paired/ under its own name (imports renamed), so both load side by side;
both must find the same frames. Reports the median of the per-round CPU ratios.
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work" / "paired"
RECORDINGS = ROOT.parent / "shared" / "recordings"
SOURCES = {2_400_000: "modes1_resampled_cu8_2400k.bin", 2_000_000: "modes1_cu8_2000k.bin"}
BLOCK = 1 << 20  # the station's block size


def package_of(commit: str) -> str:
    """The commit's package under WORK as `adsbwatch_<sha>`; returns that name."""
    sha = subprocess.run(["git", "rev-parse", "--short", commit], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    name = f"adsbwatch_{sha}"
    dest = WORK / name
    if not dest.is_dir():
        archive = subprocess.run(["git", "archive", sha, "adsbwatch"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        staging = WORK / f".{name}"
        shutil.rmtree(staging, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(staging, filter="data")
        for path in (staging / "adsbwatch").rglob("*.py"):
            path.write_text(re.sub(r"\badsbwatch\b", name, path.read_text()))
        (staging / "adsbwatch").rename(dest)
        staging.rmdir()
    return name


def demodulator_class(name: str) -> type:
    """Its Demodulator: decoder/demod/demodulator.py, or the older decoder/demod.py."""
    try:
        return importlib.import_module(f"{name}.decoder.demod.demodulator").Demodulator
    except ModuleNotFoundError:
        return importlib.import_module(f"{name}.decoder.demod").Demodulator


def magnitudes(path: Path, repeat: int) -> np.ndarray:
    """cu8 magnitudes of `path` repeated, computed here: both decoders get the same."""
    iq = np.fromfile(path, dtype=np.uint8).astype(np.float32)
    i, q = (iq[0::2] - 127.5) / 127.5, (iq[1::2] - 127.5) / 127.5
    return np.tile(np.sqrt(i * i + q * q).astype(np.float32), repeat)


def make(cls: type, rate: int, frozen: bool) -> object:
    """A demodulator; `frozen`: one that keeps its pulse response as built, where it can
    learn one (session 7 on), so that two commits can find the same frames."""
    if frozen and "learn_pulses" in getattr(cls, "__dataclass_fields__", {}):
        return cls(rate, learn_pulses=False)
    return cls(rate)


def one_round(classes: dict[str, type], mag: np.ndarray, rate: int,
              order: Sequence[str], frozen: bool = False) -> dict:
    """CPU seconds of each decoder over all blocks, and the frames each found."""
    decoders = {name: make(cls, rate, frozen) for name, cls in classes.items()}
    lookahead = next(iter(decoders.values())).lookahead
    padded = np.concatenate([mag, np.zeros(lookahead, np.float32)])
    cpu = dict.fromkeys(classes, 0.0)
    frames = dict.fromkeys(classes, 0)
    for first in range(0, mag.size, BLOCK):
        scan = min(BLOCK, mag.size - first)
        for name in order:
            started = time.process_time()
            frames[name] += len(decoders[name].process(padded[first:first + scan + lookahead],
                                                       first, scan))
            cpu[name] += time.process_time() - started
    return {"cpu": cpu, "frames": frames}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--rate", choices=("2.4M", "2.0M"), default="2.4M")
    p.add_argument("--repeat", type=int, default=100, help="copies of modes1 (100)")
    p.add_argument("--rounds", type=int, default=20, help="measured rounds (20)")
    p.add_argument("--frozen", action="store_true",
                   help="pulse responses as built, not learnt (the learning's cost left out)")
    args = p.parse_args(argv)
    rate = 2_400_000 if args.rate == "2.4M" else 2_000_000
    WORK.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(WORK))
    names = [package_of(args.before), package_of(args.after)]
    classes = {name: demodulator_class(name) for name in names}
    mag = magnitudes(RECORDINGS / SOURCES[rate], args.repeat)
    ratios, cpu = [], {name: [] for name in names}
    for rnd in range(args.rounds + 1):  # round 0 compiles or loads the kernels
        got = one_round(classes, mag, rate, names if rnd % 2 else names[::-1], args.frozen)
        if len(set(got["frames"].values())) != 1:
            print(f"paired: the two find different frames: {got['frames']}", file=sys.stderr)
            return 1
        if rnd:
            for name in names:
                cpu[name].append(got["cpu"][name])
            ratios.append(got["cpu"][names[1]] / got["cpu"][names[0]])
    report(names, cpu, ratios, args, got["frames"][names[0]])
    return 0


def report(names: list[str], cpu: dict[str, list[float]], ratios: list[float],
           args: argparse.Namespace, frames: int) -> None:
    """Each commit's median and least CPU a pass, and the median of the per-round
    ratios after / before (this script's and passes.py's report)."""
    for name in names:
        print(f"{name}: median {statistics.median(cpu[name]):.4f} s CPU, "
              f"min {min(cpu[name]):.4f} s")
    print(f"{args.rate} x{args.repeat}, {args.rounds} rounds, {frames} frames: "
          f"{names[1]} / {names[0]} = {statistics.median(ratios):.3f} (median of the "
          f"per-round ratios; range {min(ratios):.3f}-{max(ratios):.3f})")


if __name__ == "__main__":
    sys.exit(main())
