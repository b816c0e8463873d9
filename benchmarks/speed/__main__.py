"""Speed: whole-process CPU time of `adsbwatch replay FILE --raw -q` against
`dump1090-mutability --ifile FILE --raw` on the same real recording, single core.

Both run as child processes pinned to one CPU (`taskset`), single-threaded, stdout to a
file; CPU time is the child's user + sys from os.wait4, wall time is measured around it.
The runs are interleaved (ours, theirs, ours at 2.0 MS/s, then again) so that the noise
of a shared machine hits both alike; the report gives medians and ratios. Besides the
throughput runs it measures:

- start-up: a bare interpreter, `import numpy`, `import numba`, `import` of our CLI, and
  a replay of a 10 ms file, so our fixed cost can be told from demodulation;
- warm and cold start: a simulated 1-second 2.4 MS/s recording replayed with the Numba
  cache present, and with NUMBA_CACHE_DIR set to an empty directory (compile time);
- an in-process breakdown (after warm-up) of the station's loop into reading,
  magnitudes, Demodulator.process (noise estimate, the Numba kernel) and AVR formatting.

One module per job: config (paths, settings), inputs, runner (one measured child),
environment (interpreter, peer, machine facts), snapshot (the copy measured), startup,
breakdown, report, measure (the whole sequence) and this entry point.

    python -m benchmarks.speed --runs 3                   # from the checkout's root
    python -m benchmarks.speed --repeat 100 --runs 1      # a quicker look

Inputs are built under benchmarks/work/ (git-ignored) and reused while their size fits.
The package is measured from a copy taken at the start (benchmarks/work/snapshot/, with
its `git diff HEAD` beside it), so that edits made while this runs do not change the code
under test halfway; --live measures the working tree instead. Numba's cache for these runs
is benchmarks/work/numba-cache/, written by nothing else, so a run that wrote to it has
compiled and is run again. The report is printed and written to
benchmarks/work/speed-latest.md; benchmarks/work/speed-runs.log gets every run as it ends.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .config import (
    CACHE_DIR,
    INSTALL_HINT,
    PEER_NAME,
    PEER_PATH,
    RECORDINGS,
    SINGLE_THREAD_ENV,
    WORK,
    Failure,
)
from .measure import measure
from .report import report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3,
                   help="interleaved rounds of the throughput and warm/cold runs (default 3)")
    p.add_argument("--repeat", type=int, default=1000,
                   help="copies of modes1 in the throughput inputs (default 1000: 178 s)")
    p.add_argument("--startup-runs", type=int, default=5,
                   help="rounds of the start-up commands (default 5)")
    p.add_argument("--breakdown-repeat", type=int, default=100,
                   help="copies of modes1 for the in-process breakdown (default 100; 0: skip)")
    p.add_argument("--breakdown-runs", type=int, default=3,
                   help="repetitions of the in-process breakdown (default 3)")
    p.add_argument("--cpu", type=int, default=0, help="the CPU to pin every run to (default 0)")
    p.add_argument("--peer", help=f"path of {PEER_NAME} (default: from PATH, else {PEER_PATH})")
    p.add_argument("--install", action="store_true",
                   help=f"if {PEER_NAME} is missing, run `apt-get update && {INSTALL_HINT}` "
                        "(root only)")
    p.add_argument("--live", action="store_true",
                   help="measure the working tree as it is, not a copy taken at the start "
                        "(with others editing it, runs may then measure different code)")
    p.add_argument("--system-python", action="store_true",
                   help="run ours with this script's interpreter and whatever it has "
                        "installed, not a clean virtual environment (benchmarks/work/venv)")
    p.add_argument("--recordings", default=str(RECORDINGS),
                   help=f"the shared recordings folder (default {RECORDINGS})")
    args = p.parse_args(argv)
    for name in ("runs", "repeat", "startup_runs", "breakdown_runs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.breakdown_repeat < 0:
        p.error("--breakdown-repeat must be 0 or more")
    if args.cpu not in os.sched_getaffinity(0):
        p.error(f"CPU {args.cpu} is not available to this process")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(SINGLE_THREAD_ENV)  # for the in-process breakdown's numba
    os.environ["NUMBA_CACHE_DIR"] = str(CACHE_DIR)
    try:
        results = measure(args)
    except Failure as exc:
        print(f"speed: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    text = report(results, args.runs, args.repeat)
    out = WORK / "speed-latest.md"
    out.write_text(text)
    print(text)
    print(f"speed: written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
