"""The SQLite store: round trips, schema versions, and failures that lose nothing."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.receiver.defaults import default_db_path
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.store.sqlite import (
    SCHEMA_VERSION,
    EventRow,
    PointRow,
    Store,
    StoreError,
    TrackRow,
    VisitRow,
)

_IDS = itertools.count(1)  # visit ids: any distinct positive integers

T0 = 1_795_000_000.0


def visit(store: Store, icao: int = 0x3C6DD4, first: float = T0, last: float = T0 + 60,
          **more) -> VisitRow:
    return VisitRow(id=next(_IDS), icao=icao, first_seen=first, last_seen=last,
                    **more)


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def raw_count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "adsbwatch.db"


# ------------------------------------------------------------------------------ opening

def test_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "adsbwatch" / "adsbwatch.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_db_path() == tmp_path / "home" / ".local/share/adsbwatch/adsbwatch.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_db_path() == tmp_path / "home" / ".local/share/adsbwatch/adsbwatch.db"


def test_open_creates_the_folder_and_schema_version_1(db: Path) -> None:
    with Store(db):
        pass
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"watchlist", "visits", "track_points", "events",
            "visits_icao_first_seen", "visits_first_seen", "track_points_visit_t"} <= tables


def test_an_empty_database_is_migrated(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a valid SQLite file of zero bytes, version 0
    zero_bytes = tmp_path / "zero.db"
    zero_bytes.touch()
    for path in (empty, zero_bytes):
        with Store(path) as store:
            assert store.sightings() == []
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1


def test_reopening_keeps_the_data(db: Path) -> None:
    with Store(db) as store:
        v = visit(store)
        store.save_visit(v)
    with Store(db) as store:
        assert store.sightings() == [v]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE visits (id INTEGER)")
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    with pytest.raises(StoreError) as info:
        Store(path)
    assert str(info.value) == (f"{path} has schema version 7, newer than this adsbwatch knows "
                               "(1): upgrade adsbwatch or use another database")
    assert isinstance(info.value, RuntimeFailure)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the pages you are looking for\n" * 100)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert str(info.value) == f"{path} is not an adsbwatch database (it is not a SQLite file)"
    assert path.read_text().startswith("these are not")  # left untouched


def test_another_programs_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (url TEXT)")
    conn.close()
    with pytest.raises(StoreError, match="of another program, not an adsbwatch one"):
        Store(path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["moz_places"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # left as it was
    conn.close()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the database"):
        Store(tmp_path)


# ------------------------------------------------------------------------------ round trips

def test_visits_points_and_events_round_trip(db: Path) -> None:
    with Store(db) as store:
        v = visit(store, label="Lufthansa", watched=True, callsigns="DLH4AB DLH4AC",
                  squawks="1000 7700", min_alt=3000, max_alt=38000, closest_km=12.5,
                  messages=421, max_dbfs=-3.25, emergency="general")
        store.save_visit(v)
        points = [PointRow(T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False),
                  PointRow(T0 + 2, 51.5012, -0.2601)]
        for p in points:
            store.add_point(v.id, p)
        store.add_event(v.id, T0 + 1, "callsign", "DLH4AB")
        store.add_event(v.id, T0 + 3, "squawk", "7700")
        assert store.pending == 5
        assert store.flush() is True
        assert store.pending == 0
        assert store.last_error is None
        assert store.sightings() == [v]
        assert store.track(v.icao) == [
            TrackRow(v.id, T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False),
            TrackRow(v.id, T0 + 2, 51.5012, -0.2601, None, None, None, None, False),
        ]
        assert store.events(v.id) == [EventRow(v.id, T0 + 1, "callsign", "DLH4AB"),
                                      EventRow(v.id, T0 + 3, "squawk", "7700")]
    assert integrity(db) == "ok"


def test_save_visit_upserts(db: Path) -> None:
    with Store(db) as store:
        v = visit(store, messages=1, callsigns="")
        store.save_visit(v)
        store.flush()
        v.last_seen, v.messages, v.callsigns = T0 + 300, 99, "BAW1"
        store.save_visit(v)  # after a flush: an UPDATE of the row
        store.flush()
        v.max_alt = 12000
        store.save_visit(v)  # twice before a flush: the latest state is written
        v.messages = 100
        store.save_visit(v)
        rows = store.sightings()
    assert len(rows) == 1
    assert (rows[0].last_seen, rows[0].messages, rows[0].callsigns, rows[0].max_alt) == (
        T0 + 300, 100, "BAW1", 12000)
    assert raw_count(db, "visits") == 1


def test_a_saved_visit_is_a_snapshot(db: Path) -> None:
    with Store(db) as store:
        v = visit(store, messages=5)
        store.save_visit(v)
        v.messages = 6  # not saved again: the store keeps what it was given
        assert store.sightings()[0].messages == 5


def test_points_wait_for_their_visit(db: Path) -> None:
    with Store(db) as store:
        v = visit(store)
        store.add_point(v.id, PointRow(T0, 50.0, 8.0))
        store.add_event(v.id, T0, "callsign", "EWG1")
        assert store.flush() is True  # not a failure: they wait
        assert store.pending == 2
        assert raw_count(db, "track_points") == 0
        store.save_visit(v)
        store.flush()
        assert store.pending == 0
        assert [p.t for p in store.track(v.icao)] == [T0]


def test_points_of_a_visit_saved_earlier_are_written(db: Path) -> None:
    with Store(db) as store:
        v = visit(store)
        store.save_visit(v)
    with Store(db) as store:  # a later run adding to a visit it did not save itself
        store.add_point(v.id, PointRow(T0 + 5, 50.0, 8.0))
        assert store.flush() and store.pending == 0
        assert len(store.track(v.icao)) == 1


def test_maybe_flush_waits_for_the_interval(db: Path) -> None:
    with Store(db, commit_interval=1.0) as store:
        v = visit(store)
        store.save_visit(v)
        store.maybe_flush(100.0)  # the first call flushes
        assert store.pending == 0
        store.add_point(v.id, PointRow(T0, 50.0, 8.0))
        store.maybe_flush(100.5)
        assert store.pending == 1
        store.maybe_flush(101.0)
        assert store.pending == 0


def test_numpy_scalars_are_stored_as_plain_numbers(db: Path) -> None:
    with Store(db) as store:
        v = visit(store, icao=np.int64(0xABCDEF), messages=np.int32(3),
                  max_dbfs=np.float32(-1.5), closest_km=float("nan"))
        store.save_visit(v)
        store.add_point(v.id, PointRow(np.float64(T0), np.float32(40.5), np.float64(-3.5),
                                       np.int64(1200), gs=float("-inf"),
                                       on_ground=np.bool_(True)))
        (row,) = store.sightings()
        (point,) = store.track(0xABCDEF)
    assert (row.icao, row.messages, row.max_dbfs, row.closest_km) == (0xABCDEF, 3, -1.5, None)
    assert type(row.icao) is int
    assert (point.lat, point.alt, point.gs, point.on_ground) == (40.5, 1200, None, True)


def test_bad_values_fail_at_the_callers_line(db: Path) -> None:
    with Store(db) as store:
        with pytest.raises(ValueError, match="event kind must be one of callsign"):
            store.add_event(1, T0, "landing", "EGLL")
        with pytest.raises(ValueError, match="t must be a finite number"):
            store.add_point(1, PointRow(float("nan"), 1.0, 2.0))
        with pytest.raises(ValueError, match="positive 63-bit"):
            store.add_point(0, PointRow(T0, 1.0, 2.0))
        assert store.pending == 0


# ------------------------------------------------------------------------------ queries

def test_sightings_filter_by_address_and_time_newest_first(db: Path) -> None:
    with Store(db) as store:
        a1 = visit(store, 0xA00001, T0, T0 + 100)
        a2 = visit(store, 0xA00001, T0 + 1000, T0 + 1100)
        b1 = visit(store, 0xB00001, T0 + 500, T0 + 2000)
        for v in (a1, a2, b1):
            store.save_visit(v)
        assert [v.id for v in store.sightings()] == [a2.id, b1.id, a1.id]
        assert [v.id for v in store.sightings(icao=0xA00001)] == [a2.id, a1.id]
        # a visit still going on at `since` counts
        assert [v.id for v in store.sightings(since=T0 + 1500)] == [b1.id]
        assert [v.id for v in store.sightings(0xA00001, since=T0 + 100)] == [a2.id, a1.id]
        assert store.sightings(icao=0xC00001) == []


def test_track_joins_every_visit_in_time_order(db: Path) -> None:
    with Store(db) as store:
        early, late = visit(store, first=T0), visit(store, first=T0 + 3600)
        other = visit(store, icao=0x111111)
        for v in (late, early, other):
            store.save_visit(v)
        store.add_point(late.id, PointRow(T0 + 3600, 2.0, 2.0))
        store.add_point(early.id, PointRow(T0 + 10, 1.1, 1.1))
        store.add_point(early.id, PointRow(T0, 1.0, 1.0))
        store.add_point(other.id, PointRow(T0 + 5, 9.0, 9.0))
        track = store.track(0x3C6DD4)
        assert [(p.visit_id, p.t) for p in track] == [
            (early.id, T0), (early.id, T0 + 10), (late.id, T0 + 3600)]
        assert [p.t for p in store.track(0x3C6DD4, since=T0 + 5)] == [T0 + 10, T0 + 3600]


def test_two_stores_share_one_database(db: Path) -> None:
    with Store(db) as first, Store(db) as second:
        a, b = visit(first), visit(second)
        first.save_visit(a)
        second.save_visit(b)
        assert first.flush() and second.flush()
        assert {v.id for v in first.sightings()} == {a.id, b.id}


# ------------------------------------------------------------------------------ watchlist

def test_watchlist_add_replace_remove(db: Path) -> None:
    with Store(db) as store:
        assert store.add_watch([WatchEntry(0x100000, 0x1FFFFF, "Russia"),
                                WatchEntry(0x3C6DD4, 0x3C6DD4, "DLH")]) == 2
        added = sqlite3.connect(db).execute(
            "SELECT added FROM watchlist WHERE lo = ?", (0x3C6DD4,)).fetchone()[0]
        assert store.add_watch([WatchEntry(0x3C6DD4, 0x3C6DD4, "Lufthansa"),
                                WatchEntry(0x000001, 0x000001)]) == 1
        assert store.watch_entries() == [WatchEntry(1, 1, ""),
                                         WatchEntry(0x100000, 0x1FFFFF, "Russia"),
                                         WatchEntry(0x3C6DD4, 0x3C6DD4, "Lufthansa")]
        assert sqlite3.connect(db).execute(
            "SELECT added FROM watchlist WHERE lo = ?", (0x3C6DD4,)).fetchone()[0] == added
        assert store.remove_watch(0x100000, 0x1FFFFF) is True
        assert store.remove_watch(0x100000, 0x1FFFFF) is False
        assert store.remove_watch(0x150000, 0x150000) is False
        assert [e.lo for e in store.watch_entries()] == [1, 0x3C6DD4]
    with Store(db) as store:  # committed at once
        assert len(store.watch_entries()) == 2


def test_a_locked_database_makes_watchlist_changes_a_store_error(db: Path) -> None:
    with Store(db, busy_timeout_ms=50) as store:
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreError) as info:
            store.add_watch([WatchEntry(1, 1, "x")])
        blocker.execute("ROLLBACK")
        blocker.close()
        assert str(info.value) == (f"cannot update the watchlist in {db}: "
                                   "the database is locked by another program")
        assert store.watch_entries() == []
        store.add_watch([WatchEntry(1, 1, "x")])
        assert store.watch_entries() == [WatchEntry(1, 1, "x")]


# ------------------------------------------------------------------------------ failures

def test_a_locked_database_keeps_the_rows_until_released(db: Path) -> None:
    with Store(db, busy_timeout_ms=50) as store:
        v = visit(store)
        store.save_visit(v)
        store.add_point(v.id, PointRow(T0, 48.0, 11.0, 5000))
        store.add_event(v.id, T0, "squawk", "7000")
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        assert store.flush() is False
        assert store.last_error == (f"cannot write to {db}: "
                                    "the database is locked by another program")
        assert store.failed_flushes == 1
        assert store.pending == 3
        blocker.execute("ROLLBACK")
        blocker.close()
        assert store.flush() is True
        assert store.last_error is None
        assert store.pending == 0
        assert store.sightings() == [v]
        assert len(store.track(v.icao)) == 1
        assert len(store.events(v.id)) == 1
    assert integrity(db) == "ok"


def test_a_full_database_keeps_the_rows(db: Path) -> None:
    with Store(db) as store:
        v = visit(store)
        store.save_visit(v)
        store.flush()
        # The test reaches into the store's connection: SQLite can only be made "full"
        # on the connection that writes.
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}").fetchone()
        for i in range(3000):
            store.add_point(v.id, PointRow(T0 + i, 45.0 + i / 1e4, 7.0, 10000 + i))
        assert store.flush() is False
        assert "disk is full" in store.last_error
        assert store.pending == 3000
        assert raw_count(db, "track_points") == 0  # all or nothing
        store._conn.execute("PRAGMA max_page_count = 1073741823").fetchone()
        assert store.flush() is True
        assert [p.alt for p in store.track(v.icao)] == [10000 + i for i in range(3000)]
    assert integrity(db) == "ok"


def test_close_saves_what_it_cannot_write_as_json_lines(db: Path) -> None:
    store = Store(db)
    v = visit(store, label='a "quoted" <label>')
    store.save_visit(v)
    store.add_point(v.id, PointRow(T0, 1.5, 2.5, 300, on_ground=True))
    store.add_event(v.id, T0, "emergency", "lifeguard")
    store._conn.execute("PRAGMA query_only = ON")  # every write now fails: read-only
    assert store.flush() is False
    assert store.last_error == f"cannot write to {db}: the database is read-only"
    with pytest.raises(StoreError) as info:
        store.close()
    (saved,) = db.parent.glob("adsbwatch.db.unsaved-*.jsonl")
    assert str(info.value) == (f"could not write 3 rows to {db}: the database is read-only; "
                               f"saved them to {saved}")
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [line["table"] for line in lines] == ["visits", "track_points", "events"]
    assert lines[0]["row"]["label"] == v.label
    assert lines[1]["row"] == {"visit_id": v.id, "t": T0, "lat": 1.5, "lon": 2.5, "alt": 300,
                               "gs": None, "track": None, "vrate": None, "on_ground": 1}
    store.close()  # a second close does nothing
    assert raw_count(db, "visits") == 0

    with Store(db) as again:  # the saved rows can be loaded back
        assert again.restore_unsaved(saved) == 3
    with Store(db) as check:
        assert check.sightings() == [v]
        assert check.track(v.icao)[0].on_ground is True
        assert check.events(v.id) == [EventRow(v.id, T0, "emergency", "lifeguard")]
    assert integrity(db) == "ok"


def test_close_saves_in_the_current_folder_when_the_db_folder_is_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "gone"
    db = folder / "a.db"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    store = Store(db)
    store.save_visit(visit(store))
    store._conn.execute("PRAGMA query_only = ON")
    for f in folder.iterdir():  # the open database survives its folder being deleted
        f.unlink()
    folder.rmdir()
    with pytest.raises(StoreError, match=r"could not write 1 rows to .*; saved them to ") as info:
        store.close()
    (saved,) = cwd.glob("a.db.unsaved-*.jsonl")
    assert str(info.value).endswith(f"saved them to {saved}")


def test_close_saves_points_whose_visit_never_came(db: Path) -> None:
    store = Store(db)
    store.add_point(next(_IDS), PointRow(T0, 1.0, 2.0))
    with pytest.raises(StoreError, match="could not write 1 rows to .*: their visit was "
                                         "never saved; saved them to "):
        store.close()
    assert len(list(db.parent.glob("*.jsonl"))) == 1


def test_restore_unsaved_reports_a_bad_file(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"table": "visits", "row": {}}\n')
    with Store(db) as store:
        with pytest.raises(StoreError, match="a saved row cannot be restored"):
            store.restore_unsaved(bad)
        bad.write_text("not json\n")
        with pytest.raises(StoreError, match="bad.jsonl:1: not a line of saved rows"):
            store.restore_unsaved(bad)
        with pytest.raises(StoreError, match="cannot read"):
            store.restore_unsaved(tmp_path / "missing.jsonl")
