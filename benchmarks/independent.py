"""Sweeps on two signal models, ours beside dump1090-mutability in the same run.

    python benchmarks/independent.py single  [--models box analog] [--rates 2.0M 2.4M]
    python benchmarks/independent.py overlap [--models box analog] [--rates 2.0M 2.4M]
    python benchmarks/independent.py scene   [--aircraft 150 --seconds 60]

`single`: one DF17 per address never heard before (no decoder can lean on a known
address), `--per-snr` frames at each SNR from `--snr-min` to `--snr-max` dB, 500 us
apart, in one recording per model and rate. Reported: frames recovered bit-exact, the
SNR where each decoder first reaches 50% (linear interpolation), phantoms.

`overlap`: pairs of DF17s of new addresses, the second starting 0.5-110 us into the
first; the stronger at `--strong-snr` (uniform range), the weaker 3-12 dB below it,
either first. Reported: the share of pairs whose stronger / weaker frame is recovered.

`scene`: the 150-aircraft benchmark scene (`adsbwatch simulate --scene benchmark`: the
real transmission schedule, DF4/5 radar replies, overlaps as they come). Reported: the
share of frames sent that are recovered, false frames (reported, never sent) by format,
and phantom aircraft (addresses no aircraft of the scene has). In the analog model each
aircraft keeps one transmitter's traits for the whole scene.

Models (adsbwatch.decoder.sim): `box`, the simulator the demodulator was built on
(pulses averaged over each sample's period), and `analog`, the independent one
(band-limited pulses with rise and fall times, droop, echoes, point sampling; see
analog.py). SNR: pulse amplitude squared over the noise power of one output sample.
Before the frames measured, `--warmup` strong squitters of 20 other aircraft (not
scored): what a receiver has heard before, and learns the pulses' shape from.
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from adsbwatch.decoder.frames.crc import syndrome_of  # noqa: E402
from adsbwatch.decoder.sim import analog  # noqa: E402
from adsbwatch.decoder.sim import scene as sc  # noqa: E402
from adsbwatch.decoder.sim import simulate as sim  # noqa: E402
from benchmarks.sensitivity import (  # noqa: E402
    Decoder,
    parse_rate,
    rate_label,
    run_decoder,
    snr_at_half,
)

SPACING_S = 500e-6
NOISE_RMS = 0.04
MODELS = ("box", "analog")


@dataclass(frozen=True)
class Case:
    """A recording's frames and what the sweep groups them by."""

    frames: list[sim.SimFrame]
    groups: list[float]  # per frame: its SNR (single) or its pair's index (overlap)
    roles: list[str]  # per frame: "single", "strong" or "weak", or a scene's kind
    senders: list[int]  # per frame: its transmitter (in a scene, the aircraft's address)
    warmup: list[sim.SimFrame]  # strong frames before, not scored: a receiver's past


def fresh_addresses(rng: np.random.Generator, n: int) -> list[int]:
    """`n` distinct addresses, none of them 0."""
    return [int(a) for a in rng.choice(np.arange(1, 1 << 24), size=n, replace=False)]


def _frame(rng: np.random.Generator, icao: int, start_s: float, snr_db: float,
           rate: float) -> sim.SimFrame:
    return sim.SimFrame(sim.random_df17(rng, icao), start_s + float(rng.uniform(0, 1 / rate)),
                        snr_db, float(rng.uniform(-100e3, 100e3)),
                        float(rng.uniform(0, 2 * math.pi)))


def warmup_frames(rng: np.random.Generator, rate: float, n: int) -> list[sim.SimFrame]:
    """`n` strong squitters (20-28 dB) of 20 aircraft, 300 us apart from 100 us on: what a
    receiver hears before the frames measured, and learns its pulses from."""
    return sim.schedule(rng, n, rate, 300e-6, (20.0, 28.0), fresh_addresses(rng, 20),
                        max_freq_offset_hz=100e3) if n else []


def _after(warmup: list[sim.SimFrame]) -> float:
    return warmup[-1].start_s + 300e-6 if warmup else 100e-6


def single_case(rng: np.random.Generator, rate: float, snrs: Sequence[float],
                per_snr: int, warmup: list[sim.SimFrame]) -> Case:
    levels = [s for s in snrs for _ in range(per_snr)]
    rng.shuffle(levels)
    icaos = fresh_addresses(rng, len(levels))
    frames = [_frame(rng, icao, _after(warmup) + k * SPACING_S, snr, rate)
              for k, (icao, snr) in enumerate(zip(icaos, levels, strict=True))]
    return Case(frames, levels, ["single"] * len(frames), icaos, warmup)


def overlap_case(rng: np.random.Generator, rate: float, pairs: int,
                 strong_snr: tuple[float, float], warmup: list[sim.SimFrame]) -> Case:
    icaos = fresh_addresses(rng, 2 * pairs)
    frames, groups, roles = [], [], []
    for k in range(pairs):
        t = _after(warmup) + k * 2 * SPACING_S
        strong = float(rng.uniform(*strong_snr))
        weak = strong - float(rng.uniform(3.0, 12.0))
        lag = float(rng.uniform(0.5e-6, 110e-6))
        strong_first = bool(rng.integers(2))
        levels = ((strong, "strong"), (weak, "weak"))
        for j, (snr, role) in enumerate(levels if strong_first else levels[::-1]):
            frames.append(_frame(rng, icaos[2 * k + j], t + j * lag, snr, rate))
            groups.append(float(k))
            roles.append(role)
    return Case(frames, groups, roles, icaos, warmup)


def scene_case(rng: np.random.Generator, aircraft: int, seconds: float) -> Case:
    scene = sc.benchmark_scene(aircraft, rng)
    trs = sc.transmissions(scene.aircraft, seconds, rng, scene.receiver, signal=scene.signal)
    frames = sc.to_sim_frames(trs, rng)
    return Case(frames, [tr.t for tr in trs], [tr.kind for tr in trs], [tr.icao for tr in trs],
                [])


def write_recording(path: Path, case: Case, rate: float, model: str, seed: int,
                    n_samples: int | None = None) -> None:
    """The case's frames in one model, written chunk by chunk (a minute of a scene
    holds 144 M samples); in the analog model each sender keeps one transmitter's
    traits."""
    every = case.warmup + case.frames
    n = n_samples or sim.samples_needed(every, rate)
    noise_rng = np.random.default_rng([seed, 1])
    with path.open("wb") as fh:
        if model == "box":
            from adsbwatch.receiver.cli.simulate import write_recording as write_box

            write_box(fh, every, int(rate), n, "cu8", noise_rng, NOISE_RMS)
            return
        traits_rng = np.random.default_rng([seed, 2])
        traits: dict[int, analog.PulseTraits] = {}
        emissions = []
        senders = [int.from_bytes(f.data[1:4], "big") for f in case.warmup] + case.senders
        for f, sender in zip(every, senders, strict=True):
            if sender not in traits:
                traits[sender] = analog.random_traits(traits_rng)
            emissions.append(analog.emission_of(f, traits[sender]))
        for iq in analog.render_chunks(emissions, int(rate), n, noise_rng, noise_rms=NOISE_RMS):
            fh.write(sim.quantize(iq, "cu8"))


# Runs another checkout's adsbwatch (its folder the first argument), for before/after.
FROM_TREE = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
             "from adsbwatch.receiver.cli.main import main; sys.exit(main())")


def decoders(rate: float, fixes: Sequence[int], dump1090: str,
             baseline: Path | None = None) -> list[Decoder]:
    replay = ["replay", "FILE", "--raw", "--rate", rate_label(rate), "--format", "cu8", "-q"]
    ours = [sys.executable, "-m", "adsbwatch", *replay]
    out = [Decoder(f"ours --fix {n}", [*ours, "--fix", str(n)]) for n in fixes]
    if baseline is not None:
        out.append(Decoder("baseline --fix 1", baseline_argv(baseline, replay[1:])))
    found = shutil.which(dump1090)
    if found:  # reads 2.4 MS/s; at 2.0 MS/s it is run all the same and finds nothing
        out.append(Decoder("dump1090-mut --fix", [found, "--ifile", "FILE", "--raw", "--fix"]))
    return out


@dataclass
class Outcome:
    found: list[bool]  # per true frame
    phantoms: int


def outcome(case: Case, reported: list[str]) -> Outcome:
    truth = [f.data.hex() for f in case.frames]
    got = set(reported)
    true_set = set(truth) | {f.data.hex() for f in case.warmup}
    return Outcome([t in got for t in truth], sum(1 for r in reported if r not in true_set))


def single_report(case: Case, snrs: Sequence[float], results: dict[str, Outcome],
                  label: str, out: csv.writer) -> None:
    print(f"\n{label}: {len(case.frames)} DF17 frames of new addresses, "
          f"{len(case.frames) // len(snrs)} per SNR")
    print(f"{'decoder':<22} {'recovered':>10} {'50% at':>8} {'phantoms':>9}  per SNR (%)")
    for name, o in results.items():
        shares = []
        for snr in snrs:
            hits = [f for f, g in zip(o.found, case.groups, strict=True) if g == snr]
            shares.append(sum(hits) / len(hits))
            out.writerow([label, name, snr, len(hits), sum(hits), o.phantoms])
        half = snr_at_half(list(snrs), shares)
        half_text = "-" if half is None else f"{half:.2f}"
        curve = " ".join(f"{100 * s:.0f}" for s in shares)
        print(f"{name:<22} {sum(o.found):>5}/{len(o.found):<4} {half_text:>8} {o.phantoms:>9}  "
              f"{curve}")


def overlap_report(case: Case, results: dict[str, Outcome], label: str,
                   out: csv.writer) -> None:
    pairs = len(case.frames) // 2
    print(f"\n{label}: {pairs} overlapping pairs of DF17s of new addresses")
    print(f"{'decoder':<22} {'stronger':>9} {'weaker':>8} {'both':>6} {'phantoms':>9}")
    for name, o in results.items():
        strong = [f for f, r in zip(o.found, case.roles, strict=True) if r == "strong"]
        weak = [f for f, r in zip(o.found, case.roles, strict=True) if r == "weak"]
        both = sum(s and w for s, w in zip(strong, weak, strict=True))
        print(f"{name:<22} {sum(strong) / pairs:>9.3f} {sum(weak) / pairs:>8.3f} "
              f"{both / pairs:>6.3f} {o.phantoms:>9}")
        out.writerow([label, name, pairs, sum(strong), sum(weak), both, o.phantoms])


def reported_address(frame: str) -> int:
    """The address a frame names: in clear for DF11/17/18, else its parity's overlay."""
    data = bytes.fromhex(frame)
    df = data[0] >> 3
    return int.from_bytes(data[1:4], "big") if df in (11, 17, 18) else syndrome_of(data)


def scene_report(case: Case, reported: dict[str, list[str]], label: str,
                 out: csv.writer) -> None:
    sent = Counter(f.data.hex() for f in case.frames)
    addresses = set(case.senders)
    print(f"\n{label}: {len(case.frames)} frames sent by {len(addresses)} aircraft")
    print(f"{'decoder':<22} {'recovered':>15} {'false':>6} {'phantom aircraft':>17}  false by DF")
    for name, frames in reported.items():
        got = Counter(frames)
        recovered = sum(min(n, got[f]) for f, n in sent.items())
        false = [f for f in frames if f not in sent]
        phantoms = {a for a in map(reported_address, frames) if a not in addresses}
        by_df = Counter(int(f[:2], 16) >> 3 for f in false)
        dfs = ", ".join(f"DF{df} {n}" for df, n in sorted(by_df.items())) or "-"
        print(f"{name:<22} {recovered:>6} ({recovered / len(case.frames):.3f}) "
              f"{len(false):>6} {len(phantoms):>17}  {dfs}")
        out.writerow([label, name, len(case.frames), recovered, len(false), len(phantoms)])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sweep", choices=("single", "overlap", "scene"))
    p.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    p.add_argument("--rates", nargs="+", type=parse_rate, default=[2.0e6, 2.4e6])
    p.add_argument("--per-snr", type=int, default=100, help="single: frames per SNR (100)")
    p.add_argument("--snr-min", type=float, default=0.0)
    p.add_argument("--snr-max", type=float, default=20.0)
    p.add_argument("--pairs", type=int, default=1000, help="overlap: pairs (1000)")
    p.add_argument("--strong-snr", type=float, nargs=2, default=(12.0, 24.0))
    p.add_argument("--warmup", type=int, default=4000,
                   help="single, overlap: strong frames before those measured (4000, 1.2 s)")
    p.add_argument("--aircraft", type=int, default=150, help="scene: aircraft (150)")
    p.add_argument("--seconds", type=float, default=60.0, help="scene: duration (60 s)")
    p.add_argument("--seed", type=int, default=16)
    add_decoder_args(p, ROOT / "benchmarks" / "work" / "independent")
    p.add_argument("--timeout", type=float, default=600.0)
    return p.parse_args(argv)


def add_decoder_args(p: argparse.ArgumentParser, out: Path) -> None:
    """The decoders a run compares (and where it writes): this benchmark's and phantoms.py's."""
    p.add_argument("--ours-fix", type=int, nargs="*", default=[1, 2], choices=(0, 1, 2),
                   help="adsbwatch --fix levels to run (1 2; none: only the others)")
    p.add_argument("--dump1090", default="dump1090-mutability")
    p.add_argument("--baseline", type=Path, metavar="DIR",
                   help="also run the adsbwatch of another checkout (--fix 1)")
    p.add_argument("--out", type=Path, default=out)


def baseline_argv(tree: Path, replay: Sequence[str]) -> list[str]:
    """`adsbwatch replay ...` as another checkout's (folder `tree`) code runs it."""
    return [sys.executable, "-c", FROM_TREE, str(tree), "replay", *replay]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    snrs = [float(s) for s in np.arange(args.snr_min, args.snr_max + 1e-9, 1.0)]
    csv_path = args.out / f"{args.sweep}.csv"
    with csv_path.open("w", newline="") as f:
        out = csv.writer(f)
        for model in args.models:
            for rate in args.rates:
                rng = np.random.default_rng(args.seed)  # same frames for every model
                n_samples = None
                warmup = warmup_frames(rng, rate, args.warmup if args.sweep != "scene" else 0)
                if args.sweep == "single":
                    case = single_case(rng, rate, snrs, args.per_snr, warmup)
                elif args.sweep == "overlap":
                    case = overlap_case(rng, rate, args.pairs, tuple(args.strong_snr), warmup)
                else:
                    case = scene_case(rng, args.aircraft, args.seconds)
                    n_samples = round(args.seconds * rate)
                path = args.out / f"{args.sweep}_{model}_{rate_label(rate)}.cu8"
                write_recording(path, case, rate, model, args.seed, n_samples)
                reported = {}
                for d in decoders(rate, args.ours_fix, args.dump1090, args.baseline):
                    got = run_decoder(d, path, args.timeout)
                    if isinstance(got, str):
                        print(f"{d.name} failed on {path.name}: {got}", file=sys.stderr)
                        continue
                    reported[d.name] = got
                label = f"{model} model, {rate_label(rate)}S/s"
                results = {name: outcome(case, got) for name, got in reported.items()}
                if args.sweep == "single":
                    single_report(case, snrs, results, label, out)
                elif args.sweep == "overlap":
                    overlap_report(case, results, label, out)
                else:
                    scene_report(case, reported, label, out)
    print(f"\nwrote {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
