"""Phantoms on noise: minutes of receiver noise with Mode A/C replies and Mode S fruit
(DF11 all-call replies to other interrogators, DF4/5/20/21 replies) from aircraft that
never squitter, in the independent signal model (adsbwatch.decoder.sim.analog). No frame
in it can be vouched for, so every frame a decoder reports is a phantom: the bar is 0.

    python benchmarks/phantoms.py --minutes 5 --rates 2.0M 2.4M

Ours (`replay --raw`, each --fix level asked for) and dump1090-mutability --fix run on
the same recording; their frames are listed by downlink format.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from adsbwatch.decoder.sim import analog, fruit  # noqa: E402
from adsbwatch.decoder.sim import simulate as sim  # noqa: E402
from benchmarks.independent import add_decoder_args, baseline_argv  # noqa: E402
from benchmarks.sensitivity import AVR_LINE, parse_rate, rate_label  # noqa: E402


def write_noise(path: Path, rate: float, seconds: float, args: argparse.Namespace) -> int:
    """The recording, written chunk by chunk; returns the emissions in it."""
    rng = np.random.default_rng(args.seed)
    emissions = fruit.fruit(rng, seconds, mode_ac_per_s=args.mode_ac, all_call_per_s=args.all_call,
                            replies_per_s=args.replies)
    noise_rng = np.random.default_rng([args.seed, 1])
    with path.open("wb") as f:
        for iq in analog.render_chunks(emissions, int(rate), int(seconds * rate), noise_rng):
            f.write(sim.quantize(iq, "cu8"))
    return len(emissions)


def run(argv: list[str]) -> tuple[list[str], str]:
    """(frames reported, the last line of stderr)."""
    pythonpath = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=pythonpath)  # `python -m adsbwatch` from any cwd
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    frames = [m.group(1).lower() for m in map(AVR_LINE.match, done.stdout.splitlines()) if m]
    tail = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        tail = f"exit {done.returncode}: {tail}"
    return frames, tail


def by_format(frames: list[str]) -> str:
    counts = Counter(int(f[:2], 16) >> 3 for f in frames)
    return ", ".join(f"DF{df}: {n}" for df, n in sorted(counts.items())) or "none"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--rates", nargs="+", type=parse_rate, default=[2.0e6, 2.4e6])
    p.add_argument("--mode-ac", type=float, default=1500.0, help="Mode A/C replies/s (1500)")
    p.add_argument("--all-call", type=float, default=200.0, help="DF11 fruit/s (200)")
    p.add_argument("--replies", type=float, default=200.0, help="DF4/5/20/21 fruit/s (200)")
    p.add_argument("--seed", type=int, default=1600)
    add_decoder_args(p, ROOT / "benchmarks" / "work" / "phantoms")
    p.add_argument("--keep", action="store_true", help="keep the recordings")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    seconds = args.minutes * 60.0
    total = 0
    for rate in args.rates:
        path = args.out / f"noise_{rate_label(rate)}.cu8"
        count = write_noise(path, rate, seconds, args)
        print(f"\n{rate_label(rate)}S/s: {seconds:g} s of noise with {count} replies "
              f"({args.mode_ac:g} Mode A/C, {args.all_call:g} DF11, {args.replies:g} "
              "DF4/5/20/21 a second)")
        runs = [(f"ours --fix {n}", [sys.executable, "-m", "adsbwatch", "replay", str(path),
                                     "--raw", "--rate", rate_label(rate), "--format", "cu8",
                                     "--fix", str(n)]) for n in args.ours_fix]
        if args.baseline is not None:
            runs.append(("baseline --fix 1", baseline_argv(args.baseline, [
                str(path), "--raw", "--rate", rate_label(rate), "--format", "cu8"])))
        dump1090 = shutil.which(args.dump1090)
        if dump1090:
            runs.append(("dump1090-mut --fix", [dump1090, "--ifile", str(path), "--raw",
                                                "--fix"]))
        for name, argv_run in runs:
            frames, tail = run(argv_run)
            if name.startswith("ours"):
                total += len(frames)
            print(f"  {name:<20} {len(frames):>6} frames ({by_format(frames)})")
            if not name.startswith("dump1090"):
                print(f"  {'':<20} {tail}")
        if not args.keep:
            path.unlink()
    print(f"\nours, every rate and repair level: {total} frames (bar: 0)")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
