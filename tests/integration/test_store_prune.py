"""`adsbwatch store prune` and `live --keep-points`: the lines they say, their exit
statuses, and the rows they leave in a store written by the Recorder (an unwatched visit
10 days old, a watched one as old, an unwatched one of yesterday); on a PostgreSQL
store too, whose password the line leaves out."""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path

import pytest
from net_peers import Live, free_port
from store_support import raw_rows, recorder, written
from support import cli

from adsbwatch.receiver.cli.main import main
from adsbwatch.receiver.store.rows import PointRow, VisitRow

DAY = 86_400.0
OLD, WATCHED, RECENT = 1, 2, 3
SECONDS = 300  # a point a second



def write_visits(path: Path | str) -> None:
    # A minute of the clock begins 30 s after the first point of each visit.
    start = (math.floor(time.time() / 60) - 10 * 24 * 60) * 60 + 30
    rec = recorder(path)
    for visit_id, first, watched in ((OLD, start, False), (WATCHED, start, True),
                                     (RECENT, start + 9 * DAY, False)):
        rec.save_visit(VisitRow(id=visit_id, icao=0x400000 + visit_id, first_seen=first,
                                last_seen=first + SECONDS - 1, watched=watched,
                                messages=3000))
        for k in range(SECONDS):
            rec.add_point(visit_id, PointRow(t=first + k, lat=52 + k * 1e-4, lon=4.0))
        rec.add_event(visit_id, first, "callsign", "KLM1")
    written(rec)
    rec.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "adsbwatch.db"
    write_visits(path)
    return path


def offsets(db: Path | str, visit_id: int) -> list[float]:
    """The visit's points, as seconds after its first (which it keeps)."""
    rows = raw_rows(db, f"SELECT t FROM track_points WHERE visit_id = {visit_id} ORDER BY t")
    return [t - rows[0][0] for t, in rows]


def test_store_prune_thins_old_points_of_unwatched_visits(db: Path) -> None:
    rc, out, err = cli("store", "prune", "--keep-points", "7", "--db", str(db))
    assert (rc, err) == (0, "")
    assert offsets(db, OLD) == [0, 30, 90, 150, 210, 270]
    assert offsets(db, WATCHED) == list(range(SECONDS))
    assert offsets(db, RECENT) == list(range(SECONDS))
    assert out.startswith("pruned 294 points and 0 events of 1 unwatched visits (thinned "
                          "to one every 60 s) in 1 transactions, the longest holding the "
                          "store "), out
    assert out.rstrip().endswith(f"given back to the disk in {db}"), out
    assert out.count("\n") == 1
    rc, out, _ = cli("store", "prune", "--keep-points", "7", "--db", str(db))
    assert rc == 0 and out.startswith("pruned 0 points and 0 events of 1 unwatched visits")


def test_store_prune_of_a_postgresql_store(pg_url: str) -> None:
    write_visits(pg_url)
    url = pg_url.replace("postgres@", "postgres:secret@")  # trust: any password will do
    rc, out, err = cli("store", "prune", "--keep-points", "7", "--db", url)
    assert (rc, err) == (0, "")
    assert out.startswith("pruned 294 points and 0 events of 1 unwatched visits (thinned "
                          "to one every 60 s) in 1 transactions, the longest holding the "
                          "store "), out
    assert out.rstrip().endswith(" MB given back to the disk and the rest of the space "
                                 f"kept for the rows to come in {pg_url}"), out
    assert "secret" not in out
    assert offsets(pg_url, OLD) == [0, 30, 90, 150, 210, 270]
    assert offsets(pg_url, WATCHED) == list(range(SECONDS))
    assert offsets(pg_url, RECENT) == list(range(SECONDS))
    rc, out, _ = cli("store", "prune", "--keep-points", "7", "--old-points", "delete",
                     "--db", pg_url)
    assert rc == 0 and out.startswith("pruned 6 points and 1 events of 1 unwatched"), out
    assert offsets(pg_url, OLD) == []
    assert raw_rows(pg_url, "SELECT visit_id FROM events ORDER BY visit_id") == [
        (WATCHED,), (RECENT,)]


def test_store_prune_deletes_old_points_and_events_when_asked(db: Path) -> None:
    rc, out, _ = cli("store", "prune", "--keep-points", "7", "--old-points", "delete",
                     "--db", str(db))
    assert rc == 0 and out.startswith("pruned 300 points and 1 events of 1 unwatched")
    assert offsets(db, OLD) == []
    assert len(offsets(db, WATCHED)) == len(offsets(db, RECENT)) == SECONDS
    assert raw_rows(db, "SELECT visit_id FROM events ORDER BY visit_id") == [(WATCHED,),
                                                                             (RECENT,)]
    assert [row[0] for row in raw_rows(db, "SELECT id FROM visits ORDER BY id")] == [1, 2, 3]


@pytest.mark.parametrize("value, why", [("-1", "'-1' is not a number of days (more than 0)"),
                                        ("abc", "'abc' is not a number of days (more than 0)"),
                                        ("0", "'0' is not a number of days (more than 0)"),
                                        ("nan", "'nan' is not a number of days (more than 0)")])
def test_a_bad_number_of_days_is_argparses_line(db: Path, value: str, why: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["store", "prune", "--keep-points", value, "--db", str(db)])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"adsbwatch store prune: error: argument --keep-points: {why}")
    assert len(offsets(db, OLD)) == SECONDS  # nothing touched


def test_pruning_a_store_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    rc, out, err = cli("store", "prune", "--keep-points", "7", "--db", str(missing))
    assert (rc, out) == (2, "")
    assert err == (f"adsbwatch: error: there is no store at {missing}: check --db, or "
                   f"record one first (e.g. `adsbwatch replay FILE --db {missing}`)\n")
    assert not missing.exists()


def test_pruning_what_is_not_a_store_is_one_line(tmp_path: Path) -> None:
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text)")
    rc, _, err = cli("store", "prune", "--keep-points", "7", "--db", str(other))
    assert rc == 2
    assert err == (f"adsbwatch: error: {other} is a SQLite database of another program, "
                   "not an adsbwatch one: use another path\n")


def test_live_with_keep_points_in_its_config_prunes_at_the_start(store_location: str,
                                                                 tmp_path: Path) -> None:
    db = store_location
    write_visits(db)
    config = tmp_path / "adsbwatch.toml"
    config.write_text('[live]\nkeep-points = 7\nold-points = "delete"\n')
    # A peer that is not there: the station runs, trying to connect, with no dongle.
    live = Live("--net-connect", f"127.0.0.1:{free_port()}", "--db", db,
                "--config", str(config), "--stats-every", "0")
    try:
        live.wait_for("database: pruned 300 points and 1 events of 1 unwatched visits "
                      "(deleted)")
    finally:
        status, _ = live.stop()
    assert status == 130, live.lines
    assert offsets(db, OLD) == []
    assert len(offsets(db, WATCHED)) == len(offsets(db, RECENT)) == SECONDS
