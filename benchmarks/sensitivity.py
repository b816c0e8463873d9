"""Sensitivity curve: the share of simulated DF17 frames each decoder recovers bit-exact,
against SNR, for adsbwatch and dump1090-mutability.

For each SNR the simulator writes a cu8 file with the same frames, timing and noise
(one seed), only the pulse amplitude changes. Each decoder runs as a subprocess on it and
its AVR lines (*HEX;) are compared with the truth.

    python benchmarks/sensitivity.py --rate 2.4M --frames 300 --out benchmarks/work/
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from adsbwatch.decoder.sim import analog  # noqa: E402
from adsbwatch.decoder.sim import simulate as sim  # noqa: E402

AVR_LINE = re.compile(r"^(?:\*|@[0-9A-Fa-f]{12})([0-9A-Fa-f]{14}|[0-9A-Fa-f]{28});")


@dataclass
class Decoder:
    name: str
    argv: list[str]  # FILE is replaced by the recording's path
    failures: dict[float, str] = field(default_factory=dict)  # SNR -> why the run failed


@dataclass
class Score:
    recovered: int  # distinct true frames reported bit-exact
    phantoms: int  # reported lines that match no true frame
    duplicates: int  # extra reports of a true frame


def parse_rate(text: str) -> float:
    """'2.4M', '2400k', '2400000' or '2.4e6' -> samples per second."""
    scale = {"k": 1e3, "K": 1e3, "M": 1e6, "m": 1e6}.get(text[-1:], 1.0)
    try:
        return float(text[:-1] if scale != 1.0 else text) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a sample rate: {text!r}") from None


def rate_label(rate: float) -> str:
    return f"{rate / 1e6:g}M"


def case_path(out: Path, rate: float, snr_db: float, model: str = "box") -> Path:
    stem = "sens" if model == "box" else f"sens_{model}"
    return out / f"{stem}_{rate_label(rate)}_snr{snr_db:04.1f}.cu8"


def write_case(path: Path, rate: float, snr_db: float, args: argparse.Namespace) -> list[str]:
    """Simulate one SNR to a cu8 file plus a .truth file; return the true frames' hex."""
    rng = np.random.default_rng(args.seed)  # the same seed at every SNR: same frames
    addresses = [0x3C0000 + 0x111 * i for i in range(args.addresses)]
    frames = sim.schedule(rng, args.frames, rate, args.spacing_us * 1e-6, snr_db, addresses,
                          max_freq_offset_hz=args.max_offset_khz * 1e3)
    n = sim.samples_needed(frames, rate)
    noise_rng = np.random.default_rng([args.seed, 1])
    if args.model == "box":
        iq = sim.simulate_iq(frames, rate, n, noise_rng, noise_rms=args.noise_rms)
    else:  # each frame its own transmitter's pulses, the same at every SNR
        traits_rng = np.random.default_rng([args.seed, 2])
        emissions = [analog.emission_of(f, analog.random_traits(traits_rng)) for f in frames]
        iq = analog.render(emissions, round(rate), n, noise_rng, noise_rms=args.noise_rms)
    path.write_bytes(sim.quantize(iq, "cu8"))
    truth = [f.data.hex() for f in frames]
    if len(set(truth)) != len(truth):  # random 51-bit payloads: never in practice
        raise RuntimeError("the simulated frames are not all distinct; try another --seed")
    lines = (f"{sim.truth_timestamp(f)} {f.data.hex()} {f.freq_offset_hz:.0f}\n" for f in frames)
    path.with_suffix(".truth").write_text("# ts12MHz hex offset_hz\n" + "".join(lines))
    return truth


def run_decoder(decoder: Decoder, path: Path, timeout: float) -> list[str] | str:
    """The frames a decoder prints for one file (lower-case hex), or why it failed."""
    argv = [str(path) if a == "FILE" else a for a in decoder.argv]
    pythonpath = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=pythonpath)  # `python -m adsbwatch...` from any cwd
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"exit {done.returncode}: {tail}"
    return [m.group(1).lower() for m in map(AVR_LINE.match, done.stdout.splitlines()) if m]


def score(truth: Sequence[str], reported: Sequence[str]) -> Score:
    true_set = set(truth)
    recovered = len(true_set.intersection(reported))
    phantoms = sum(1 for r in reported if r not in true_set)
    return Score(recovered, phantoms, len(reported) - phantoms - recovered)


def snr_at_half(snrs: Sequence[float], fractions: Sequence[float]) -> float | None:
    """SNR where recovery first reaches 50%, interpolated linearly; None if it never does
    or already does at the lowest SNR (then the crossing is off the measured range)."""
    for i in range(1, len(fractions)):
        (s0, f0), (s1, f1) = (snrs[i - 1], fractions[i - 1]), (snrs[i], fractions[i])
        if f0 < 0.5 <= f1:
            return s0 + (0.5 - f0) * (s1 - s0) / (f1 - f0)
    return None


def build_decoders(rate: float, args: argparse.Namespace) -> list[Decoder]:
    ours = [sys.executable, "-m", "adsbwatch", "replay", "FILE", "--raw",
            "--rate", rate_label(rate), "--format", "cu8", "-q"]
    decoders = [Decoder(f"ours --fix {n}", [*ours, "--fix", str(n)]) for n in args.ours_fix]
    dump1090 = shutil.which(args.dump1090)
    if abs(rate - 2.4e6) > 1 and dump1090:
        print(f"dump1090-mutability reads 2.4 MS/s only: at {rate_label(rate)} ours only")
    elif dump1090:
        # its default is --no-fix; --fix (1-bit repair) is its best setting
        for flag in ("--fix", "--no-fix"):
            decoders.append(Decoder(f"dump1090-mut {flag}", [dump1090, "--ifile", "FILE",
                                                              "--raw", flag]))
    else:
        print(f"{args.dump1090} not found: ours only")
    return decoders


def print_table(snrs: list[float], decoders: list[Decoder], results: dict, n: int) -> None:
    print(f"\n{n} DF17 frames per SNR; cells: recovered bit-exact % / phantom frames")
    if any(d.name.startswith("dump1090") for d in decoders):
        print("dump1090-mutability defaults to --no-fix; --fix (1-bit CRC repair) is its best")
    print(f"{'SNR dB':>6} " + " ".join(f"{d.name:>22}" for d in decoders))
    for snr in snrs:
        cells = []
        for d in decoders:
            s = results.get((d.name, snr))
            cells.append("failed" if s is None else f"{100 * s.recovered / n:5.1f}% / {s.phantoms}")
        print(f"{snr:6.1f} " + " ".join(f"{c:>22}" for c in cells))


def summarize(snrs: list[float], decoders: list[Decoder], results: dict, n: int) -> None:
    """The 50% points, and ours against dump1090's best setting."""
    half: dict[str, float | None] = {}
    for d in decoders:
        fractions = [results[(d.name, s)].recovered / n for s in snrs if (d.name, s) in results]
        if len(fractions) == len(snrs):
            half[d.name] = snr_at_half(snrs, fractions)
            if half[d.name] is not None:
                shown = f"{half[d.name]:.2f} dB"
            elif fractions[0] >= 0.5:
                shown = f"at or below {snrs[0]:g} dB (lower --snr-min)"
            else:
                shown = f"not reached by {snrs[-1]:g} dB"
            print(f"50% recovery: {d.name:<20} {shown}")
        if d.failures:
            snr, why = next(iter(d.failures.items()))
            print(f"{d.name}: failed at {len(d.failures)} SNRs; first at {snr:g} dB: {why}")
    found = {k: v for k, v in half.items() if v is not None}
    ours = {k: v for k, v in found.items() if k.startswith("ours")}
    theirs = {k: v for k, v in found.items() if not k.startswith("ours")}
    if ours and theirs:
        o, t = min(ours, key=ours.get), min(theirs, key=theirs.get)
        print(f"best of ours ({o}) minus best of dump1090 ({t}): {ours[o] - theirs[t]:+.2f} dB "
              "(negative: ours needs less signal)")


def write_csv(path: Path, rate: float, snrs: list[float], decoders: list[Decoder],
              results: dict, n: int) -> None:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["rate", "snr_db", "decoder", "frames", "recovered", "fraction",
                      "phantoms", "duplicates"])
        for d in decoders:
            for snr in snrs:
                s = results.get((d.name, snr))
                if s is not None:
                    out.writerow([rate_label(rate), snr, d.name, n, s.recovered,
                                  f"{s.recovered / n:.4f}", s.phantoms, s.duplicates])


def plot(path: Path, rate: float, snrs: list[float], decoders: list[Decoder], results: dict,
         n: int) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return  # optional: the CSV holds the same numbers
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for d in decoders:
        xs = [s for s in snrs if (d.name, s) in results]
        if xs:
            ys = [100 * results[(d.name, s)].recovered / n for s in xs]
            ax.plot(xs, ys, marker="o", label=d.name)
    ax.set(xlabel="SNR per sample (dB)", ylabel="frames recovered bit-exact (%)",
           title=f"Sensitivity, {n} DF17 frames, {rate_label(rate)}S/s cu8", ylim=(0, 101))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=parse_rate, default=2.4e6, help="2.4M (default) or 2.0M")
    p.add_argument("--model", choices=("box", "analog"), default="box",
                   help="signal model: box (the simulator the demodulator was built on, "
                        "default) or analog (band-limited pulses, point samples)")
    p.add_argument("--frames", type=int, default=300, help="DF17 frames per SNR (300)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "work")
    p.add_argument("--snr-min", type=float, default=0.0)
    p.add_argument("--snr-max", type=float, default=20.0)
    p.add_argument("--snr-step", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1090)
    p.add_argument("--addresses", type=int, default=20, help="distinct aircraft (20)")
    p.add_argument("--spacing-us", type=float, default=400.0, help="frame spacing (400 us)")
    p.add_argument("--max-offset-khz", type=float, default=100.0,
                   help="carrier offsets uniform in +- this (100 kHz)")
    p.add_argument("--noise-rms", type=float, default=0.04, help="noise, full scale 1 (0.04)")
    p.add_argument("--ours-fix", type=int, nargs="+", default=[1, 2], choices=(0, 1, 2),
                   help="adsbwatch --fix levels to run (1 2)")
    p.add_argument("--dump1090", default="dump1090-mutability", help="dump1090 executable")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per decoder run")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:  # bad rate or spacing: say so in one line before any work
        sim.schedule(np.random.default_rng(0), 1, args.rate, args.spacing_us * 1e-6, 0.0, [0])
    except ValueError as exc:
        print(f"sensitivity: {exc} (try --rate 2.4M or 2.0M, --spacing-us >= 121)",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    count = int(round((args.snr_max - args.snr_min) / args.snr_step)) + 1
    snrs = [round(args.snr_min + i * args.snr_step, 6) for i in range(count)]
    decoders = build_decoders(args.rate, args)
    results: dict[tuple[str, float], Score] = {}
    for snr in snrs:
        path = case_path(args.out, args.rate, snr, args.model)
        truth = write_case(path, args.rate, snr, args)
        for d in decoders:
            got = run_decoder(d, path, args.timeout)
            if isinstance(got, str):
                d.failures[snr] = got
            else:
                results[(d.name, snr)] = score(truth, got)
        print(f"SNR {snr:5.1f} dB done", file=sys.stderr)
    print(f"\n{args.model} signal model")
    print_table(snrs, decoders, results, args.frames)
    print()
    summarize(snrs, decoders, results, args.frames)
    name = f"sensitivity_{rate_label(args.rate)}"
    if args.model != "box":
        name += f"_{args.model}"
    write_csv(args.out / f"{name}.csv", args.rate, snrs, decoders, results, args.frames)
    print(f"wrote {args.out / (name + '.csv')}")
    plot(args.out / f"{name}.png", args.rate, snrs, decoders, results, args.frames)
    return 0


if __name__ == "__main__":
    sys.exit(main())
