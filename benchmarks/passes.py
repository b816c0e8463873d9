"""Two commits' demodulation, whole passes in turns, each in a process of its own: each
round a child of one commit reads all of modes1 repeated, block by block as the station
does (its own magnitudes of the raw block, `Demodulator.process` (given the raw block
too where it takes it), the block's mean power), timing the loop only (no start-up),
then a child of the other (the order swapped every round); children pinned to one core.

Why not `paired.py` (both commits in one process): there whichever package was imported
first ran its kernel 30% slower than the other, the same code under either name (modes1
x100, session 9); alone in a process each ran as fast as the faster one.

    python benchmarks/passes.py 506fe7a HEAD --rate 2.4M --repeat 100 --rounds 10

Both must find the same frames (learning included: not frozen). Reports each commit's
median CPU of a pass and the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paired import (  # noqa: E402
    RECORDINGS,
    SOURCES,
    WORK,
    demodulator_class,
    package_of,
    report,
)

BLOCK = 1 << 20  # the station's block size


def one_pass(name: str, raw: np.ndarray, rate: int) -> tuple[float, int]:
    """CPU seconds and frames of one commit's pass over `raw` (cu8)."""
    magnitudes = importlib.import_module(f"{name}.decoder.demod.magnitude")
    # Magnitudes and the block's mean power in one pass where the commit has it, else the
    # power in a pass of its own (power.py), each as that commit's station ran them.
    fused = getattr(magnitudes, "magnitude_and_power", None)
    mean_power = (None if fused is not None
                  else importlib.import_module(f"{name}.decoder.demod.power").mean_power)
    demod = demodulator_class(name)(rate)
    # The raw IQ too where the demodulator takes it (recovery.py), as the station gives it.
    takes_raw = "raw" in inspect.signature(demod.process).parameters
    lookahead = demod.lookahead
    mag = np.zeros(BLOCK + 2 * lookahead, dtype=np.float32)
    total = raw.size // 2
    frames = 0
    started = time.process_time()
    for first in range(0, total, BLOCK):
        scan = min(BLOCK, total - first)
        block = raw[2 * first:2 * min(total, first + BLOCK + lookahead)]
        if fused is not None:
            have = fused(block, "cu8", mag, scan)[0].size
        else:
            have = magnitudes.magnitude(block, "cu8", mag).size
        mag[have:have + lookahead] = 0.0
        iq = (block, "cu8") if takes_raw else ()
        frames += len(demod.process(mag[:max(have, scan) + lookahead], first, scan, *iq))
        if mean_power is not None:
            mean_power(mag[:min(have, scan)])
    return time.process_time() - started, frames


def child(name: str, rate: int, repeat: int) -> None:
    """One pass of package `name` (under WORK); prints its CPU seconds and frames."""
    sys.path.insert(0, str(WORK))
    raw = np.tile(np.fromfile(RECORDINGS / SOURCES[rate], dtype=np.uint8), repeat)
    one_pass(name, raw[:2 * rate // 10], rate)  # load the kernels
    cpu, frames = one_pass(name, raw, rate)
    print(cpu, frames)


def run_child(name: str, rate: int, repeat: int, core: str) -> tuple[float, int]:
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    out = subprocess.run(["taskset", "-c", core, sys.executable, __file__, "--child", name,
                          "--rate", "2.4M" if rate == 2_400_000 else "2.0M",
                          "--repeat", str(repeat)], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before", nargs="?")
    p.add_argument("after", nargs="?")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--core", default="1", help="the core children are pinned to (1)")
    p.add_argument("--rate", choices=("2.4M", "2.0M"), default="2.4M")
    p.add_argument("--repeat", type=int, default=100, help="copies of modes1 (100)")
    p.add_argument("--rounds", type=int, default=10, help="measured rounds (10)")
    args = p.parse_args(argv)
    rate = 2_400_000 if args.rate == "2.4M" else 2_000_000
    if args.child:
        child(args.child, rate, args.repeat)
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    names = [package_of(args.before), package_of(args.after)]
    cpu: dict[str, list[float]] = {name: [] for name in names}
    ratios = []
    for rnd in range(args.rounds + 1):  # round 0 may compile the kernels
        got = {name: run_child(name, rate, args.repeat, args.core)
               for name in (names if rnd % 2 else names[::-1])}
        if got[names[0]][1] != got[names[1]][1]:
            print(f"passes: the two find different frames: {got}", file=sys.stderr)
            return 1
        if rnd:
            for name in names:
                cpu[name].append(got[name][0])
            ratios.append(got[names[1]][0] / got[names[0]][0])
    report(names, cpu, ratios, args, got[names[0]][1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
