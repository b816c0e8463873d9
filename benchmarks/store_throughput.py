"""Rows per second one station writes to its store, SQLite beside PostgreSQL in the same
run: the 150-aircraft benchmark scene (`adsbwatch simulate --scene benchmark`) replayed
with --record-all into a fresh store of each backend, in turns (the order swapped every
round). Rows = visits + track points + events + minutes + sessions the run stored; the
time is the replay's wall time (the writer thread works beside the decoding), so the
ratio says what a server costs the station against a local file.

    python benchmarks/store_throughput.py --rounds 3 [--duration 60]

Starts a PostgreSQL server of its own (as tests/postgres_support.py does) and stops it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from postgres_support import running_server  # noqa: E402
from store_support import raw_rows  # noqa: E402

TABLES = ("visits", "track_points", "events", "minutes", "sessions")


def replay(scene: Path, db: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(REPO), NUMBA_NUM_THREADS="1")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "adsbwatch", "replay", str(scene), "--record-all",
                    "--db", db, "-q"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def stored(db: str) -> int:
    return sum(raw_rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=60.0, help="scene seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scene = Path(tmp) / "scene.cu8"
        subprocess.run([sys.executable, "-m", "adsbwatch", "simulate", "--scene",
                        "benchmark", "--duration", str(args.duration), str(scene)],
                       env=dict(os.environ, PYTHONPATH=str(REPO)), check=True,
                       stdout=subprocess.DEVNULL)
        rates: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
        ratios = []
        for server in running_server():
            replay(scene, str(Path(tmp) / "warm.db"))  # the kernel cache, once
            for k in range(args.rounds):
                order = ("sqlite", "postgresql") if k % 2 == 0 else ("postgresql", "sqlite")
                for backend in order:
                    db = (str(Path(tmp) / f"r{k}.db") if backend == "sqlite"
                          else server.url(server.new_database()))
                    seconds = replay(scene, db)
                    rates[backend].append(stored(db) / seconds)
                    print(f"round {k + 1} {backend}: {stored(db)} rows in {seconds:.2f} s, "
                          f"{rates[backend][-1]:.0f} rows/s", flush=True)
                ratios.append(rates["postgresql"][-1] / rates["sqlite"][-1])
    print(f"median rows/s: SQLite {statistics.median(rates['sqlite']):.0f}, PostgreSQL "
          f"{statistics.median(rates['postgresql']):.0f}; PostgreSQL/SQLite median of "
          f"rounds {statistics.median(ratios):.3f} (min {min(ratios):.3f}, "
          f"max {max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
