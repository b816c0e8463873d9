"""Whole-pipeline speed: demodulate, decode, track and store (--record-all), one core.

Two inputs, each replayed by `adsbwatch replay FILE --record-all --db TMP` and, side by
side in the same run, demodulated by `dump1090-mutability --ifile FILE --raw` (a peer
doing less: it does not decode into a store):

- a simulated 60-second scene of 150 aircraft at 2.4 MS/s sending the real ADS-B
  schedule (`adsbwatch simulate --scene benchmark`), where no two frames are alike;
- modes1 (2.4 MS/s) repeated 200 times.

CPU time is the child's user + sys (os.wait4); the report gives x real time both per CPU
second (all threads' work on one core's budget) and per wall second (the demodulator runs
in its own thread: with two cores it overlaps decoding), and messages decoded per CPU
second. `--cpus 0` pins every child to one core; the default `0,1` lets our two threads
use both (dump1090-mutability is single-threaded either way).

    python benchmarks/pipeline.py            # writes benchmarks/work/pipeline-latest.md
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
RECORDINGS = ROOT.parent / "shared" / "recordings"
RATE = 2_400_000
SUMMARY = re.compile(r"adsbwatch: (\d+) messages decoded")


def run(argv: list[str], cpu: str, out: Path) -> tuple[float, float, str]:
    """(CPU s, wall s, stderr) of one child pinned to the CPU list `cpu`."""
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    with out.open("wb") as stdout, open(out.with_suffix(".err"), "wb") as stderr:
        proc = subprocess.Popen(["taskset", "-c", str(cpu), *argv], stdout=stdout,
                                stderr=stderr, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = out.with_suffix(".err").read_text(errors="replace")
    if status != 0:
        raise SystemExit(f"{argv[0]} failed ({status}): {err.strip().splitlines()[-1:]}")
    return usage.ru_utime + usage.ru_stime, wall, err


def make_scene(path: Path, seconds: int, aircraft: int) -> None:
    if path.exists():
        return
    print(f"pipeline: simulating {seconds} s of {aircraft} aircraft into {path} ...",
          file=sys.stderr)
    subprocess.run([sys.executable, "-m", "adsbwatch", "simulate", str(path),
                    "--scene", "benchmark", "--duration", str(seconds), "--aircraft",
                    str(aircraft), "--rate", "2.4M", "--seed", "150"], check=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))


def make_repeat(path: Path, source: Path, times: int) -> None:
    if path.exists() and path.stat().st_size == source.stat().st_size * times:
        return
    data = source.read_bytes()
    with path.open("wb") as f:
        for _ in range(times):
            f.write(data)


def measure(name: str, path: Path, runs: int, cpu: str, peer: str | None) -> list[str]:
    signal_s = path.stat().st_size / 2 / RATE
    ours_cpu, ours_wall, peer_cpu, peer_wall, messages = [], [], [], [], 0
    for k in range(runs):
        db = WORK / "pipeline-bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        cpu_s, wall_s, err = run([sys.executable, "-m", "adsbwatch", "replay",
                                  str(path), "--record-all", "--db", str(db)], cpu,
                                 WORK / f"pipeline-{name}.out")
        found = SUMMARY.search(err)
        messages = int(found.group(1)) if found else 0
        ours_cpu.append(cpu_s)
        ours_wall.append(wall_s)
        if peer:
            cpu_s, wall_s, _ = run([peer, "--ifile", str(path), "--raw"], cpu,
                                   WORK / f"pipeline-{name}-peer.out")
            peer_cpu.append(cpu_s)
            peer_wall.append(wall_s)
        print(f"pipeline: {name} round {k + 1}: ours {ours_cpu[-1]:.2f} s"
              + (f", dump1090-mutability {peer_cpu[-1]:.2f} s" if peer else ""),
              file=sys.stderr)
    ours, wall = statistics.median(ours_cpu), statistics.median(ours_wall)
    rows = [f"| {name}: adsbwatch, whole pipeline | {signal_s:.1f} | {ours:.2f} | "
            f"{signal_s / ours:.1f} | {wall:.2f} | {signal_s / wall:.1f} | {messages} | "
            f"{messages / ours:,.0f} |"]
    if peer_cpu:
        theirs, their_wall = statistics.median(peer_cpu), statistics.median(peer_wall)
        rows.append(f"| {name}: dump1090-mutability --raw (demodulation only) | "
                    f"{signal_s:.1f} | {theirs:.2f} | {signal_s / theirs:.1f} | "
                    f"{their_wall:.2f} | {signal_s / their_wall:.1f} | | |")
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cpus", default="0,1", help="taskset CPU list for every child (0,1)")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--aircraft", type=int, default=150)
    p.add_argument("--repeat", type=int, default=200, help="modes1 copies (200)")
    args = p.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    peer = shutil.which("dump1090-mutability")
    scene = WORK / f"scene{args.aircraft}_{args.seconds}s_2400k.cu8"
    make_scene(scene, args.seconds, args.aircraft)
    modes1 = WORK / f"modes1_2.4_x{args.repeat}.cu8"
    make_repeat(modes1, RECORDINGS / "modes1_resampled_cu8_2400k.bin", args.repeat)
    rows = measure(f"{args.aircraft} aircraft, {args.seconds} s", scene, args.runs, args.cpus,
                   peer)
    rows += measure(f"modes1 x{args.repeat}", modes1, args.runs, args.cpus, peer)
    report = "\n".join([
        "# adsbwatch whole-pipeline speed",
        "",
        f"- measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
        f"`python benchmarks/pipeline.py --runs {args.runs} --cpus {args.cpus}`; children "
        f"pinned with `taskset -c {args.cpus}`, medians of {args.runs} interleaved runs; "
        "CPU = user + sys of all threads",
        "- ours: `adsbwatch replay FILE --record-all --db TMP` (demodulate, decode with "
        "pyModeS, track, store every aircraft in SQLite)",
        "",
        "| run | signal s | CPU s | x real time (CPU) | wall s | x real time (wall) | "
        "messages | messages per CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ])
    (WORK / "pipeline-latest.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
