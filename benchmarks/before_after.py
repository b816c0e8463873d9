"""Before and after: the same command run by two checkouts in turns (the order swapped
every round), each child's CPU time (user + sys) read from os.wait4, and the median of
the per-round ratios after/before. The load of a shared machine then hits both alike.

    python benchmarks/before_after.py /work/old /work/main --rounds 7 -- \\
        replay /tmp/busy.cu8 --record-all --db {db} -q --lat 52.3086 --lon 4.7639

`{db}` becomes a fresh database path for each run; the two checkouts' outputs (stdout)
must be the same, or the comparison is void. Children are pinned to one core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def run(checkout: Path, argv: list[str], cpu: str) -> tuple[float, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        args = [a.replace("{db}", str(Path(tmp) / "run.db")) for a in argv]
        env = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_NUM_THREADS="1")
        # cwd: `python -m` puts the working directory ahead of PYTHONPATH, so run from
        # elsewhere both children imported the package found there.
        proc = subprocess.Popen(["taskset", "-c", cpu, sys.executable, "-m", "adsbwatch",
                                 *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, cwd=checkout)
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"{checkout}: exit status {status}: {err[-500:]}")
        return usage.ru_utime + usage.ru_stime, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cpu", default="0")
    if "--" not in sys.argv:
        parser.error("give the command after --")
    split = sys.argv.index("--")
    args = parser.parse_args(sys.argv[1:split])
    argv = sys.argv[split + 1:]
    for checkout in (args.before, args.after):  # warm the kernel caches
        run(checkout, argv, args.cpu)
    ratios, before_s, after_s = [], [], []
    for k in range(args.rounds):
        order = (args.before, args.after) if k % 2 == 0 else (args.after, args.before)
        got = {checkout: run(checkout, argv, args.cpu) for checkout in order}
        if got[args.before][1] != got[args.after][1]:
            print("warning: the two outputs differ", file=sys.stderr)
        before_s.append(got[args.before][0])
        after_s.append(got[args.after][0])
        ratios.append(got[args.after][0] / got[args.before][0])
        print(f"round {k + 1}: before {before_s[-1]:.2f} s, after {after_s[-1]:.2f} s, "
              f"ratio {ratios[-1]:.3f}", flush=True)
    print(f"median CPU: before {statistics.median(before_s):.2f} s, after "
          f"{statistics.median(after_s):.2f} s; after/before median of rounds "
          f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
