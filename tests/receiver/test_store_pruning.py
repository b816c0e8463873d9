"""Retention: old track points of unwatched visits thinned to one a minute or deleted,
watched visits and recent points kept, every visit's row as it was; the rows are
written with the Recorder and read back with plain SQL, on both backends. Also: a visit
watched meanwhile keeps its points; SQLite: a prune waits for another program's write
lock and finishes, a new store hands the freed space back to the disk; PostgreSQL: a
visit being changed holds the prune off, VACUUM hands back a table's empty end."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from store_support import T0, Lines, raw_execute, raw_rows, recorder, wait_until, written

from adsbwatch.receiver.store.errors import NoStoreError, StoreError
from adsbwatch.receiver.store.opening import open_pruner
from adsbwatch.receiver.store.protocols import PruneRule, Removal
from adsbwatch.receiver.store.pruning import BatchedPruner
from adsbwatch.receiver.store.pruning_schedule import ScheduledPruning
from adsbwatch.receiver.store.rows import PointRow, VisitRow

DAY = 86_400.0
# T0 is 40 s past a minute of the clock (1_795_000_000 = 29_916_666 min + 40 s): the
# minutes of a visit begun at T0 start at T0 + 20, T0 + 80, ...
CUT = T0 + 8 * DAY  # also 40 s past a minute
WATCHED, OLD, ACROSS, RECENT = 1, 2, 3, 4


def visit(visit_id: int, first: float, seconds: int, watched: bool) -> VisitRow:
    return VisitRow(id=visit_id, icao=0x400000 + visit_id, first_seen=first,
                    last_seen=first + seconds - 1, watched=watched, label="w" if watched
                    else None, callsigns="ABC123", min_alt=1000, max_alt=9000,
                    closest_km=12.5, messages=10 * seconds)


def point(t: float) -> PointRow:
    return PointRow(t=t, lat=52.0 + (t - T0) * 1e-6, lon=4.0, alt=5000)


def write_visits(path: Path | str) -> None:
    """Four visits of a point a second: watched and unwatched ones 10 days before the
    cut, one across the cut (100 s before, 100 s after), one a day after it."""
    rec = recorder(path)
    for visit_id, first, seconds, watched in (
            (WATCHED, T0, 300, True), (OLD, T0, 300, False),
            (ACROSS, CUT - 100, 200, False), (RECENT, CUT + DAY, 300, False)):
        rec.save_visit(visit(visit_id, first, seconds, watched))
        for k in range(seconds):
            rec.add_point(visit_id, point(first + k))
        rec.add_event(visit_id, first, "callsign", "ABC123")
        rec.add_event(visit_id, first + seconds - 1, "squawk", "1000")
    written(rec)
    rec.close()


def write_long_visit(location: Path | str) -> None:
    """One old unwatched visit of 20,000 points, the store's only rows."""
    rec = recorder(location)
    rec.save_visit(visit(OLD, T0, 20_000, False))
    for k in range(20_000):
        rec.add_point(OLD, point(T0 + k))
    written(rec)
    rec.close()


@pytest.fixture
def db(store_location: str) -> str:
    """write_visits' store, once per backend."""
    write_visits(store_location)
    return store_location


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "adsbwatch.db"
    write_visits(path)
    return path


def times(db: Path | str, visit_id: int) -> list[float]:
    return [row[0] for row in raw_rows(
        db, f"SELECT t FROM track_points WHERE visit_id = {visit_id} ORDER BY t")]


def visits(db: Path | str) -> list[tuple]:
    return raw_rows(db, "SELECT * FROM visits ORDER BY id")


def events(db: Path | str) -> list[tuple]:
    return raw_rows(db, "SELECT visit_id, t, kind FROM events ORDER BY visit_id, t")


def test_thinning_keeps_the_first_point_of_each_minute(db: str) -> None:
    before = visits(db)
    with open_pruner(str(db)) as pruner:
        result = pruner.prune(PruneRule(before=CUT, every_s=60), batch=50)
    assert times(db, WATCHED) == [T0 + k for k in range(300)]
    assert times(db, OLD) == [T0, T0 + 20, T0 + 80, T0 + 140, T0 + 200, T0 + 260]
    # Before the cut the first of [CUT-100, CUT-40) and of [CUT-40, CUT+20); after it all.
    assert times(db, ACROSS) == [CUT - 100, CUT - 40, *(CUT + k for k in range(100))]
    assert times(db, RECENT) == [CUT + DAY + k for k in range(300)]
    assert visits(db) == before  # rows and summaries as they were
    assert len(events(db)) == 8  # thinning leaves events be
    assert (result.visits, result.points, result.events) == (2, 294 + 98, 0)
    assert result.transactions == 8  # 392 points, 50 a transaction
    with open_pruner(str(db)) as pruner:  # again: nothing more goes
        again = pruner.prune(PruneRule(before=CUT, every_s=60))
    assert (again.points, again.transactions) == (0, 0)
    assert times(db, OLD) == [T0, T0 + 20, T0 + 80, T0 + 140, T0 + 200, T0 + 260]


def test_deleting_takes_old_points_and_events_of_unwatched_visits(db: str) -> None:
    before = visits(db)
    with open_pruner(str(db)) as pruner:
        result = pruner.prune(PruneRule(before=CUT, every_s=None))
    assert times(db, WATCHED) == [T0 + k for k in range(300)]
    assert times(db, OLD) == []
    assert times(db, ACROSS) == [CUT + k for k in range(100)]
    assert len(times(db, RECENT)) == 300
    assert visits(db) == before
    assert events(db) == [(WATCHED, T0, "callsign"), (WATCHED, T0 + 299, "squawk"),
                          (ACROSS, CUT + 99, "squawk"),
                          (RECENT, CUT + DAY, "callsign"), (RECENT, CUT + DAY + 299, "squawk")]
    assert (result.points, result.events) == (300 + 100, 3)


def test_since_looks_only_at_visits_still_under_way_then(db: str) -> None:
    with open_pruner(str(db)) as pruner:
        result = pruner.prune(PruneRule(before=CUT, every_s=60), since=CUT - 50)
    assert len(times(db, OLD)) == 300  # over before `since`: left for an earlier round
    assert times(db, ACROSS)[:3] == [CUT - 100, CUT - 40, CUT]
    assert (result.visits, result.points) == (1, 98)


def test_a_visit_watched_meanwhile_keeps_its_points(db: str) -> None:
    with open_pruner(db) as pruner:
        target = pruner.target  # type: ignore[attr-defined]
        chosen = [(OLD, *p) for p in target.old_points(OLD, CUT)]
        raw_execute(db, f"UPDATE visits SET watched = 1 WHERE id = {OLD}")
        assert target.remove(Removal(chosen, [OLD], CUT))[:2] == (0, 0)
    assert len(times(db, OLD)) == 300 and len(events(db)) == 8


def test_prune_waits_for_another_programs_write_lock(sqlite_db: Path) -> None:
    db = sqlite_db
    blocker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("INSERT INTO events (visit_id, t, kind, value) "
                    "VALUES (4, 1, 'squawk', '7000')")
    released = threading.Timer(3.0, lambda: blocker.execute("COMMIT"))
    started = time.monotonic()
    released.start()
    try:
        with open_pruner(str(db)) as pruner:
            result = pruner.prune(PruneRule(before=CUT, every_s=None))
    finally:
        released.join()
        blocker.close()
    assert time.monotonic() - started >= 2.9  # it waited, and then did it all
    assert result.points == 400 and times(db, OLD) == []
    assert (4, 1.0, "squawk") in events(db)  # the other program's row is in too


def test_a_new_store_gives_the_space_back_to_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    write_long_visit(path)
    assert raw_rows(path, "PRAGMA auto_vacuum") == [(2,)]  # incremental
    pages = raw_rows(path, "PRAGMA page_count")[0][0]
    with open_pruner(str(path)) as pruner:
        result = pruner.prune(PruneRule(before=CUT, every_s=None))
    assert result.points == 20_000
    assert result.freed_bytes is not None and result.freed_bytes > 500_000
    assert result.returned_bytes is not None and result.returned_bytes > 500_000
    assert raw_rows(path, "PRAGMA page_count")[0][0] < pages / 2
    assert raw_rows(path, "PRAGMA freelist_count") == [(0,)]


def test_an_old_store_keeps_the_space_for_new_rows(sqlite_db: Path) -> None:
    db = sqlite_db
    with sqlite3.connect(db, isolation_level=None) as conn:  # as before auto_vacuum
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("VACUUM")
    with open_pruner(str(db)) as pruner:
        result = pruner.prune(PruneRule(before=CUT, every_s=None))
    assert result.points == 400 and result.returned_bytes is None
    assert result.freed_bytes is not None and result.freed_bytes > 0
    assert raw_rows(db, "PRAGMA freelist_count")[0][0] > 0


def test_pruning_creates_no_store(tmp_path: Path) -> None:
    with pytest.raises(NoStoreError):
        open_pruner(str(tmp_path / "none.db"))
    assert not (tmp_path / "none.db").exists()


def test_pruning_an_empty_postgresql_database_creates_nothing(pg_url: str) -> None:
    with pytest.raises(NoStoreError):
        open_pruner(pg_url)
    assert raw_rows(pg_url, "SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = current_schema()") == [(0,)]


def test_a_visit_watched_while_the_prune_waits_for_it_keeps_its_points(pg_url: str) -> None:
    """A station's transaction that is changing a visit holds the prune's check of it
    off (FOR SHARE) until it commits; the check then sees the visit watched."""
    import psycopg

    write_visits(pg_url)
    station = psycopg.connect(pg_url)  # a transaction opens with the first statement
    station.execute(f"UPDATE visits SET watched = 1 WHERE id = {OLD}")
    committed = threading.Timer(1.0, station.commit)
    committed.start()
    try:
        with open_pruner(pg_url) as pruner:
            result = pruner.prune(PruneRule(before=CUT, every_s=None))
    finally:
        committed.join()
        station.close()
    assert len(times(pg_url, OLD)) == 300
    assert times(pg_url, ACROSS) == [CUT + k for k in range(100)]
    assert (result.visits, result.points, result.events) == (2, 100, 1)


def test_a_postgresql_prune_that_cannot_get_a_visit_fails_in_one_line(pg_url: str) -> None:
    import psycopg

    write_visits(pg_url)
    with psycopg.connect(pg_url) as station:
        station.execute(f"UPDATE visits SET watched = 1 WHERE id = {OLD}")
        with open_pruner(pg_url, patience_s=0.2) as pruner, \
                pytest.raises(StoreError) as failed:
            pruner.prune(PruneRule(before=CUT, every_s=None))
        station.rollback()
    assert str(failed.value) == (f"cannot prune old points in {pg_url}: the database is "
                                 "locked by another program")  # as SQLite's says it
    assert len(times(pg_url, OLD)) == 300 and len(times(pg_url, ACROSS)) == 200


def test_vacuum_gives_back_the_empty_end_of_a_table(pg_url: str) -> None:
    write_long_visit(pg_url)
    size = "SELECT pg_relation_size('track_points')"
    pages = raw_rows(pg_url, size)[0][0]
    with open_pruner(pg_url) as pruner:
        result = pruner.prune(PruneRule(before=CUT, every_s=None))
    assert result.points == 20_000 and result.freed_bytes is None  # VACUUM tells no more
    assert result.returned_bytes is not None and result.returned_bytes > 500_000
    assert raw_rows(pg_url, size)[0][0] < pages / 2
    assert raw_rows(pg_url, "SELECT count(*) FROM track_points") == [(0,)]


def test_live_pruning_runs_on_its_own_thread_at_the_start_then_each_round(db: str) -> None:
    said = Lines()
    pruning = ScheduledPruning(open_pruner(str(db)), days=8, delete=False, say=said,
                               every_s=0.05, clock=lambda: CUT + 8 * DAY)
    time.sleep(0.2)
    assert pruning.done == 0 and len(times(db, OLD)) == 300  # nothing before the run
    pruning.on_tick(None)  # type: ignore[arg-type]
    wait_until(lambda: pruning.done >= 3)
    pruning.close()
    assert times(db, OLD) == [T0, T0 + 20, T0 + 80, T0 + 140, T0 + 200, T0 + 260]
    assert len(times(db, ACROSS)) == 102
    # One line, of the first round; the later ones found nothing to prune.
    assert len(said) == 1 and said[0].startswith(
        "database: pruned 392 points and 0 events of 2 unwatched visits (thinned to one "
        "every 60 s)"), said
    assert not any(t.name == "store pruning" for t in threading.enumerate())


def test_a_failed_round_is_said_and_the_station_goes_on(sqlite_db: Path) -> None:
    db = sqlite_db
    said = Lines()
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        pruning = ScheduledPruning(open_pruner(str(db), patience_s=0.2), days=8,
                                   delete=True, say=said, every_s=60,
                                   clock=lambda: CUT + 8 * DAY)
        pruning.on_tick(None)  # type: ignore[arg-type]
        said.wait_for(1)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    pruning.close()
    assert said == [f"database: cannot prune old points in {db}: the database is locked "
                    "by another program; pruning again in 1 min"]
    assert len(times(db, OLD)) == 300


class SlowDisk:
    """A PruneTarget of one unwatched visit of 1000 old points, whose first three
    transactions hold the lock half a second each."""

    location = "slow"

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def old_visits(self, before: float, since: float | None, after: int,
                   limit: int) -> list[int]:
        return [OLD] if after < OLD else []

    def old_points(self, visit_id: int, before: float) -> list[tuple[float, float, float]]:
        return [(float(t), 52.0, 4.0) for t in range(1000)]

    def remove(self, removal: Removal) -> tuple[int, int, float]:
        self.sizes.append(len(removal.points))
        return len(removal.points), 0, 0.5 if len(self.sizes) <= 3 else 0.0

    def used_bytes(self) -> None:
        return None

    def give_back(self, stopping: object) -> tuple[None, float]:
        return None, 0.0

    def close(self) -> None:
        pass


def test_transactions_that_hold_the_lock_long_get_smaller() -> None:
    disk = SlowDisk()
    pauses: list[float] = []
    result = BatchedPruner(disk, pause=pauses.append).prune(
        PruneRule(before=CUT, every_s=None), batch=400)
    assert disk.sizes == [400, 200, 100, 100, 200]  # halved to the floor, then grown
    assert pauses == [0.5, 0.5, 0.5, 0.02, 0.02]  # as long as each held it, at least 20 ms
    assert (result.points, result.longest_lock_s, result.freed_bytes) == (1000, 0.5, None)
