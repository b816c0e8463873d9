"""Rows per second stations write to their store, SQLite beside PostgreSQL in the same
run: the 150-aircraft benchmark scene (`adsbwatch simulate --scene benchmark`) replayed
with --record-all into a fresh store of each backend, in turns (the order swapped every
round), by

- one station;
- four stations at once, each with traffic of its own (four scenes of other seeds: four
  sites far apart), into one store;
- four stations at once hearing the same traffic (one scene, four --site names: every
  visit joined by three sites, every position heard four times and stored once).

Rows = visits + sites' parts + track points + events + minutes + sessions the run
stored; "handed" rows count what the stations gave the store before the joins and the
2-s duplicates dropped (for one scene: four times one station's rows). Time = the wall
time until the last station ended (the writer threads work beside the decoding), so the
rates say what the stations write while they decode at full speed on this machine, not
the database's own ceiling.

    python benchmarks/store_throughput.py --rounds 3 [--duration 30]

Starts a PostgreSQL server of its own (as tests/postgres_support.py does) and stops it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from postgres_support import running_server  # noqa: E402
from store_support import raw_rows  # noqa: E402

TABLES = ("visits", "site_visits", "track_points", "events", "minutes", "sessions")
STATIONS = 4
ENV = dict(os.environ, PYTHONPATH=str(REPO), NUMBA_NUM_THREADS="1")


def replays(scenes: list[Path], db: str) -> float:
    """The scenes replayed at once, each by a station of its own site; the wall time
    until the last ended."""
    started = time.perf_counter()
    running = [subprocess.Popen([sys.executable, "-m", "adsbwatch", "replay", str(scene),
                                 "--record-all", "--db", db, "--site", f"site{k}", "-q"],
                                env=ENV, stdout=subprocess.DEVNULL)
               for k, scene in enumerate(scenes)]
    for station in running:
        if station.wait() != 0:
            raise SystemExit(f"a station failed ({station.args})")
    return time.perf_counter() - started


def stored(db: str) -> int:
    return sum(raw_rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES)


def simulate(path: Path, duration: float, seed: int) -> Path:
    subprocess.run([sys.executable, "-m", "adsbwatch", "simulate", "--scene", "benchmark",
                    "--duration", str(duration), "--seed", str(seed), str(path)],
                   env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=30.0, help="scene seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenes = [simulate(folder / f"scene{k}.cu8", args.duration, 1090 + k)
                  for k in range(STATIONS)]
        cases: dict[str, list[Path]] = {"1 station": scenes[:1],
                                        "4 stations, own traffic": scenes,
                                        "4 stations, same traffic": [scenes[0]] * STATIONS}
        serial = itertools.count()  # a new SQLite file for every run
        alone: dict[Path, int] = {}  # rows one station stores of a scene, alone
        results: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
        for server in running_server():
            def fresh(backend: str, tag: str, server=server) -> str:  # type: ignore[no-untyped-def]
                return (str(folder / f"{tag}.db") if backend == "sqlite"
                        else server.url(server.new_database()))

            replays(scenes[:1], str(folder / "warm.db"))  # the kernel cache, once
            for scene in scenes:
                db = fresh("sqlite", f"alone-{scene.stem}")
                replays([scene], db)
                alone[scene] = stored(db)
            for k in range(args.rounds):
                order = ("sqlite", "postgresql") if k % 2 == 0 else ("postgresql", "sqlite")
                for case, used in cases.items():
                    for backend in order:
                        db = fresh(backend, f"r{k}-{next(serial)}")
                        seconds = replays(used, db)
                        rows, handed = stored(db), sum(alone[s] for s in used)
                        results.setdefault((case, backend), []).append((seconds, rows, handed))
                        print(f"round {k + 1} {case}, {backend}: {rows} rows stored "
                              f"({handed} handed) in {seconds:.2f} s", flush=True)
    report(results)
    return 0


def report(results: dict[tuple[str, str], list[tuple[float, int, int]]]) -> None:
    median: Callable[[list[float]], float] = statistics.median
    print("\n| stations | backend | median wall s | rows stored | stored rows/s | "
          "handed rows/s | ratio to SQLite (rounds' median) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for case in dict.fromkeys(c for c, _ in results):
        sqlite_runs = results[(case, "sqlite")]
        for backend in ("sqlite", "postgresql"):
            runs = results[(case, backend)]
            ratios = [s_sql / s for (s, _, _), (s_sql, _, _) in zip(runs, sqlite_runs,
                                                                    strict=True)]
            stored_rows = "/".join(f"{n:,}" for n in sorted({r for _, r, _ in runs}))
            print(f"| {case} | {backend} | {median([s for s, _, _ in runs]):.2f} | "
                  f"{stored_rows} | {median([r / s for s, r, _ in runs]):,.0f} | "
                  f"{median([h / s for s, _, h in runs]):,.0f} | "
                  f"{median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f}) |")


if __name__ == "__main__":
    raise SystemExit(main())
