"""Retention on a big store: `store prune` on a SQLite file of 10 million track points
(2% of the visits watched, spread over 30 days, --keep-points 7), while a stand-in for a
running station writes 500 points a second to it through its own connection, as the
store's writer does (one transaction a second). Measured: the prune's time, the longest
any one prune transaction held the write lock, the station's longest wait for one of its
writes (lock wait and commit), and the file's size before and after (after a checkpoint);
then the same prune again (a pass that finds nothing left). Then all of it on a new store
with --old-points delete.

    python benchmarks/prune.py --points 10000000 --folder /tmp/prune-bench
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adsbwatch.receiver.store.opening import open_pruner  # noqa: E402
from adsbwatch.receiver.store.pruning import keeping_rule, prune_summary  # noqa: E402
from adsbwatch.receiver.store.sqlite import Store  # noqa: E402

DAY = 86_400.0
POINTS_PER_VISIT = 1000  # about 8 minutes at 2 points a second
WATCHED_SHARE = 0.02
STATION_POINTS_S = 500


def build(path: Path, points: int, now: float) -> None:
    """Visits of POINTS_PER_VISIT points each, begun at random times over 30 days."""
    Store(path).close()  # the schema, as adsbwatch creates a store
    conn = sqlite3.connect(path, isolation_level=None)
    rng = random.Random(18)
    visits = points // POINTS_PER_VISIT
    conn.execute("BEGIN")
    for visit_id in range(1, visits + 1):
        first = now - 30 * DAY + rng.random() * 30 * DAY
        conn.execute("INSERT INTO visits (id, icao, watched, first_seen, last_seen, "
                     "messages) VALUES (?, ?, ?, ?, ?, ?)",
                     (visit_id, rng.randrange(1 << 24), int(rng.random() < WATCHED_SHARE),
                      first, first + POINTS_PER_VISIT / 2, POINTS_PER_VISIT * 5))
        conn.executemany(
            "INSERT INTO track_points VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            ((visit_id, first + k / 2, 52 + k * 1e-4, 4 + k * 1e-4, 30000, 450.0, 90.0, 0)
             for k in range(POINTS_PER_VISIT)))
        if visit_id % 500 == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


class Station(threading.Thread):
    """Writes STATION_POINTS_S points a second in one transaction each second, waiting
    for the lock as long as it takes; records the longest write."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=600,
                                    check_same_thread=False)
        self.conn.execute("INSERT OR IGNORE INTO visits (id, icao, watched, first_seen, "
                          "last_seen, messages) VALUES (-1, 1, 0, 0, 0, 0)")
        self.stop = threading.Event()
        self.longest_wait = 0.0  # for the lock
        self.longest = 0.0  # the whole write: the wait, the rows, the commit
        self.writes = 0

    def run(self) -> None:
        t = time.time()
        while not self.stop.wait(1.0):
            started = time.monotonic()
            self.conn.execute("BEGIN IMMEDIATE")
            self.longest_wait = max(self.longest_wait, time.monotonic() - started)
            self.conn.executemany("INSERT OR REPLACE INTO track_points (visit_id, t, lat, lon) "
                                  "VALUES (-1, ?, 0, 0)",
                                  ((t + k / STATION_POINTS_S,) for k in range(STATION_POINTS_S)))
            self.conn.execute("COMMIT")
            t += 1
            self.longest = max(self.longest, time.monotonic() - started)
            self.writes += 1


def file_mb(path: Path) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.stat().st_size / 1e6


def prune(path: Path, now: float, delete: bool) -> None:
    rule = keeping_rule(7, delete, now)
    before = file_mb(path)
    station = Station(path)
    station.start()
    started = time.monotonic()
    with open_pruner(str(path)) as pruner:
        result = pruner.prune(rule)
    took = time.monotonic() - started
    station.stop.set()
    station.join()
    after = file_mb(path)
    print(f"{'delete' if delete else 'thin'}: {took:.1f} s; {prune_summary(result, rule)}")
    print(f"  file {before:.0f} MB -> {after:.0f} MB; the station's longest wait for the "
          f"lock {station.longest_wait:.3f} s, longest write {station.longest:.3f} s (of "
          f"{station.writes}, 500 points each)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/prune-bench"))
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    path = args.folder / "adsbwatch.db"
    now = time.time()
    for delete in (False, True):  # each on a store of its own, as built
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()
        started = time.monotonic()
        build(path, args.points, now)
        print(f"built {args.points} points in {time.monotonic() - started:.0f} s: "
              f"{file_mb(path):.0f} MB")
        prune(path, now, delete)
        prune(path, now, delete)  # again: what a full pass costs once nothing is left


if __name__ == "__main__":
    main()
