"""The report: medians, ranges and ratios as Markdown tables, and the header that says
what was measured, where and how."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .breakdown import STAGES, Breakdown
from .config import CACHE_DIR, PEER_NAME, ROOT, SINGLE_THREAD_ENV, WARM_BAR_S
from .environment import cpu_model, peer_version, versions
from .runner import Run
from .snapshot import Snapshot


def med(runs: Sequence[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def spread(runs: Sequence[Run], attr: str, digits: int = 2) -> str:
    values = [getattr(r, attr) for r in runs]
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}f}–{hi:.{digits}f}" if len(values) > 1 else f"{lo:.{digits}f}"


def frames_text(runs: Sequence[Run]) -> str:
    counts = sorted({r.frames for r in runs})
    return " / ".join(str(c) for c in counts)


def paired_ratio(ours: Sequence[Run], theirs: Sequence[Run]) -> float:
    by_round = {r.rnd: r.cpu for r in theirs}
    ratios = [r.cpu / by_round[r.rnd] for r in ours if by_round.get(r.rnd)]
    return statistics.median(ratios) if ratios else float("nan")


def ratio(a: float, b: float) -> str:
    """Two decimals: the bar (0.8x) and the steps towards it differ in the second."""
    return f"{a / b:.2f}" if b > 0 else "n/a"


@dataclass
class Results:
    header: list[str]
    main: dict[str, list[Run]]
    signal: dict[str, float]  # label -> signal seconds of its input
    startup: dict[str, list[Run]]
    warm: list[Run]
    cold: list[Run]
    warm_frames_sent: int
    breakdowns: list[Breakdown]
    notes: list[str]


def report(res: Results, runs: int, repeat: int) -> str:
    lines = list(res.header)
    ours24, theirs24, ours20 = res.main["ours-2.4"], res.main["theirs-2.4"], res.main["ours-2.0"]
    s24, s20 = res.signal["2.4"], res.signal["2.0"]
    lines += [
        "",
        f"## Throughput: modes1 repeated {repeat} times, whole process, single core",
        "",
        f"Medians of {runs} interleaved round(s); ranges in the CPU column. Ratio = "
        "median CPU / dump1090-mutability's median CPU at 2.4 MS/s (in brackets: the median "
        "of the per-round ratios).",
        "",
        "| run | signal s | CPU s (range) | wall s | x real time | frames | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    theirs_cpu = med(theirs24, "cpu")
    rows = (("dump1090-mutability, 2.4 MS/s", theirs24, s24, None),
            ("adsbwatch, 2.4 MS/s", ours24, s24, ours24),
            ("adsbwatch, 2.0 MS/s", ours20, s20, ours20))
    for name, rr, sig, mine in rows:
        cpu, wall = med(rr, "cpu"), med(rr, "wall")
        r = "1" if mine is None else (
            f"{ratio(cpu, theirs_cpu)} ({paired_ratio(mine, theirs24):.2f})")
        if mine is ours20:
            r += " (secondary: 2.0 vs their 2.4)"
        lines.append(f"| {name} | {sig:.1f} | {cpu:.2f} ({spread(rr, 'cpu')}) | {wall:.2f} | "
                     f"{sig / wall:.1f} | {frames_text(rr)} | {r} |")
    lines.append("| dump1090-mutability, 2.0 MS/s | — | not run: it decodes nothing at "
                 "2.0 MS/s | | | 0 | |")

    fixed = med(res.startup["adsbwatch replay, 10 ms file"], "cpu")
    lines += [
        "",
        f"CPU per second of signal: dump1090-mutability {theirs_cpu / s24 * 1e3:.1f} ms; "
        f"adsbwatch {med(ours24, 'cpu') / s24 * 1e3:.1f} ms at 2.4 MS/s, "
        f"{med(ours20, 'cpu') / s20 * 1e3:.1f} ms at 2.0 MS/s.",
        f"Without our fixed start-up (the 10 ms replay below, {fixed:.2f} s CPU): "
        f"{med(ours24, 'cpu') - fixed:.2f} s at 2.4 MS/s, "
        f"{ratio(med(ours24, 'cpu') - fixed, theirs_cpu)}x dump1090-mutability's CPU; "
        f"{med(ours20, 'cpu') - fixed:.2f} s at 2.0 MS/s.",
        "",
        "## Start-up cost (single core)",
        "",
        f"Medians of {len(next(iter(res.startup.values())))} interleaved runs.",
        "",
        "| command | CPU s (range) | wall s | share of our 2.4 MS/s CPU |",
        "|---|---:|---:|---:|",
    ]
    ours_cpu = med(ours24, "cpu")
    for name, rr in res.startup.items():
        cpu = med(rr, "cpu")
        lines.append(f"| `{name}` | {cpu:.3f} ({spread(rr, 'cpu', 3)}) | {med(rr, 'wall'):.3f} | "
                     f"{cpu / ours_cpu:.1%} |")

    warm_wall, cold_wall = med(res.warm, "wall"), med(res.cold, "wall")
    verdict = "met" if warm_wall < WARM_BAR_S else "NOT met"
    lines += [
        "",
        f"## Warm and cold start: a simulated 1 s recording at 2.4 MS/s "
        f"({res.warm_frames_sent} DF17 frames)",
        "",
        "| start | wall s (median) | wall s, every run | CPU s (median) | frames |",
        "|---|---:|---|---:|---:|",
        f"| warm (Numba cache present) | {warm_wall:.2f} | "
        f"{', '.join(f'{r.wall:.2f}' for r in res.warm)} | {med(res.warm, 'cpu'):.2f} | "
        f"{frames_text(res.warm)} |",
        f"| cold (NUMBA_CACHE_DIR = a new empty directory) | {cold_wall:.2f} | "
        f"{', '.join(f'{r.wall:.2f}' for r in res.cold)} | {med(res.cold, 'cpu'):.2f} | "
        f"{frames_text(res.cold)} |",
        "",
        f"Warm start bar (< {WARM_BAR_S:g} s wall): **{verdict}**. "
        f"Compile time (cold − warm wall): **{cold_wall - warm_wall:.1f} s**.",
    ]

    if res.breakdowns:
        b0 = res.breakdowns[0]
        lines += [
            "",
            f"## Where our time goes: in-process, after warm-up, modes1 repeated "
            f"{b0.repeat} times",
            "",
            "`Station.run` (what `adsbwatch replay --raw` runs) with its callees "
            "wrapped in timers; medians of the repetitions, one CPU, no start-up.",
            "",
            "| stage | " + " | ".join(f"{b.label} MS/s s | share" for b in res.breakdowns) + " |",
            "|---|" + "---:|---:|" * len(res.breakdowns),
        ]
        for name, text in STAGES:
            cells = " | ".join(f"{b.stages[name]:.3f} | {b.stages[name] / b.total:.1%}"
                               if name in b.stages else "n/a | " for b in res.breakdowns)
            lines.append(f"| {text} | {cells} |")
        outer = ("read", "magnitude", "process", "avr")  # the rest is what none of them took
        rests = [b.total - sum(b.stages.get(name, 0.0) for name in outer)
                 for b in res.breakdowns]
        rest = " | ".join(f"{r:.3f} | {r / b.total:.1%}" for r, b in zip(rests, res.breakdowns,
                                                                           strict=True))
        lines.append(f"| the rest (frame counting, loop, timers) | {rest} |")
        lines.append("| **whole loop, wall** | " + " | ".join(
            f"**{b.total:.3f}** | 100%" for b in res.breakdowns) + " |")
        lines.append("| whole loop, process CPU | " + " | ".join(
            f"{b.cpu:.3f} | " for b in res.breakdowns) + " |")
        lines.append("| frames | " + " | ".join(
            f"{b.frames} | " for b in res.breakdowns) + " |")
        lines.append("| x real time (loop only) | " + " | ".join(
            f"{b.signal_s / b.total:.1f} | " for b in res.breakdowns) + " |")
        missing = sorted({m for b in res.breakdowns for m in b.missing})
        if missing:
            lines += ["", "Timer targets absent from this tree (skipped): "
                      + ", ".join(f"`{m}`" for m in missing) + "."]

    lines += ["", "## Every run", "",
              "| round | run | CPU s | user s | sys s | wall s | frames | note |",
              "|---:|---|---:|---:|---:|---:|---:|---|"]
    every = [*(r for rr in res.main.values() for r in rr),
             *(r for rr in res.startup.values() for r in rr), *res.warm, *res.cold]
    for r in sorted(every, key=lambda r: r.rnd):
        lines.append(f"| {r.rnd} | {r.label} | {r.cpu:.3f} | {r.user:.3f} | {r.sys:.3f} | "
                     f"{r.wall:.3f} | {r.frames} | {r.note} |")
    if res.notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in res.notes)]
    return "\n".join(lines) + "\n"



def header(args: argparse.Namespace, snap: Snapshot, python: str, ours: Sequence[str],
           peer: Path, pinned: bool, load_before: Sequence[float]) -> list[str]:
    return [
        "# adsbwatch speed against dump1090-mutability",
        "",
        f"- measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `python -m benchmarks.speed "
        f"{' '.join(sys.argv[1:])}`",
        f"- git commit {snap.commit}; uncommitted changes under adsbwatch/: "
        f"{snap.changes or 'none'}; package source digest {snap.digest}; "
        + ("measured live in the working tree (--live)" if args.live else
           f"measured on a copy taken at the start, {snap.tree.relative_to(ROOT)}/ "
           "(with `tree.diff`, its diff against that commit)"),
        f"- {cpu_model()}, {os.cpu_count()} CPUs, load average (1, 5, 15 min) at the start "
        f"{', '.join(f'{x:.2f}' for x in load_before)}, at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; children "
        + (f"pinned with `taskset -c {args.cpu}`" if pinned else "not pinned")
        + ", env " + ", ".join(f"{k}=1" for k in SINGLE_THREAD_ENV),
        f"- {versions(python)}; {PEER_NAME} {peer_version() or '(version unknown)'}",
        f"- our interpreter: {python} "
        + ("(this script's, with whatever it has installed)" if args.system_python else
           "(a clean virtual environment: `pip install .` and nothing else, as the README "
           "installs it; the package from the copy above via PYTHONPATH)"),
        f"- ours: `{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(ours))} replay "
        f"FILE --raw -q` (`--rate 2.0M` at 2.0 MS/s); theirs: `{peer} --ifile FILE --raw`; "
        "stdout to a file; CPU = user + sys of the child (os.wait4)",
        f"- our Numba cache: NUMBA_CACHE_DIR={CACHE_DIR.relative_to(ROOT)} (written by these "
        "runs only; a run that compiled is run again and says so in its note)",
    ]
