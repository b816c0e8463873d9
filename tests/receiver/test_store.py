"""The store through the factory, on both backends (SQLite's alone where SQLite itself is
the subject: its file, schema versions, locks, WAL, its folder): opening, round trips
from a Recorder to a History, the watchlist, reading only, and closing with rows that
cannot be written (they go to a file, never away). The writer thread's own behaviour (locks,
retries, bounds) is in test_store_writer.py."""

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
from store_support import (
    T0,
    Lines,
    another_store,
    integrity,
    locked,
    raw_count,
    raw_execute,
    raw_rows,
    recorder,
    refuse_writes,
    release,
    restore_hint,
    store_made,
    unsaved_files,
    wait_until,
    writer_connection,
    written,
)
from support import checkout_env

from adsbwatch.decoder.messages.watchlist import WatchEntry, parse_rule, parse_watchlist
from adsbwatch.receiver.defaults import default_db_path
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.store.errors import CannotOpenStore, NoStoreError, StoreError
from adsbwatch.receiver.store.opening import (
    open_history,
    open_watchlist_store,
    restore_unsaved,
)
from adsbwatch.receiver.store.rows import (
    EventRow,
    MinuteRow,
    PointRow,
    SessionRow,
    TrackRow,
    VisitRow,
)
from adsbwatch.receiver.store.sqlite import Store
from adsbwatch.receiver.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from adsbwatch.receiver.store.writer import GRACE_S

_IDS = itertools.count(1)  # visit ids: any distinct positive integers


def visit(icao: int = 0x3C6DD4, first: float = T0, last: float = T0 + 60, **more) -> VisitRow:
    return VisitRow(id=next(_IDS), icao=icao, first_seen=first, last_seen=last, **more)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "adsbwatch.db"


@pytest.fixture
def db(store_location: str) -> str:
    """A store not made yet, on each backend (conftest's store_location)."""
    return store_location


def history(db: Path | str):  # noqa: ANN201 - a History
    return open_history(str(db))


# ------------------------------------------------------------------------------ opening

def test_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "adsbwatch" / "adsbwatch.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_db_path() == tmp_path / "home" / ".local/share/adsbwatch/adsbwatch.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_db_path() == tmp_path / "home" / ".local/share/adsbwatch/adsbwatch.db"


def test_open_creates_the_folder_and_the_current_schema(sqlite_db: Path) -> None:
    recorder(sqlite_db).close()
    conn = sqlite3.connect(sqlite_db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"watchlist", "visits", "track_points", "events", "sessions", "minutes",
            "visits_icao_first_seen", "visits_first_seen", "track_points_visit_t_pos",
            "events_visit_t_value", "site_visits", "visits_one_open"} <= tables
    assert "track_points_visit_t" not in tables


def _database_at(db: Path, version: int) -> sqlite3.Connection:
    """A database made by the migrations up to `version`, as that adsbwatch left it."""
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    for step in MIGRATIONS[:version]:
        step(conn)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def test_a_version_1_store_gains_sessions_and_keeps_its_rows(sqlite_db: Path) -> None:
    conn = _database_at(sqlite_db, 1)
    conn.execute("INSERT INTO visits (id, icao, watched, first_seen, last_seen, messages) "
                 "VALUES (7, 4728070, 1, 100.0, 160.0, 12)")
    conn.commit()
    conn.close()
    with recorder(sqlite_db) as rec:
        rec.save_session(SessionRow(id=1, started=100.0, last_seen=101.0, source="x.cu8",
                                    live=False, rate=2_400_000, samples=10, frames=2))
    with history(sqlite_db) as h:
        assert [(v.id, v.icao, v.messages) for v in h.sightings()] == [(7, 4728070, 12)]
        assert [(s.source, s.live, s.samples, s.frames, s.ended) for s in h.sessions()] == [
            ("x.cu8", False, 10, 2, None)]
    assert sqlite3.connect(sqlite_db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_version_3_store_keeps_its_points_and_then_takes_two_at_one_time(sqlite_db: Path) -> None:
    """Version 3 kept one point per visit and time: migrated, its rows stay as they
    were, and two positions heard at one time are both kept from then on."""
    conn = _database_at(sqlite_db, 3)
    conn.execute("INSERT INTO visits (id, icao, watched, first_seen, last_seen, messages) "
                 "VALUES (7, 4728070, 1, 100.0, 160.0, 12)")
    conn.executemany("INSERT INTO track_points (visit_id, t, lat, lon) VALUES (7, ?, ?, 4.5)",
                     [(100.0, 52.0), (101.0, 52.1)])
    conn.execute("INSERT INTO events VALUES (7, 100.0, 'squawk', '7000')")
    conn.commit()
    with pytest.raises(sqlite3.IntegrityError):  # what version 3 refused
        conn.execute("INSERT INTO track_points (visit_id, t, lat, lon) "
                     "VALUES (7, 101.0, 52.2, 4.5)")
    conn.close()
    with recorder(sqlite_db) as rec:
        rec.add_point(7, PointRow(101.0, 52.2, 4.5))  # same time, another position
        rec.add_point(7, PointRow(101.0, 52.1, 4.5))  # the stored one again
        rec.add_event(7, 100.0, "squawk", "7700")  # same time and kind, another value
    assert sqlite3.connect(sqlite_db).execute("PRAGMA user_version").fetchone()[0] \
        == SCHEMA_VERSION
    assert raw_rows(sqlite_db, "SELECT t, lat FROM track_points ORDER BY t, lat") == [
        (100.0, 52.0), (101.0, 52.1), (101.0, 52.2)]
    assert raw_rows(sqlite_db, "SELECT value FROM events ORDER BY value") == [("7000",), ("7700",)]
    assert integrity(sqlite_db) == "ok"


def test_a_version_4_stores_visits_keep_null_and_new_ones_carry_the_database(
        sqlite_db: Path) -> None:
    """Schema v5 adds the registration, type, operator and country to visits: a row
    stored before has none (NULL, not a guess); a visit saved after carries them, and
    a later state of it without them (saved rows from before) does not wipe them."""
    conn = _database_at(sqlite_db, 4)
    conn.execute("INSERT INTO visits (id, icao, watched, first_seen, last_seen, messages) "
                 "VALUES (7, 4736262, 1, 100.0, 160.0, 12)")
    conn.commit()
    conn.close()
    with recorder(sqlite_db) as rec:
        rec.save_visit(VisitRow(id=8, icao=0x484506, first_seen=2000.0, last_seen=2060.0,
                                messages=3, registration="PH-GOV", type_code="B737",
                                operator="Dutch Government", country="NL"))
    with recorder(sqlite_db) as rec:  # a newer state that knows none of it
        rec.save_visit(VisitRow(id=8, icao=0x484506, first_seen=2000.0, last_seen=2070.0,
                                messages=5))
    assert raw_rows(sqlite_db, "SELECT id, registration, type_code, operator, country, last_seen "
                        "FROM visits ORDER BY id") == [
        (7, None, None, None, None, 160.0),
        (8, "PH-GOV", "B737", "Dutch Government", "NL", 2070.0)]
    with history(sqlite_db) as h:
        by_id = {v.id: v for v in h.sightings()}
    assert (by_id[8].registration, by_id[8].type_code, by_id[8].operator,
            by_id[8].country) == ("PH-GOV", "B737", "Dutch Government", "NL")
    assert by_id[7].registration is None and by_id[7].country is None


def test_a_version_4_watchlist_of_addresses_becomes_rules(sqlite_db: Path) -> None:
    """Version 4 kept addresses and blocks as (lo, hi): each becomes the rule it was, its
    label and added time kept, and reads back as the same watchlist."""
    conn = _database_at(sqlite_db, 4)
    conn.executemany("INSERT INTO watchlist (lo, hi, label, added) VALUES (?, ?, ?, ?)",
                     [(0x484506, 0x484506, "Dutch government", 10.0),
                      (0x100000, 0x1FFFFF, "Russia", 11.0), (0x00000A, 0x00000A, "", 12.0)])
    conn.commit()
    conn.close()
    with open_watchlist_store(str(sqlite_db)) as store:
        assert store.watch_entries() == [WatchEntry(0x00000A, 0x00000A),
                                         WatchEntry(0x100000, 0x1FFFFF, "Russia"),
                                         WatchEntry(0x484506, 0x484506, "Dutch government")]
    assert raw_rows(sqlite_db, "SELECT rule, label, added FROM watchlist ORDER BY added") == [
        ("484506", "Dutch government", 10.0), ("100000-1FFFFF", "Russia", 11.0),
        ("00000A", "", 12.0)]
    assert integrity(sqlite_db) == "ok"


def test_rules_are_stored_by_their_text_and_read_back(sqlite_db: Path) -> None:
    rules = parse_watchlist('military country:ru\nsquawk:7700,7500 "emergency"\n'
                            'operator:"Russia - Air Force" RuAF\n', "w")
    with open_watchlist_store(str(sqlite_db)) as store:
        assert store.add_watch(rules) == 3
        # the same rule written in another order is the same rule: relabelled
        assert store.add_watch(parse_watchlist("country:RU military Russian", "w")) == 0
        assert store.remove_watch(parse_rule("squawk:7500,7700")) is True
    assert raw_rows(sqlite_db, "SELECT rule, label FROM watchlist ORDER BY rule") == [
        ("country:RU military", "Russian"), ('operator:"Russia - Air Force"', "RuAF")]
    with open_watchlist_store(str(sqlite_db), read_only=True) as store:
        assert [e.text() for e in store.watch_entries()] == [
            "country:RU military Russian", 'operator:"Russia - Air Force" RuAF']


def test_an_empty_database_is_migrated(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a valid SQLite file of zero bytes, version 0
    zero_bytes = tmp_path / "zero.db"
    zero_bytes.touch()
    for path in (empty, zero_bytes):
        recorder(path).close()
        with history(path) as h:
            assert h.sightings() == []
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] \
            == SCHEMA_VERSION


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE visits (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    for opening in (lambda: recorder(path), lambda: history(path),
                    lambda: open_watchlist_store(str(path))):
        with pytest.raises(CannotOpenStore) as info:
            opening()
        assert str(info.value) == (f"{path} has schema version {SCHEMA_VERSION + 1}, newer "
                                   "than this adsbwatch "
                                   f"knows ({SCHEMA_VERSION}): upgrade adsbwatch or use "
                                   "another database")
        assert isinstance(info.value, RuntimeFailure) and info.value.exit_status == 2


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the pages you are looking for\n" * 100)
    with pytest.raises(StoreError) as info:
        recorder(path)
    assert str(info.value) == f"{path} is not an adsbwatch database (it is not a SQLite file)"
    assert path.read_text().startswith("these are not")  # left untouched


def test_another_programs_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (url TEXT)")
    conn.close()
    with pytest.raises(StoreError, match="of another program, not an adsbwatch one"):
        recorder(path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["moz_places"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # left as it was
    conn.close()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the database"):
        recorder(tmp_path)


@pytest.mark.parametrize("url", ["mysql://me:secret@db.example/adsb",
                                 "postgresq://me:secret@db.example/adsb",
                                 "http://me:secret@example.com/"])
def test_a_url_of_no_known_backend_is_refused_without_its_password(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    scheme = url.partition(":")[0]
    for opening in (lambda: recorder(url), lambda: open_history(url),
                    lambda: open_watchlist_store(url)):
        with pytest.raises(CannotOpenStore) as info:
            opening()
        assert str(info.value) == (
            f"--db {scheme}://me@{url.partition('@')[2]}: {scheme}:// is no store adsbwatch "
            "knows: give the path of a SQLite file or a postgresql:// URL")
    assert list(tmp_path.iterdir()) == []  # no folder named `mysql:` made


def test_a_postgresql_store_gets_the_same_tables_and_columns(pg_url: str,
                                                            sqlite_db: Path) -> None:
    recorder(pg_url).close()
    recorder(sqlite_db).close()
    pg = raw_rows(pg_url, "SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = 'public' AND column_name <> 'rowid'")
    lite = raw_rows(sqlite_db, "SELECT m.name, p.name FROM sqlite_master m, "
                               "pragma_table_info(m.name) p WHERE m.type = 'table'")
    assert set(pg) - {("adsbwatch_schema", "version")} == set(lite)
    assert raw_rows(pg_url, "SELECT version FROM adsbwatch_schema") == [(SCHEMA_VERSION,)]


def test_a_postgresql_server_not_there_is_one_line_without_the_password() -> None:
    url = "postgresql://me:hunter2@127.0.0.1:1/adsb"  # nothing listens on port 1
    for opening in (lambda: recorder(url), lambda: open_history(url)):
        with pytest.raises(StoreError) as info:
            opening()
        assert not isinstance(info.value, CannotOpenStore)  # the server's fault: exit 1
        assert info.value.exit_status == 1
        text = str(info.value)
        assert text.startswith("cannot connect to the database "
                               "postgresql://me@127.0.0.1:1/adsb (")
        assert "hunter2" not in text and "\n" not in text


def test_reading_a_postgresql_database_without_a_store_creates_nothing(pg_url: str) -> None:
    with pytest.raises(NoStoreError, match="there is no store at postgresql://"):
        open_history(pg_url)
    with pytest.raises(NoStoreError):
        open_watchlist_store(pg_url, read_only=True)
    assert raw_rows(pg_url, "SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = 'public'") == [(0,)]


def test_a_postgresql_database_of_another_program_is_refused(pg_url: str) -> None:
    raw_execute(pg_url, "CREATE TABLE invoices (n INTEGER)")
    with pytest.raises(CannotOpenStore, match="holds tables of another program"):
        recorder(pg_url)
    assert raw_rows(pg_url, "SELECT to_regclass('visits')") == [(None,)]


def test_a_newer_postgresql_schema_is_refused(pg_url: str) -> None:
    recorder(pg_url).close()
    raw_execute(pg_url, "UPDATE adsbwatch_schema SET version = 99")
    with pytest.raises(CannotOpenStore, match="schema version 99, newer than"):
        recorder(pg_url)


def test_a_version_1_postgresql_store_is_migrated_keeping_its_rows(pg_url: str) -> None:
    """The same steps as SQLite's: the blocks of v1's watchlist become rules (v6)."""
    from adsbwatch.receiver.store.postgres.schema import MIGRATIONS as PG_MIGRATIONS

    raw_execute(pg_url, *[
        "CREATE TABLE adsbwatch_schema (version INTEGER NOT NULL)",
        "INSERT INTO adsbwatch_schema VALUES (1)", *PG_MIGRATIONS[0],
        "INSERT INTO watchlist VALUES (4211974, 4211974, 'G-ABCD', 1.0), "
        "(1048576, 2097151, 'Russia', 2.0)",
        "INSERT INTO visits (id, icao, watched, first_seen, last_seen, messages) "
        "VALUES (7, 4728070, 1, 100.0, 160.0, 12)"])
    with open_watchlist_store(pg_url) as store:
        assert [(e.rule(), e.label) for e in store.watch_entries()] == [
            ("100000-1FFFFF", "Russia"), ("404506", "G-ABCD")]
    with history(pg_url) as h:
        assert [(v.id, v.icao, v.messages, v.registration) for v in h.sightings()] == [
            (7, 4728070, 12, None)]
    assert raw_rows(pg_url, "SELECT version FROM adsbwatch_schema") == [(SCHEMA_VERSION,)]


# ------------------------------------------------------------------------------ round trips

def test_visits_points_and_events_round_trip(db: str) -> None:
    v = visit(label="Lufthansa", watched=True, callsigns="DLH4AB DLH4AC",
              squawks="1000 7700", min_alt=3000, max_alt=38000, closest_km=12.5,
              messages=421, max_dbfs=-3.25, emergency="general")
    with recorder(db) as rec:
        rec.save_visit(v)
        rec.add_point(v.id, PointRow(T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False))
        rec.add_point(v.id, PointRow(T0 + 2, 51.5012, -0.2601))
        rec.add_event(v.id, T0 + 1, "callsign", "DLH4AB")
        rec.add_event(v.id, T0 + 3, "squawk", "7700")
        assert rec.status.waiting == 5
        written(rec)
        status = rec.status
        assert (status.waiting, status.problem, status.behind) == (0, None, False)
    with history(db) as h:
        assert h.sightings() == [v]
        assert h.track(v.icao) == [
            TrackRow(v.id, T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False),
            TrackRow(v.id, T0 + 2, 51.5012, -0.2601, None, None, None, None, False),
        ]
        assert h.events(v.id) == [EventRow(v.id, T0 + 1, "callsign", "DLH4AB"),
                                  EventRow(v.id, T0 + 3, "squawk", "7700")]
    assert integrity(db) == "ok"


def test_save_visit_keeps_the_latest_state(db: str) -> None:
    v = visit(messages=1, callsigns="")
    with recorder(db) as rec:
        rec.save_visit(v)
        written(rec)
        v.last_seen, v.messages, v.callsigns = T0 + 300, 99, "BAW1"
        rec.save_visit(v)  # after a write: an update of the row
        written(rec)
        v.max_alt = 12000
        rec.save_visit(v)  # twice before a commit: the latest state is written
        v.messages = 100
        rec.save_visit(v)
    with history(db) as h:
        rows = h.sightings()
    assert [(r.last_seen, r.messages, r.callsigns, r.max_alt) for r in rows] == [
        (T0 + 300, 100, "BAW1", 12000)]
    assert raw_count(db, "visits") == 1


def test_a_saved_visit_is_a_snapshot(db: str) -> None:
    v = visit(messages=5)
    with recorder(db) as rec:
        rec.save_visit(v)
        v.messages = 6  # not saved again: the store keeps what it was given
    with history(db) as h:
        assert h.sightings()[0].messages == 5


def test_points_wait_for_their_visit(db: str) -> None:
    v = visit()
    with recorder(db) as rec:
        rec.add_point(v.id, PointRow(T0, 50.0, 8.0))
        rec.add_event(v.id, T0, "callsign", "EWG1")
        rec.save_visit(visit())  # another visit's write: these two still wait
        rec.commit()
        wait_until(lambda: raw_count(db, "visits") == 1)
        assert raw_count(db, "track_points") == 0
        assert rec.status.waiting == 2 and rec.status.problem is None  # not a failure
        rec.save_visit(v)
        written(rec)
        assert rec.status.waiting == 0
    with history(db) as h:
        assert [p.t for p in h.track(v.icao)] == [T0]


def test_points_of_a_visit_saved_earlier_are_written(db: str) -> None:
    v = visit()
    with recorder(db) as rec:
        rec.save_visit(v)
    with recorder(db) as rec:  # a later run adding to a visit it did not save itself
        rec.add_point(v.id, PointRow(T0 + 5, 50.0, 8.0))
    with history(db) as h:
        assert len(h.track(v.icao)) == 1


def test_numpy_scalars_are_stored_as_plain_numbers(db: str) -> None:
    v = visit(icao=np.int64(0xABCDEF), messages=np.int32(3), max_dbfs=np.float32(-1.5),
              closest_km=float("nan"))
    with recorder(db) as rec:
        rec.save_visit(v)
        rec.add_point(v.id, PointRow(np.float64(T0), np.float32(40.5), np.float64(-3.5),
                                     np.int64(1200), gs=float("-inf"),
                                     on_ground=np.bool_(True)))
    with history(db) as h:
        (row,) = h.sightings()
        (point,) = h.track(0xABCDEF)
    assert (row.icao, row.messages, row.max_dbfs, row.closest_km) == (0xABCDEF, 3, -1.5, None)
    assert type(row.icao) is int
    assert (point.lat, point.alt, point.gs, point.on_ground) == (40.5, 1200, None, True)


def test_bad_values_fail_at_the_callers_line(db: str) -> None:
    with recorder(db) as rec:
        with pytest.raises(ValueError, match="event kind must be one of callsign"):
            rec.add_event(1, T0, "landing", "EGLL")
        with pytest.raises(ValueError, match="t must be a finite number"):
            rec.add_point(1, PointRow(float("nan"), 1.0, 2.0))
        with pytest.raises(ValueError, match="positive 63-bit"):
            rec.add_point(0, PointRow(T0, 1.0, 2.0))
        assert rec.status.waiting == 0


def test_the_pipelines_points_are_stored_as_checked_ones(db: str) -> None:
    """add_tracked_point (the pipeline's own points, unchecked) and add_point (checked)
    store the same rows."""
    v = visit(watched=True)
    with recorder(db) as rec:
        rec.save_visit(v)
        rec.add_point(v.id, PointRow(T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False))
        rec.add_tracked_point(v.id, T0 + 2, 51.5012, -0.2601, None, 12.0, None, None, True)
    with history(db) as h:
        assert h.track(v.icao) == [
            TrackRow(v.id, T0 + 1, 51.5, -0.25, 38000, 451.5, 270.0, -64, False),
            TrackRow(v.id, T0 + 2, 51.5012, -0.2601, None, 12.0, None, None, True),
        ]


def test_sessions_and_minutes_keep_their_latest_state(db: str) -> None:
    session = SessionRow(id=9, started=T0, last_seen=T0, source="rtlsdr:0", live=True,
                         rate=2_400_000)
    minute = MinuteRow(minute=T0 - T0 % 60, run_start=T0, first_t=T0, last_t=T0 + 1,
                       session_id=9, frames=3, frames_by_df={17: 3}, levels={-20: 3})
    with recorder(db) as rec:
        rec.save_session(session)
        rec.save_minute(minute)
        written(rec)
        session.last_seen, session.frames, session.ended = T0 + 30, 300, T0 + 30
        minute.last_t, minute.frames, minute.frames_by_df = T0 + 30, 300, {17: 200, 11: 100}
        rec.save_session(session)
        rec.save_minute(minute)
    with history(db) as h:
        assert h.sessions() == [session]
        assert list(h.minute_chunks(None)) == [[minute]]


# ------------------------------------------------------------------------------ same times

def test_two_positions_heard_at_one_time_are_both_kept(db: str) -> None:
    """A network peer's burst gives its frames one arrival time: every position of it
    is a point of the track (L7), in the order heard."""
    v = visit()
    with recorder(db) as rec:
        rec.save_visit(v)
        for i in range(20):
            rec.add_tracked_point(v.id, T0, 52.0 + i / 1000, 4.5, 30000, None, None, None,
                                  False)
    with history(db) as h:
        assert [p.lat for p in h.track(v.icao)] == [52.0 + i / 1000 for i in range(20)]


def test_the_same_point_written_again_is_not_doubled(db: str) -> None:
    """A replay run twice writes its rows again: they replace themselves."""
    v = visit()
    for _ in range(2):
        with recorder(db) as rec:
            rec.save_visit(v)
            rec.add_point(v.id, PointRow(T0, 52.0, 4.5, 1000))
            rec.add_point(v.id, PointRow(T0, 52.1, 4.5, 1000))
            rec.add_event(v.id, T0, "squawk", "7000")
            rec.add_event(v.id, T0, "squawk", "7000")
    assert [raw_count(db, t) for t in ("visits", "track_points", "events")] == [1, 2, 1]


def test_track_joins_every_visit_in_time_order(db: str) -> None:
    early, late = visit(first=T0), visit(first=T0 + 3600)
    other = visit(icao=0x111111)
    with recorder(db) as rec:
        for v in (late, early, other):
            rec.save_visit(v)
        rec.add_point(late.id, PointRow(T0 + 3600, 2.0, 2.0))
        rec.add_point(early.id, PointRow(T0 + 10, 1.1, 1.1))
        rec.add_point(early.id, PointRow(T0, 1.0, 1.0))
        rec.add_point(other.id, PointRow(T0 + 5, 9.0, 9.0))
    with history(db) as h:
        assert [(p.visit_id, p.t) for p in h.track(0x3C6DD4)] == [
            (early.id, T0), (early.id, T0 + 10), (late.id, T0 + 3600)]
        assert [p.t for p in h.track(0x3C6DD4, since=T0 + 5)] == [T0 + 10, T0 + 3600]


def test_sightings_filter_by_address_and_time_newest_first(db: str) -> None:
    a1 = visit(0xA00001, T0, T0 + 100)
    a2 = visit(0xA00001, T0 + 1000, T0 + 1100)
    b1 = visit(0xB00001, T0 + 500, T0 + 2000)
    with recorder(db) as rec:
        for v in (a1, a2, b1):
            rec.save_visit(v)
    with history(db) as h:
        assert [v.id for v in h.sightings()] == [a2.id, b1.id, a1.id]
        assert [v.id for v in h.sightings(icao=0xA00001)] == [a2.id, a1.id]
        # a visit still going on at `since` counts
        assert [v.id for v in h.sightings(since=T0 + 1500)] == [b1.id]
        assert [v.id for v in h.sightings(0xA00001, since=T0 + 100)] == [a2.id, a1.id]
        assert h.sightings(icao=0xC00001) == []


def test_two_recorders_share_one_database(db: str) -> None:
    a, b = visit(), visit(icao=0x484506)
    with recorder(db) as first, recorder(db) as second:
        first.save_visit(a)
        second.save_visit(b)
    with history(db) as h:
        assert {v.id for v in h.sightings()} == {a.id, b.id}


# ------------------------------------------------------------------------------ watchlist

def test_watchlist_add_replace_remove(db: str) -> None:
    def added_time() -> float:
        return raw_rows(db, "SELECT added FROM watchlist WHERE rule = '3C6DD4'")[0][0]

    with open_watchlist_store(str(db)) as store:
        assert store.add_watch([WatchEntry(0x100000, 0x1FFFFF, "Russia"),
                                WatchEntry(0x3C6DD4, 0x3C6DD4, "DLH")]) == 2
        added = added_time()
        assert store.add_watch([WatchEntry(0x3C6DD4, 0x3C6DD4, "Lufthansa"),
                                WatchEntry(0x000001, 0x000001)]) == 1
        assert store.watch_entries() == [WatchEntry(1, 1, ""),
                                         WatchEntry(0x100000, 0x1FFFFF, "Russia"),
                                         WatchEntry(0x3C6DD4, 0x3C6DD4, "Lufthansa")]
        assert added_time() == added
        assert store.remove_watch(WatchEntry(0x100000, 0x1FFFFF)) is True
        assert store.remove_watch(WatchEntry(0x100000, 0x1FFFFF, "Russia")) is False
        assert store.remove_watch(WatchEntry(0x150000, 0x150000)) is False
        assert [e.lo for e in store.watch_entries()] == [1, 0x3C6DD4]
    with open_watchlist_store(str(db), read_only=True) as store:  # committed at once
        assert len(store.watch_entries()) == 2


def test_a_locked_database_makes_watchlist_changes_a_store_error(sqlite_db: Path) -> None:
    open_watchlist_store(str(sqlite_db)).close()
    with Store(sqlite_db, busy_timeout_ms=50) as conn:  # the watchlist's own, waiting briefly
        from adsbwatch.receiver.store.sql.watchlist import SqlWatchlistStore

        store = SqlWatchlistStore(conn)
        blocker = locked(sqlite_db)
        with pytest.raises(StoreError) as info:
            store.add_watch([WatchEntry(1, 1, "x")])
        release(blocker)
        assert str(info.value) == (f"cannot update the watchlist in {sqlite_db}: "
                                   "the database is locked by another program")
        assert store.watch_entries() == []
        store.add_watch([WatchEntry(1, 1, "x")])
        assert store.watch_entries() == [WatchEntry(1, 1, "x")]


# ------------------------------------------------------------------------------ closing

def test_close_saves_what_it_cannot_write_as_json_lines(db: str) -> None:
    lines = Lines()
    rec = recorder(db, lines, close_wait_s=0.5)
    v = visit(label='a "quoted" <label>')
    rec.save_visit(v)
    rec.add_point(v.id, PointRow(T0, 1.5, 2.5, 300, on_ground=True))
    rec.add_event(v.id, T0, "emergency", "lifeguard")
    refuse_writes(rec)
    with pytest.raises(StoreError) as info:
        rec.close()
    (saved,) = unsaved_files(db)
    assert str(info.value) == (f"could not write 3 rows to {db}: the database is read-only; "
                               f"saved them to {saved}; {restore_hint(saved, db)}")
    assert lines == [f"database: cannot write to {db} (the database is read-only); 3 rows "
                     "waiting, reception goes on"]
    rows = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [row["table"] for row in rows] == ["visits", "track_points", "events"]
    assert rows[0]["row"]["label"] == v.label
    assert rows[1]["row"] == {"visit_id": v.id, "t": T0, "lat": 1.5, "lon": 2.5, "alt": 300,
                              "gs": None, "track": None, "vrate": None, "on_ground": 1,
                              "site": None}
    rec.close()  # a second close does nothing
    assert raw_count(db, "visits") == 0

    done = restore_unsaved(db, saved)  # the saved rows can be loaded back
    assert (done.rows, done.left_out, done.cut_off) == (3, 0, None)
    with history(db) as h:
        assert h.sightings() == [v]
        assert h.track(v.icao)[0].on_ground is True
        assert h.events(v.id) == [EventRow(v.id, T0, "emergency", "lifeguard")]
    assert integrity(db) == "ok"


def test_sessions_and_minutes_not_written_go_to_the_file_too(db: str) -> None:
    rec = recorder(db, Lines(), close_wait_s=0.2)
    session = SessionRow(id=9, started=T0, last_seen=T0 + 5, source="x", live=False,
                         rate=2_000_000, ended=T0 + 5)
    minute = MinuteRow(minute=T0 - T0 % 60, run_start=T0, first_t=T0, last_t=T0 + 5,
                       frames=7, messages=6, frames_by_df={17: 7}, levels={-30: 7})
    rec.save_session(session)
    rec.save_minute(minute)
    refuse_writes(rec)
    with pytest.raises(StoreError, match="could not write 2 rows"):
        rec.close()
    (saved,) = unsaved_files(db)
    assert [json.loads(line)["table"] for line in saved.read_text().splitlines()] == [
        "sessions", "minutes"]
    assert restore_unsaved(db, saved).rows == 2
    with history(db) as h:
        assert h.sessions() == [session]
        assert list(h.minute_chunks(None)) == [[minute]]


def test_close_saves_in_the_current_folder_when_the_db_folder_is_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "gone"
    db = folder / "a.db"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    rec = _recorder_that_cannot_write(db)
    with pytest.raises(StoreError, match=r"could not write 1 rows to .*; saved them to ") as info:
        rec.close()
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


def _recorder_that_cannot_write(db: Path):  # noqa: ANN202 - a Recorder
    rec = recorder(db, Lines(), close_wait_s=0.2)
    rec.save_visit(visit())
    writer_connection(rec).execute("PRAGMA query_only = ON")
    for f in db.parent.iterdir():  # the open database survives its folder being deleted
        f.unlink()
    db.parent.rmdir()
    return rec


def test_unsaved_rows_go_to_the_state_folder_when_no_other_can_take_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _unwritable_folders(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    rec = _recorder_that_cannot_write(db)
    with pytest.raises(StoreError) as info:
        rec.close()
    (saved,) = (tmp_path / "state" / "adsbwatch").glob("a.db.unsaved-*.jsonl")
    assert json.loads(saved.read_text())["table"] == "visits"
    assert f"saved them to {saved} (the database's folder could not take them" in str(
        info.value)


def test_the_state_folder_defaults_to_local_state(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = _unwritable_folders(tmp_path, monkeypatch)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    rec = _recorder_that_cannot_write(db)
    with pytest.raises(StoreError):
        rec.close()
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
    rec = _recorder_that_cannot_write(db)
    with pytest.raises(StoreError) as info:
        rec.close()
    (saved,) = temp.glob("a.db.unsaved-*.jsonl")
    assert f"saved them to {saved}" in str(info.value)


def test_close_saves_points_whose_visit_never_came(db: str) -> None:
    rec = recorder(db)
    rec.add_point(next(_IDS), PointRow(T0, 1.0, 2.0))
    with pytest.raises(StoreError, match="could not write 1 rows to .*: their visit was "
                                         "never saved; saved them to "):
        rec.close()
    (saved,) = unsaved_files(db)
    assert json.loads(saved.read_text())["row"]["t"] == T0


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_an_interrupt_while_close_waits_on_a_lock_saves_the_rows_first(
        db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        interrupt: type[BaseException]) -> None:
    lines = Lines()
    rec = recorder(db, lines, busy_wait_s=0.05, close_wait_s=60)
    v = visit()
    rec.save_visit(v)
    rec.add_point(v.id, PointRow(T0, 48.0, 11.0, 5000))
    rec.add_event(v.id, T0, "squawk", "7000")
    blocker = locked(db)
    writer = rec._writer  # type: ignore[attr-defined]
    join = writer._thread.join
    waits = []

    def second_ctrl_c(seconds: float | None = None) -> None:  # while close() waits
        waits.append(seconds)
        if len(waits) > 1:  # the save that follows waits as it should
            join(seconds)
            return
        lines.wait_for(1)  # the writer has met the lock by now
        raise interrupt()

    monkeypatch.setattr(writer._thread, "join", second_ctrl_c)
    try:
        with pytest.raises(interrupt):
            rec.close()
    finally:
        monkeypatch.setattr(writer._thread, "join", join)
        release(blocker)
    assert waits[0] == 60 + GRACE_S  # interrupted while waiting for the writer
    (saved,) = unsaved_files(db)
    rows = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [(r["table"], r["row"]["visit_id" if r["table"] != "visits" else "id"])
            for r in rows] == [("visits", v.id), ("track_points", v.id), ("events", v.id)]
    assert rows[1]["row"]["alt"] == 5000 and rows[2]["row"]["value"] == "7000"
    err = capsys.readouterr().err
    assert err == (f"adsbwatch: error: could not write 3 rows to {db}: the save was "
                   f"interrupted ({interrupt.__name__}); saved them to {saved}; "
                   f"{restore_hint(saved, db)}\n")
    assert raw_count(db, "visits") == 0
    assert restore_unsaved(db, saved).rows == 3  # and they restore
    with history(db) as h:
        assert h.sightings() == [v]


def test_rows_held_when_the_program_ends_without_close_go_to_the_file(
        db: str, tmp_path: Path) -> None:
    script = (
        "from adsbwatch.receiver.store.opening import open_recorder\n"
        "from adsbwatch.receiver.store.rows import PointRow, VisitRow\n"
        f"rec = open_recorder({db!r}, warn=print)\n"
        f"rec.save_visit(VisitRow(id=3, icao=1, first_seen={T0}, last_seen={T0}))\n"
        f"rec.add_point(3, PointRow({T0}, 1.0, 2.0))\n"
        "raise KeyboardInterrupt  # an interrupt that skipped close()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=checkout_env(), timeout=60, cwd=tmp_path)
    assert done.returncode != 0
    (saved,) = unsaved_files(db)
    assert [json.loads(line)["table"] for line in saved.read_text().splitlines()] == [
        "visits", "track_points"]
    assert (f"adsbwatch: error: could not write 2 rows to {db}: the program ended before "
            f"they were written; saved them to {saved}; ") in done.stderr


def test_a_closed_recorder_leaves_nothing_for_the_end(db: str) -> None:
    rec = recorder(db)
    rec.save_visit(visit())
    rec.close()
    rec._save_at_exit()  # type: ignore[attr-defined] - what atexit would run
    assert unsaved_files(db) == []
    assert raw_count(db, "visits") == 1


# ------------------------------------------------------------------------------ restoring

def test_the_file_holds_the_visit_of_points_written_after_it(
        db: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A visit written earlier, its later points not: the file still names the visit,
    so it restores into a database that never saw it."""
    rec = recorder(db, Lines(), close_wait_s=0.2)
    v = visit()
    rec.save_visit(v)
    written(rec)
    rec.add_point(v.id, PointRow(T0 + 5, 48.0, 11.0, 5000))
    refuse_writes(rec)
    with pytest.raises(StoreError, match="could not write 2 rows"):
        rec.close()
    (saved,) = unsaved_files(db)
    assert [json.loads(line)["table"] for line in saved.read_text().splitlines()] == [
        "visits", "track_points"]
    other = another_store(request, db, tmp_path)
    assert restore_unsaved(other, saved).rows == 2
    with history(other) as h:
        assert h.sightings() == [v]
        assert [(p.t, p.alt) for p in h.track(v.icao)] == [(T0 + 5, 5000)]


def _saved_file(tmp_path: Path, lines: list[dict]) -> Path:
    saved = tmp_path / "saved.jsonl"
    saved.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return saved


def _visit_line(visit_id: int, last_seen: float, messages: int) -> dict:
    return {"table": "visits", "row": {
        "id": visit_id, "icao": 0x484506, "label": None, "watched": 0, "first_seen": T0,
        "last_seen": last_seen, "callsigns": "", "squawks": "", "min_alt": None,
        "max_alt": None, "closest_km": None, "messages": messages, "max_dbfs": None,
        "emergency": None}}


def test_restoring_twice_gives_the_same_rows(db: str, tmp_path: Path) -> None:
    v = VisitRow(id=5, icao=0x484506, first_seen=T0, last_seen=T0 + 9, messages=4)
    saved = _saved_file(tmp_path, [
        _visit_line(5, T0 + 9, 4),
        {"table": "track_points", "row": {
            "visit_id": 5, "t": T0, "lat": 52.0, "lon": 4.5, "alt": 1000, "gs": None,
            "track": None, "vrate": None, "on_ground": 0}},
        {"table": "events", "row": {"visit_id": 5, "t": T0, "kind": "squawk",
                                    "value": "7000"}}])
    for _ in range(2):
        assert restore_unsaved(str(db), saved).rows == 3
        assert [raw_count(db, t) for t in ("visits", "track_points", "events")] == [1, 1, 1]
    with history(db) as h:
        assert h.sightings() == [v]
        assert h.track(0x484506) == [TrackRow(5, T0, 52.0, 4.5, 1000, None, None, None,
                                              False)]


def test_a_restore_never_takes_a_visit_back_to_an_older_state(db: str,
                                                              tmp_path: Path) -> None:
    """Rows saved to a file while the database was down, restored after the run wrote
    the visit's later state: the later state stays."""
    with recorder(db) as rec:
        rec.save_visit(VisitRow(id=5, icao=0x484506, first_seen=T0, last_seen=T0 + 90,
                                messages=40))
    older = _saved_file(tmp_path, [_visit_line(5, T0 + 9, 4)])
    assert restore_unsaved(str(db), older).rows == 1
    assert raw_rows(db, "SELECT last_seen, messages FROM visits") == [(T0 + 90, 40)]
    newer = _saved_file(tmp_path, [_visit_line(5, T0 + 99, 41)])
    restore_unsaved(str(db), newer)
    assert raw_rows(db, "SELECT last_seen, messages FROM visits") == [(T0 + 99, 41)]


def test_a_restore_counts_the_rows_the_file_holds(db: str, tmp_path: Path) -> None:
    """A visit saved twice (its state when rows were spilled, then at the end) is two of
    the rows the run said it saved; the later state is the one stored."""
    saved = _saved_file(tmp_path, [_visit_line(5, T0 + 9, 4), _visit_line(5, T0 + 19, 8)])
    assert restore_unsaved(str(db), saved).rows == 2
    assert raw_rows(db, "SELECT last_seen, messages FROM visits") == [(T0 + 19, 8)]


def test_rows_of_a_visit_nowhere_are_counted_not_written(db: str, tmp_path: Path) -> None:
    saved = _saved_file(tmp_path, [{"table": "track_points", "row": {
        "visit_id": 99, "t": T0, "lat": 52.0, "lon": 4.5, "alt": None, "gs": None,
        "track": None, "vrate": None, "on_ground": 0}}])
    done = restore_unsaved(str(db), saved)
    assert (done.rows, done.left_out) == (0, 1)
    assert raw_count(db, "track_points") == 0
    assert list(tmp_path.rglob("*.jsonl")) == [tmp_path / "saved.jsonl"]


def test_restore_unsaved_reports_a_bad_file(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = json.dumps({"table": "events", "row": {"visit_id": 1, "t": T0, "kind": "squawk",
                                                 "value": "7000"}})
    for text, message in [
            ('{"table": "visits", "row": {}}\n', r"bad.jsonl:1: not a line of saved "
                                                 r"rows \(no 'id'\)"),
            (f"{good}\nnot json\n", "bad.jsonl:2: not a line of saved rows"),
            (f'{good}\n\n{{"table": "planes", "row": {{}}}}\n',
             r"bad.jsonl:3: not a line of saved rows \(unknown table 'planes'\)"),
            (good.replace("squawk", "mood") + "\n", "bad.jsonl:1: .*event kind")]:
        bad.write_text(text)
        with pytest.raises(StoreError, match=message) as info:
            restore_unsaved(db, bad)
        assert info.value.exit_status == 2
    with pytest.raises(StoreError, match="cannot read"):
        restore_unsaved(db, tmp_path / "missing.jsonl")
    assert not store_made(db)  # a bad file: the store is not even opened


# ------------------------------------------------------------------------------ read-only

def _files(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in folder.iterdir()}


def test_a_read_only_store_creates_and_changes_nothing(tmp_path: Path) -> None:
    medium = tmp_path / "medium"
    db = medium / "a.db"
    v = visit()
    with recorder(db) as rec:
        rec.save_visit(v)
        rec.add_point(v.id, PointRow(T0, 48.0, 11.0, 5000))
    with open_watchlist_store(str(db)) as store:
        store.add_watch([WatchEntry(1, 1, "x")])
    before = _files(medium)
    assert list(before) == ["a.db"]  # a closed WAL database: no -wal, no -shm
    with history(db) as h:
        assert h.sightings() == [v]
        assert len(h.track(v.icao)) == 1
    with open_watchlist_store(str(db), read_only=True) as store:
        assert store.watch_entries() == [WatchEntry(1, 1, "x")]
        with pytest.raises(StoreError, match="read-only"):
            store.add_watch([WatchEntry(2, 2, "y")])
    assert _files(medium) == before  # no -wal, -shm or journal; the same bytes


def test_a_read_only_watchlist_store_refuses_changes(db: str) -> None:
    with open_watchlist_store(db) as store:
        store.add_watch([WatchEntry(1, 1, "x")])
    with open_watchlist_store(db, read_only=True) as store:
        with pytest.raises(StoreError) as info:
            store.add_watch([WatchEntry(2, 2, "y")])
        assert str(info.value) == (f"cannot update the watchlist in {db}: the database is "
                                   "read-only")
        with pytest.raises(StoreError, match="the database is read-only"):
            store.remove_watch(WatchEntry(1, 1))
    with open_watchlist_store(db) as store:
        assert store.watch_entries() == [WatchEntry(1, 1, "x")]


def test_a_history_reads_what_a_running_recorder_has_in_its_wal(sqlite_db: Path) -> None:
    v = visit()
    with recorder(sqlite_db) as rec:
        rec.save_visit(v)
        written(rec)  # committed to the WAL, not checkpointed
        assert Path(f"{sqlite_db}-wal").exists()
        with history(sqlite_db) as h:
            assert h.sightings() == [v]


def test_reading_a_store_that_is_not_there_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    for opening in (lambda: history(missing),
                    lambda: open_watchlist_store(str(missing), read_only=True)):
        with pytest.raises(NoStoreError) as info:
            opening()
        assert str(info.value) == (f"there is no store at {missing}: check --db, or record "
                                   f"one first (e.g. `adsbwatch replay FILE --db {missing}`)")
        assert info.value.exit_status == 2
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_open_of_an_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreError, match="holds no adsbwatch store yet"):
        history(empty)
    assert empty.read_bytes() == b""
