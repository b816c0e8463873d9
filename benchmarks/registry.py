"""What the aircraft database costs: `adsbwatch db import` of a 600,000-line file in
tar1090-db's format (time and the child's peak memory) beside peers reading the same file
(`zcat | wc -l`, Python's csv module), lookups by address (hits and misses, us each) beside
a dict lookup and Registry.info with no database, and the start-up of `adsbwatch --help`
and `watchlist list` with and without a database beside the store.

    python benchmarks/registry.py [--lines 600000] [--lookups 200000]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's adsbwatch, not an installed one
TYPES = [("B738", "BOEING 737-800"), ("A320", "AIRBUS A-320"), ("C172", "CESSNA 172"),
         ("E190", "EMBRAER ERJ-190"), ("PC12", "PILATUS PC-12")]


def make_file(path: Path, lines: int, rng: random.Random) -> list[int]:
    """A tar1090-db-like aircraft.csv.gz of `lines` distinct addresses; the addresses."""
    addresses = sorted(rng.sample(range(1, 1 << 24), lines))
    with gzip.open(path, "wt", compresslevel=6) as out:
        for address in addresses:
            type_code, description = rng.choice(TYPES)
            flags = "1" if rng.random() < 0.02 else "0"
            out.write(f"{address:06x};R-{address:06X};{type_code};{flags}0;{description};"
                      f"{rng.randint(1960, 2025)};Operator {address % 997};\n")
    return addresses


def measured_child(argv: list[str]) -> tuple[float, int]:
    """Time and peak memory of `argv`, in a fresh process of its own."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            f"subprocess.run({argv!r}, check=True, stdout=subprocess.DEVNULL); "
            "e = time.perf_counter() - t; "
            "print(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1])


def csv_module_read(path: Path) -> int:
    with gzip.open(path, "rt", newline="") as f:
        return sum(1 for _ in csv.reader(f, delimiter=";"))


def lookups(db: Path, addresses: list[int], count: int, rng: random.Random) -> None:
    from adsbwatch.receiver.registry import open_registry

    hits = [rng.choice(addresses) for _ in range(count)]
    known = set(addresses)
    misses = []
    while len(misses) < count:
        a = rng.randrange(1, 1 << 24)
        if a not in known:
            misses.append(a)
    registry = open_registry(db)
    registry.info(hits[0])  # opened now: the first lookup's cost is measured apart
    builtins_only = open_registry(None)
    database = registry.database()
    assert database is not None
    table = {a: ("R", "B738") for a in addresses}
    rows = [("Registry.info, hits", registry.info, hits),
            ("Registry.info, misses", registry.info, misses),
            ("database row only, hits", database.row, hits),
            ("Registry.info, no database (built-ins)", builtins_only.info, hits),
            ("peer: dict.get of 600k entries", table.get, hits)]
    print(f"\n| lookup ({count:,} random addresses) | us each |\n|---|---:|")
    for name, lookup, keys in rows:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for key in keys:
                lookup(key)
            best = min(best, (time.perf_counter() - start) / len(keys) * 1e6)
        print(f"| {name} | {best:.2f} |")
    first = open_registry(db)
    start = time.perf_counter()
    first.info(hits[1])
    print(f"| first lookup (opens the file) | {(time.perf_counter() - start) * 1e6:.0f} |")


def startup(args: list[str], env: dict[str, str], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "adsbwatch", *args], check=True,
                       stdout=subprocess.DEVNULL, env=env, cwd=REPO)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=600_000)
    parser.add_argument("--lookups", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(17)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "aircraft.csv.gz"
        addresses = make_file(source, args.lines, rng)
        print(f"{args.lines:,} lines, {source.stat().st_size / 1e6:.1f} MB gzipped")
        store = work / "store.db"
        figures = [
            ("adsbwatch db import", [sys.executable, "-c", "import sys; sys.path.insert(0, "
                                     f"{str(REPO)!r}); from adsbwatch.receiver.cli.main "
                                     "import main; sys.exit(main())", "db", "import",
                                     str(source), "--db", str(store)]),
            ("peer: zcat FILE | wc -l", ["sh", "-c", f"zcat {source} | wc -l"]),
            ("peer: Python csv module reads it", [
                sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                "from registry import csv_module_read; from pathlib import Path; "
                "print(csv_module_read(Path(sys.argv[2])))",
                str(Path(__file__).parent), str(source)]),
            ("peer: python -c pass", [sys.executable, "-c", "pass"]),
        ]
        print("\n| run | seconds | peak RSS MiB |\n|---|---:|---:|")
        for name, argv in figures:
            seconds, peak = measured_child(argv)
            print(f"| {name} | {seconds:.2f} | {peak / 1024:.0f} |")
        db = work / "aircraft.db"
        print(f"\naircraft.db: {db.stat().st_size / 1e6:.1f} MB")
        lookups(db, addresses, args.lookups, rng)
        print("\n| start-up (best of 5) | no aircraft.db | aircraft.db beside the store |"
              "\n|---|---:|---:|")
        empty = work / "empty"
        empty.mkdir()
        from adsbwatch.receiver.store.opening import open_watchlist_store

        for where in (empty, work):
            open_watchlist_store(str(where / "store.db")).close()
        for label, command in (("adsbwatch --help", ["--help"]),
                               ("adsbwatch watchlist list", ["watchlist", "list", "--db"])):
            times = []
            for where in (empty, work):
                argv = [*command, str(where / "store.db")] if command[-1] == "--db" \
                    else command
                times.append(startup(argv, env))
            print(f"| {label} | {times[0]:.3f} s | {times[1]:.3f} s |")


if __name__ == "__main__":
    main()
