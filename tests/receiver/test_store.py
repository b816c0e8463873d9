"""The SQLite store: round trips, schema versions, and failures that lose nothing."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from support import checkout_env

from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.receiver.defaults import default_db_path
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.store import sqlite as store_module
from adsbwatch.receiver.store.rows import SessionRow
from adsbwatch.receiver.store.schema import MIGRATIONS
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


def buffer_one_of_each(store: Store) -> VisitRow:
    """A visit, a point (5000 ft) and an event (squawk 7000) buffered; the visit."""
    v = visit(store)
    store.save_visit(v)
    store.add_point(v.id, PointRow(T0, 48.0, 11.0, 5000))
    store.add_event(v.id, T0, "squawk", "7000")
    return v


def locked(db: Path) -> sqlite3.Connection:
    """Another program's connection holding the database with BEGIN EXCLUSIVE."""
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


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


def test_open_creates_the_folder_and_schema_version_3(db: Path) -> None:
    with Store(db):
        pass
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"watchlist", "visits", "track_points", "events", "sessions", "minutes",
            "visits_icao_first_seen", "visits_first_seen", "track_points_visit_t"} <= tables


def test_a_version_1_store_gains_the_sessions_table_and_keeps_its_rows(db: Path) -> None:
    """Version 1's tables as session 3 made them, with a visit in them."""
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    MIGRATIONS[0](conn)
    conn.execute("INSERT INTO visits (id, icao, watched, first_seen, last_seen, messages) "
                 "VALUES (7, 4728070, 1, 100.0, 160.0, 12)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(db) as store:
        assert [(v.id, v.icao, v.messages) for v in store.sightings()] == [(7, 4728070, 12)]
        assert store.sessions() == []
        store.save_session(SessionRow(id=1, started=100.0, last_seen=101.0, source="x.cu8",
                                      live=False, rate=2_400_000, samples=10, frames=2))
    with Store(db) as store:
        assert [(s.source, s.samples, s.frames, s.ended) for s in store.sessions()] == [
            ("x.cu8", 10, 2, None)]
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 3


def test_an_empty_database_is_migrated(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a valid SQLite file of zero bytes, version 0
    zero_bytes = tmp_path / "zero.db"
    zero_bytes.touch()
    for path in (empty, zero_bytes):
        with Store(path) as store:
            assert store.sightings() == []
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3


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
                               "(3): upgrade adsbwatch or use another database")
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
        blocker = locked(db)
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
        v = buffer_one_of_each(store)
        blocker = locked(db)
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


def restore_hint(saved: Path, db: Path) -> str:
    return f"restore them with `adsbwatch store restore {saved} --db {db}`"


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
                               f"saved them to {saved}; {restore_hint(saved, db)}")
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [line["table"] for line in lines] == ["visits", "track_points", "events"]
    assert lines[0]["row"]["label"] == v.label
    assert lines[1]["row"] == {"visit_id": v.id, "t": T0, "lat": 1.5, "lon": 2.5, "alt": 300,
                               "gs": None, "track": None, "vrate": None, "on_ground": 1}
    store.close()  # a second close does nothing
    assert raw_count(db, "visits") == 0

    with Store(db) as again:  # the saved rows can be loaded back
        assert again.restore_unsaved(saved) == (3, 0)
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
    assert f"saved them to {saved} (the database's folder could not take them: " \
        f"{folder}: No such file or directory); " in str(info.value)
    assert str(info.value).endswith(restore_hint(saved, db))


def _unwritable_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database whose folder and working folder cannot take a file (as root, chmod
    does not stop writes: the folders are gone, or their parent is a regular file)."""
    db = tmp_path / "gone" / "a.db"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    cwd.rmdir()  # the working folder is gone too
    return db


def _store_that_cannot_write(db: Path) -> Store:
    store = Store(db)
    store.save_visit(visit(store))
    store._conn.execute("PRAGMA query_only = ON")
    for f in db.parent.iterdir():
        f.unlink()
    db.parent.rmdir()
    return store


def test_unsaved_rows_go_to_the_state_folder_when_no_other_can_take_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _unwritable_folders(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    store = _store_that_cannot_write(db)
    with pytest.raises(StoreError) as info:
        store.close()
    (saved,) = (tmp_path / "state" / "adsbwatch").glob("a.db.unsaved-*.jsonl")
    assert json.loads(saved.read_text())["table"] == "visits"
    assert f"saved them to {saved} (the database's folder could not take them" in str(
        info.value)


def test_the_state_folder_defaults_to_local_state(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = _unwritable_folders(tmp_path, monkeypatch)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    store = _store_that_cannot_write(db)
    with pytest.raises(StoreError):
        store.close()
    assert len(list((tmp_path / "home/.local/state/adsbwatch").glob("a.db.unsaved-*"))) == 1


def test_unsaved_rows_go_to_the_temp_dir_last(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    db = _unwritable_folders(tmp_path, monkeypatch)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))  # its parent is a regular file
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    store = _store_that_cannot_write(db)
    with pytest.raises(StoreError) as info:
        store.close()
    (saved,) = temp.glob("a.db.unsaved-*.jsonl")
    assert f"saved them to {saved}" in str(info.value)


def test_close_saves_points_whose_visit_never_came(db: Path) -> None:
    store = Store(db)
    store.add_point(next(_IDS), PointRow(T0, 1.0, 2.0))
    with pytest.raises(StoreError, match="could not write 1 rows to .*: their visit was "
                                         "never saved; saved them to "):
        store.close()
    assert len(list(db.parent.glob("*.jsonl"))) == 1


# ------------------------------------------------------------------------------ interrupted

@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_an_interrupt_while_close_waits_on_a_lock_saves_the_rows_first(
        db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        interrupt: type[BaseException]) -> None:
    store = Store(db, busy_timeout_ms=60_000)
    v = buffer_one_of_each(store)
    blocker = locked(db)
    waits = []

    def second_ctrl_c(seconds: float) -> None:  # Ctrl-C arrives while close() waits
        waits.append(seconds)
        raise interrupt()

    monkeypatch.setattr(store_module.time, "sleep", second_ctrl_c)
    try:
        with pytest.raises(interrupt):
            store.close()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert len(waits) == 1  # it was waiting for the lock, not given up
    (saved,) = db.parent.glob("adsbwatch.db.unsaved-*.jsonl")
    rows = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [(r["table"], r["row"]["visit_id" if r["table"] != "visits" else "id"])
            for r in rows] == [("visits", v.id), ("track_points", v.id), ("events", v.id)]
    assert rows[1]["row"]["alt"] == 5000 and rows[2]["row"]["value"] == "7000"
    err = capsys.readouterr().err
    assert err == (f"adsbwatch: error: could not write 3 rows to {db}: the save was "
                   f"interrupted ({interrupt.__name__}); saved them to {saved}; "
                   f"{restore_hint(saved, db)}\n")
    assert raw_count(db, "visits") == 0
    with Store(db) as again:  # and they restore
        assert again.restore_unsaved(saved) == (3, 0)
        assert again.sightings() == [v]


def test_an_interrupted_flush_keeps_every_row(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db, busy_timeout_ms=60_000) as store:
        v = visit(store)
        store.save_visit(v)
        store.add_point(v.id, PointRow(T0, 48.0, 11.0, 5000))
        blocker = locked(db)

        def ctrl_c(seconds: float) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(store_module.time, "sleep", ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            store.flush()
        monkeypatch.undo()
        blocker.execute("ROLLBACK")
        blocker.close()
        assert store.pending == 2
        assert not store._conn.in_transaction
    assert raw_count(db, "track_points") == 1


def test_rows_buffered_when_the_program_ends_without_close_go_to_the_file(
        tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from adsbwatch.receiver.store.sqlite import PointRow, Store, VisitRow\n"
        f"store = Store(Path({str(db)!r}))\n"
        f"store.save_visit(VisitRow(id=3, icao=1, first_seen={T0}, last_seen={T0}))\n"
        f"store.add_point(3, PointRow({T0}, 1.0, 2.0))\n"
        "raise KeyboardInterrupt  # an interrupt that skipped close()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=checkout_env(), timeout=60)
    assert done.returncode != 0
    (saved,) = tmp_path.glob("a.db.unsaved-*.jsonl")
    assert [json.loads(line)["table"] for line in saved.read_text().splitlines()] == [
        "visits", "track_points"]
    assert (f"adsbwatch: error: could not write 2 rows to {db}: the program ended before "
            f"they were written; saved them to {saved}; ") in done.stderr


def test_a_closed_store_leaves_nothing_for_the_end(db: Path) -> None:
    store = Store(db)
    store.save_visit(visit(store))
    store.close()
    store._save_at_exit()  # what atexit would run: nothing left to save
    assert list(db.parent.glob("*.jsonl")) == []


# ------------------------------------------------------------------------------ restoring

def test_the_file_holds_the_visit_of_points_written_after_it(tmp_path: Path) -> None:
    """A visit written earlier, its later points not: the file still names the visit,
    so it restores into a database that never saw it."""
    db = tmp_path / "a.db"
    store = Store(db)
    v = visit(store)
    store.save_visit(v)
    assert store.flush() is True
    store.add_point(v.id, PointRow(T0 + 5, 48.0, 11.0, 5000))
    store._conn.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match="could not write 1 rows"):
        store.close()
    (saved,) = tmp_path.glob("a.db.unsaved-*.jsonl")
    assert [json.loads(line)["table"] for line in saved.read_text().splitlines()] == [
        "visits", "track_points"]
    with Store(tmp_path / "other.db") as other:
        assert other.restore_unsaved(saved) == (2, 0)
        assert other.sightings() == [v]
        assert [(p.t, p.alt) for p in other.track(v.icao)] == [(T0 + 5, 5000)]


def test_restoring_twice_gives_the_same_rows(db: Path, tmp_path: Path) -> None:
    v = VisitRow(id=5, icao=0x484506, first_seen=T0, last_seen=T0 + 9, messages=4)
    lines = [{"table": "visits", "row": {
                 "id": 5, "icao": 0x484506, "label": None, "watched": 0, "first_seen": T0,
                 "last_seen": T0 + 9, "callsigns": "", "squawks": "", "min_alt": None,
                 "max_alt": None, "closest_km": None, "messages": 4, "max_dbfs": None,
                 "emergency": None}},
             {"table": "track_points", "row": {
                 "visit_id": 5, "t": T0, "lat": 52.0, "lon": 4.5, "alt": 1000, "gs": None,
                 "track": None, "vrate": None, "on_ground": 0}},
             {"table": "events", "row": {"visit_id": 5, "t": T0, "kind": "squawk",
                                         "value": "7000"}}]
    saved = tmp_path / "saved.jsonl"
    saved.write_text("".join(json.dumps(line) + "\n" for line in lines))
    for _ in range(2):
        with Store(db) as store:
            assert store.restore_unsaved(saved) == (3, 0)
        assert [raw_count(db, t) for t in ("visits", "track_points", "events")] == [1, 1, 1]
    with Store(db) as store:
        assert store.sightings() == [v]
        assert store.track(0x484506) == [TrackRow(5, T0, 52.0, 4.5, 1000, None, None, None,
                                                  False)]


def test_rows_of_a_visit_nowhere_are_counted_not_written(db: Path, tmp_path: Path) -> None:
    saved = tmp_path / "orphans.jsonl"
    saved.write_text(json.dumps({"table": "track_points", "row": {
        "visit_id": 99, "t": T0, "lat": 52.0, "lon": 4.5, "alt": None, "gs": None,
        "track": None, "vrate": None, "on_ground": 0}}) + "\n")
    with Store(db) as store:
        assert store.restore_unsaved(saved) == (0, 1)
        assert store.pending == 0  # not buffered: close() makes no new file of them
    assert raw_count(db, "track_points") == 0
    assert list(db.parent.glob("*.jsonl")) == []


def test_restore_unsaved_reports_a_bad_file(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = json.dumps({"table": "events", "row": {"visit_id": 1, "t": T0, "kind": "squawk",
                                                 "value": "7000"}})
    with Store(db) as store:
        for text, message in [
                ('{"table": "visits", "row": {}}\n', r"bad.jsonl:1: not a line of saved "
                                                     r"rows \(no 'id'\)"),
                (f"{good}\nnot json\n", "bad.jsonl:2: not a line of saved rows"),
                (f'{good}\n\n{{"table": "planes", "row": {{}}}}\n',
                 r"bad.jsonl:3: not a line of saved rows \(unknown table 'planes'\)"),
                (good.replace("squawk", "mood") + "\n", "bad.jsonl:1: .*event kind")]:
            bad.write_text(text)
            with pytest.raises(StoreError, match=message) as info:
                store.restore_unsaved(bad)
            assert info.value.exit_status == 2
        with pytest.raises(StoreError, match="cannot read"):
            store.restore_unsaved(tmp_path / "missing.jsonl")
    assert [raw_count(db, t) for t in ("visits", "track_points", "events")] == [0, 0, 0]


# ------------------------------------------------------------------------------ read-only

def _files(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in folder.iterdir()}


def test_a_read_only_store_creates_and_changes_nothing(tmp_path: Path) -> None:
    medium = tmp_path / "medium"
    db = medium / "a.db"
    with Store(db) as store:
        v = visit(store)
        store.save_visit(v)
        store.add_point(v.id, PointRow(T0, 48.0, 11.0, 5000))
        store.add_watch([WatchEntry(1, 1, "x")])
    before = _files(medium)
    assert list(before) == ["a.db"]  # a closed WAL database: no -wal, no -shm
    with Store(db, read_only=True) as store:
        assert store.sightings() == [v]
        assert len(store.track(v.icao)) == 1
        assert store.watch_entries() == [WatchEntry(1, 1, "x")]
        with pytest.raises(StoreError, match="read-only"):
            store.add_watch([WatchEntry(2, 2, "y")])
    assert _files(medium) == before  # no -wal, -shm or journal; the same bytes


def test_a_read_only_store_reads_what_a_running_writer_has_in_its_wal(db: Path) -> None:
    writer = Store(db)
    v = visit(writer)
    writer.save_visit(v)
    assert writer.flush() is True  # committed to the WAL, not checkpointed
    assert Path(f"{db}-wal").exists()
    with Store(db, read_only=True) as reader:
        assert reader.sightings() == [v]
    writer.close()


def test_a_read_only_open_of_an_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreError, match="holds no adsbwatch store yet"):
        Store(empty, read_only=True)
    assert empty.read_bytes() == b""


def test_the_pipelines_points_are_stored_as_checked_ones(db: Path) -> None:
    """add_tracked_point (the pipeline's own points, unchecked) and add_point (checked)
    store the same rows."""
    with Store(db) as store:
        v = visit(store, watched=True)
        store.save_visit(v)
        store.add_point(v.id, PointRow(T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False))
        store.add_tracked_point(v.id, T0 + 2, 51.5012, -0.2601, None, 12.0, None, None, True)
        assert store.flush() is True
        assert store.track(v.icao) == [
            TrackRow(v.id, T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False),
            TrackRow(v.id, T0 + 2, 51.5012, -0.2601, None, 12.0, None, None, True),
        ]
