"""The store's commands (`watchlist`, `sightings`, `track`) and how the CLI meets a bad or
locked database."""

from __future__ import annotations

import csv
import errno
import glob
import hashlib
import io
import json
import math
import shutil
import socket
import sqlite3
import subprocess
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from store_support import BACKENDS, Lines, raw_rows, recorder, writer_connection
from support import adsbwatch_command, checkout_env, cli, run_adsbwatch

from adsbwatch.decoder.messages.watchlist import WatchEntry, parse_watchlist
from adsbwatch.decoder.sim.scene import parse_truth
from adsbwatch.receiver.store import files as store_files
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.opening import open_history, open_watchlist_store
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    POINT_COLUMNS,
    VISIT_COLUMNS,
    PointRow,
    TrackRow,
    VisitRow,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
TRUTH = parse_truth((REPO / "samples" / "airport_2400k.truth.json").read_text())
START = TRUTH["start_time"]
START_T = datetime.fromisoformat(START).timestamp()
RECEIVER = ["--lat", str(TRUTH["receiver"]["lat"]), "--lon", str(TRUTH["receiver"]["lon"])]
REPLAY_ARGS = ["replay", str(SAMPLE), "--watchlist", str(WATCHLIST), *RECEIVER,
               "--start-time", START, "--record-all"]
WATCHED = next(a for a in TRUTH["aircraft"] if a["watched"])
WATCHED_HEX = WATCHED["icao"].lower()
WATCHED_ICAO = int(WATCHED_HEX, 16)
WATCHED_LABEL = next(e.label for e in parse_watchlist(WATCHLIST.read_text(), "w")
                     if e.lo == e.hi == WATCHED_ICAO)
KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
GPX = "{http://www.topografix.com/GPX/1/1}"



def one_error_line(err: str) -> str:
    """The single line of a user-facing failure (no traceback, nothing else)."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("adsbwatch: error: "), err
    return lines[0]


@pytest.fixture
def db(store_location: str) -> str:
    """A store not made yet, on each backend."""
    return store_location


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store holding one replay of the sample (every aircraft recorded); read only."""
    folder = tmp_path_factory.mktemp("replayed")
    path = str(folder / "replayed.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(folder / "xdg"))
        rc, _, err = cli(*REPLAY_ARGS, "--db", path)
    assert rc == 0, err
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def replayed_store(request: pytest.FixtureRequest) -> str:
    """`replayed` (the SQLite file), and the same replay into a PostgreSQL database."""
    if request.param == "sqlite":
        return request.getfixturevalue("replayed")
    server = request.getfixturevalue("pg_server")
    url = server.url(server.new_database())
    rc, _, err = cli(*REPLAY_ARGS, "--db", url)
    assert rc == 0, err
    return url


def test_one_replay_stores_the_same_rows_in_postgresql_as_in_sqlite(replayed: str,
                                                                    pg_url: str) -> None:
    rc, _, err = cli(*REPLAY_ARGS, "--db", pg_url)
    assert rc == 0, err
    rows = _table_rows(pg_url)
    assert rows == _table_rows(replayed)
    watched = [v for v in rows["visits"] if v[1] == WATCHED_ICAO]
    assert len(watched) == 1 and watched[0][3] == 1  # its `watched` column
    assert len([p for p in rows["track_points"] if p[0] == watched[0][0]]) >= 2


# ------------------------------------------------------------------------------ watchlist

def test_watchlist_add_list_remove(db: str) -> None:
    assert cli("watchlist", "add", "484506", "Dutch", "government", "--db", db)[0] == 0
    rc, out, _ = cli("watchlist", "list", "--db", db)
    assert rc == 0 and out == "484506 Dutch government\n"
    assert cli("watchlist", "add", "100000-1FFFFF", "Russia", "--db", db)[0] == 0
    assert cli("watchlist", "list", "--db", db)[1].splitlines() == [
        "100000-1FFFFF Russia", "484506 Dutch government"]
    rc, out, _ = cli("watchlist", "remove", "484506", "--db", db)
    assert rc == 0 and "484506" in out
    assert cli("watchlist", "list", "--db", db)[1] == "100000-1FFFFF Russia\n"
    # what the store holds, not only what is printed
    with open_watchlist_store(db) as store:
        assert store.watch_entries() == [WatchEntry(0x100000, 0x1FFFFF, "Russia")]


def test_removing_an_absent_entry_is_a_one_line_error(db: str) -> None:
    cli("watchlist", "add", "484506", "--db", db)
    rc, out, err = cli("watchlist", "remove", "3C6DD4", "--db", db)
    assert rc == 2 and out == ""
    assert "3C6DD4" in one_error_line(err)
    assert cli("watchlist", "list", "--db", db)[1] == "484506\n"  # untouched


def test_adding_a_bad_address_is_a_one_line_error(db: str) -> None:
    rc, out, err = cli("watchlist", "add", "ZZZZZZ", "--db", db)
    assert rc == 2 and out == ""
    assert "'ZZZZZZ' is not a 6-digit hex ICAO address" in one_error_line(err)
    assert cli("watchlist", "list", "--db", db)[1] == ""


def test_import_with_a_malformed_line_imports_nothing(tmp_path: Path, db: str) -> None:
    cli("watchlist", "add", "3C6DD4", "before", "--db", db)
    bad = tmp_path / "bad.txt"
    bad.write_text("# header\n484506 Dutch government\n40621D-40621 half a block\n"
                   "4CA8F1 Ryanair\n")
    rc, out, err = cli("watchlist", "import", str(bad), "--db", db)
    assert rc == 2 and out == ""
    line = one_error_line(err)
    assert f"{bad}:3:" in line and "'40621' has 5 hex digits" in line
    assert cli("watchlist", "list", "--db", db)[1] == "3C6DD4 before\n"


def test_import_then_export_round_trips(tmp_path: Path, db: str) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# my list\n484506 Dutch government  # the 737\n"
                    "100000-1fffff Russia\n3c6dd4\n4CA8F1 Ryanair: 1 of #many\n")
    entries = parse_watchlist(good.read_text(), str(good))
    assert len(entries) == 4
    rc, out, _ = cli("watchlist", "import", str(good), "--db", db)
    assert rc == 0 and "4" in out
    with open_watchlist_store(db) as store:
        assert sorted(store.watch_entries(), key=lambda e: (e.lo, e.hi)) == \
            sorted(entries, key=lambda e: (e.lo, e.hi))
    exported = tmp_path / "out.txt"
    assert cli("watchlist", "export", str(exported), "--db", db)[0] == 0
    assert set(parse_watchlist(exported.read_text(), str(exported))) == set(entries)
    # and to stdout, the same text
    assert cli("watchlist", "export", "--db", db)[1] == exported.read_text()


# ------------------------------------------------------------------------------ sightings

def test_sightings_json_lists_the_watched_visit(replayed_store: str) -> None:
    rc, out, _ = cli("sightings", "--json", "--db", replayed_store)
    assert rc == 0
    visits = json.loads(out)
    assert {v["icao"] for v in visits} == {a["icao"].lower() for a in TRUTH["aircraft"]}
    watched = [v for v in visits if v["watched"]]
    assert len(watched) == 1
    assert watched[0]["icao"] == WATCHED_HEX
    assert watched[0]["label"] == WATCHED_LABEL
    assert watched[0]["callsigns"] == [WATCHED["callsign"]] == ["NAF01"]
    with open_history(replayed_store) as history:
        first_seen = history.sightings(icao=WATCHED_ICAO)[0].first_seen
    shown = datetime.fromisoformat(watched[0]["first_seen"]).timestamp()
    assert shown == pytest.approx(first_seen, abs=1.0)  # whole seconds in the JSON


def test_sightings_of_one_address(replayed_store: str) -> None:
    rc, out, _ = cli("sightings", "--json", "--icao", WATCHED_HEX, "--db", replayed_store)
    assert rc == 0
    assert [(v["icao"], v["callsigns"]) for v in json.loads(out)] == [(WATCHED_HEX, ["NAF01"])]
    rc, out, _ = cli("sightings", "--icao", WATCHED_HEX.upper(), "--db", replayed_store)
    lines = out.splitlines()
    assert rc == 0 and len(lines) == 2  # header and one visit
    assert WATCHED_HEX.upper() in lines[1] and "NAF01" in lines[1]


def test_sightings_since_the_future_is_empty(replayed_store: str) -> None:
    assert cli("sightings", "--since", "2099-01-01", "--db", replayed_store) == (
        0, "no sightings\n", "")
    rc, out, _ = cli("sightings", "--json", "--since", "2099-01-01", "--db", replayed_store)
    assert rc == 0 and json.loads(out) == []
    # and since the recording began, every visit
    rc, out, _ = cli("sightings", "--json", "--since", START, "--db", replayed_store)
    assert len(json.loads(out)) == len(TRUTH["aircraft"])


def test_a_bad_since_is_a_one_line_error(replayed_store: str) -> None:
    rc, out, err = cli("sightings", "--since", "last tuesday", "--db", replayed_store)
    assert rc == 2 and out == ""
    assert "--since: 'last tuesday' is not a time" in one_error_line(err)


# ------------------------------------------------------------------------------ track


def _iso_ms(t: float) -> str:
    """UTC with milliseconds cut (not rounded) from the microseconds, worked out with
    time.gmtime rather than the datetime formatting the exporter uses."""
    micros = round(t * 1e6)
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(micros // 10**6))
            + f".{micros % 10**6 // 1000:03d}Z")


def _exported(fmt: str, text: str) -> list[tuple[str | None, float, float]]:
    """(time or None, lat, lon) of every point in an export, in document order."""
    if fmt == "geojson":
        return [(f["properties"]["t"], f["geometry"]["coordinates"][1],
                 f["geometry"]["coordinates"][0])
                for f in json.loads(text)["features"] if f["geometry"]["type"] == "Point"]
    if fmt == "csv":
        return [(r["time_utc"], float(r["lat"]), float(r["lon"]))
                for r in csv.DictReader(io.StringIO(text))]
    root = ET.fromstring(text)
    if fmt == "gpx":
        return [(p.find(f"{GPX}time").text, float(p.get("lat")), float(p.get("lon")))
                for p in root.iter(f"{GPX}trkpt")]
    points = []  # KML: each gx:Track lists its whens, then its coords
    for track in root.iter(f"{GX}Track"):
        whens = [w.text for w in track.iter(f"{KML}when")]
        coords = [c.text.split() for c in track.iter(f"{GX}coord")]
        assert len(whens) == len(coords)
        points += [(w, float(c[1]), float(c[0])) for w, c in zip(whens, coords, strict=True)]
    return points


@pytest.mark.parametrize("fmt", ["geojson", "kml", "csv", "gpx"])
def test_track_export_holds_the_stored_points(replayed_store: str, tmp_path: Path,
                                              fmt: str) -> None:
    with open_history(replayed_store) as history:
        stored: list[TrackRow] = history.track(WATCHED_ICAO)
    assert len(stored) >= 2
    out_file = tmp_path / f"track.{fmt}"
    rc, out, _ = cli("track", WATCHED_HEX, "--format", fmt, "-o", str(out_file),
                     "--db", replayed_store)
    assert rc == 0 and out == ""
    points = _exported(fmt, out_file.read_text())
    assert len(points) == len(stored)
    for (when, lat, lon), row in zip(points, stored, strict=True):
        assert (lat, lon) == pytest.approx((row.lat, row.lon), abs=1e-6)
        assert when == _iso_ms(row.t)


def test_track_of_an_unknown_address_is_a_one_line_error(replayed_store: str) -> None:
    rc, out, err = cli("track", "ABCDEF", "--db", replayed_store)
    assert rc == 2 and out == ""
    assert "ABCDEF" in one_error_line(err)


# ------------------------------------------------------------------------------ sites

def test_a_replay_without_site_names_the_host(replayed_store: str) -> None:
    host = socket.gethostname()
    assert raw_rows(replayed_store, "SELECT DISTINCT site FROM sessions") == [(host,)]
    assert raw_rows(replayed_store, "SELECT DISTINCT first_site FROM visits") == [(host,)]
    assert raw_rows(replayed_store, "SELECT DISTINCT site FROM track_points") == [(host,)]


def _two_sites(db: str) -> None:
    """Visit 7 of the watched aircraft, opened by "north", heard by "south" too (one point
    each); visit 8 of another aircraft, heard by "south" alone."""
    for site, t in (("north", START_T + 1), ("south", START_T + 2)):
        with recorder(db, site=site) as rec:
            rec.save_visit(VisitRow(id=7, icao=WATCHED_ICAO, first_seen=START_T,
                                    last_seen=t, messages=5, watched=True))
            rec.add_point(7, PointRow(t, 52.3, 4.7 + t - START_T, 3000))
    with recorder(db, site="south") as rec:
        rec.save_visit(VisitRow(id=8, icao=0x3C6444, first_seen=START_T, last_seen=START_T + 9,
                                messages=2))


def test_sightings_and_track_of_one_site(db: str) -> None:
    _two_sites(db)
    by_site = {}
    for site in ("north", "south", "east"):
        rc, out, err = cli("sightings", "--json", "--site", site, "--db", db)
        assert (rc, err) == (0, "")
        by_site[site] = [(v["icao"], v["first_site"]) for v in json.loads(out)]
    assert by_site == {"north": [(WATCHED_HEX, "north")],
                       "south": [(WATCHED_HEX, "north"), ("3c6444", "south")], "east": []}
    for site, lon in (("north", 5.7), ("south", 6.7)):
        rc, out, err = cli("track", WATCHED_HEX, "--site", site, "--format", "csv", "--db", db)
        assert (rc, err) == (0, "")
        assert [(lat, lon) for _, lat, lon in _exported("csv", out)] == [(52.3, lon)]
    rc, out, err = cli("track", WATCHED_HEX, "--site", "east", "--db", db)
    assert rc == 2 and out == ""
    assert one_error_line(err) == ("adsbwatch: error: no track points heard by the site east "
                                   f"stored for {WATCHED_HEX.upper()}")


# ------------------------------------------------------------------------------ bad databases

COMMANDS = [["sightings"], ["watchlist", "list"], ["track", "484506"],
            ["replay", str(SAMPLE), "-q"]]


@pytest.mark.parametrize("kind", ["directory", "not sqlite"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_db_that_is_not_a_database_is_a_one_line_error(tmp_path: Path, kind: str,
                                                         command: list[str]) -> None:
    path = tmp_path / "db"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"my shopping list\n" * 100)
    rc, out, err = cli(*command, "--db", str(path))
    assert rc != 0 and out == ""
    assert str(path) in one_error_line(err)
    if kind == "not sqlite":
        assert path.read_bytes() == b"my shopping list\n" * 100  # left alone


# ------------------------------------------------------------------------------ locked database

def _saved(folder: Path, db: Path) -> tuple[set[tuple], list[tuple]]:
    """Visits (icao, first_seen, last_seen, messages) and points (icao, t, lat, lon) that
    are in the database or in a .unsaved-*.jsonl file beside it."""
    conn = sqlite3.connect(db)
    try:
        visits = {row[0]: row[1:] for row in conn.execute(
            "SELECT id, icao, first_seen, last_seen, messages FROM visits")}
        points = [row for row in conn.execute("SELECT visit_id, t, lat, lon FROM track_points")]
    finally:
        conn.close()
    for name in glob.glob(str(folder / f"{db.name}.unsaved-*.jsonl")):
        for line in Path(name).read_text().splitlines():
            item = json.loads(line)
            r = item["row"]
            if item["table"] == "visits":
                visits[r["id"]] = (r["icao"], r["first_seen"], r["last_seen"], r["messages"])
            elif item["table"] == "track_points":
                points.append((r["visit_id"], r["t"], r["lat"], r["lon"]))
    return (set(visits.values()),
            sorted((visits[v][0], t, lat, lon) for v, t, lat, lon in points))


@pytest.mark.parametrize("hold", ["one second", "until the replay ends"])
def test_a_locked_db_during_replay_loses_nothing(tmp_path: Path, replayed: str,
                                                 hold: str) -> None:
    db = tmp_path / "locked.db"
    open_watchlist_store(str(db)).close()  # an adsbwatch database another program locks
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    proc = subprocess.Popen([*adsbwatch_command(), *REPLAY_ARGS, "--db", str(db), "-q"],
                            cwd=tmp_path, env=checkout_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        # The sighting is printed while the replay runs, before its first write: from
        # then on the replay is about to meet the lock (or already waits on it).
        seen = ""
        while not seen.startswith("SIGHTING"):
            seen = proc.stdout.readline()
            assert seen, "the replay ended without a sighting"
        if hold == "one second":
            time.sleep(1.0)
            locker.execute("COMMIT")
        _, err = proc.communicate(timeout=120)
    finally:
        if locker.in_transaction:
            locker.execute("COMMIT")
        locker.close()
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in err
    unsaved = list(tmp_path.glob("locked.db.unsaved-*.jsonl"))
    lines = err.splitlines()
    if proc.returncode == 0:  # it waited or retried, and wrote everything
        assert not unsaved
        if lines:  # the lock outlived the writer's short wait: said, and its end too
            warning, recovered = lines
            assert warning.startswith(f"adsbwatch: warning: database: cannot write to {db} "
                                      "(the database is locked by another program); ")
            assert recovered.startswith(f"adsbwatch: warning: database: writing to {db} "
                                        "again after ")
    else:  # it gave up: one warning, one error naming the file the rows went to
        assert proc.returncode == 1 and len(unsaved) == 1
        warning, error = lines
        assert warning.startswith("adsbwatch: warning: database: ") and "locked" in warning
        assert error.startswith("adsbwatch: error: ") and str(unsaved[0]) in error
    if hold == "until the replay ends":
        assert proc.returncode == 1  # a lock never released cannot be waited out
        assert f"restore them with `adsbwatch store restore {unsaved[0]} --db {db}`" in error
    assert _saved(tmp_path, db) == _saved(Path(replayed).parent, Path(replayed))
    for name in unsaved:  # restored (twice: the second changes nothing), the same rows
        for _ in range(2):
            rc, out, err = cli("store", "restore", str(name), "--db", str(db))
            assert (rc, err) == (0, "")
            assert out.startswith(f"restored {len(name.read_text().splitlines())} rows ")
        name.unlink()
    assert _saved(tmp_path, db) == _saved(Path(replayed).parent, Path(replayed))
    assert _table_rows(db) == _table_rows(Path(replayed))


def _table_rows(db: Path | str) -> dict[str, list[tuple]]:
    """Every row of the three recorded tables (their stored columns), in a fixed order."""
    return {table: raw_rows(db, f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}")
            for table, columns, key in (
                ("visits", VISIT_COLUMNS, "id"),
                ("track_points", POINT_COLUMNS, "visit_id, t, lat, lon"),
                ("events", EVENT_COLUMNS, "visit_id, t, kind, value"))}


# ------------------------------------------------------------------------------ store restore

T0 = 1_795_000_000.0


def _unsaved_file(db: Path) -> Path:
    """An unsaved-rows file of one visit with a point and an event, as close() leaves it,
    of a station at the site "roof"."""
    store = recorder(db, Lines(), close_wait_s=0.1, site="roof")
    store.save_visit(VisitRow(id=7, icao=0x484506, first_seen=T0, last_seen=T0 + 5,
                              callsigns="NAF01", messages=3, registration="PH-GOV",
                              type_code="B737", operator="Dutch Government", country="NL"))
    store.add_point(7, PointRow(T0 + 1, 52.2, 4.6, 7975))
    store.add_event(7, T0 + 1, "callsign", "NAF01")
    writer_connection(store).execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match="restore them with `adsbwatch store restore "):
        store.close()
    (saved,) = db.parent.glob(f"{db.name}.unsaved-*.jsonl")
    return saved


def test_store_restore_writes_the_rows_once_however_often_it_runs(tmp_path: Path) -> None:
    saved = _unsaved_file(tmp_path / "a.db")
    target = tmp_path / "restored.db"
    for _ in range(2):
        rc, out, err = cli("store", "restore", str(saved), "--db", str(target))
        assert (rc, err) == (0, "")
        assert out == f"restored 3 rows from {saved} into {target}\n"
    assert _table_rows(target) == {
        "visits": [(7, 0x484506, None, 0, T0, T0 + 5, "NAF01", "", None, None, None, 3,
                    None, None, "PH-GOV", "B737", "Dutch Government", "NL", "roof")],
        "track_points": [(7, T0 + 1, 52.2, 4.6, 7975, None, None, None, 0, "roof")],
        "events": [(7, T0 + 1, "callsign", "NAF01", "roof")]}


def test_store_restore_of_a_file_from_before_the_aircraft_database(tmp_path: Path) -> None:
    """A file an older adsbwatch wrote has no registration, type, operator or country
    (schema v5) nor sites (v7): its rows restore with them unknown (NULL)."""
    saved = _unsaved_file(tmp_path / "a.db")
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    for column in ("registration", "type_code", "operator", "country", "first_site"):
        del lines[0]["row"][column]
    for line in lines[1:]:
        del line["row"]["site"]
    saved.write_text("".join(json.dumps(line) + "\n" for line in lines))
    target = tmp_path / "restored.db"
    rc, out, err = cli("store", "restore", str(saved), "--db", str(target))
    assert (rc, err) == (0, "")
    assert _table_rows(target) == {
        "visits": [(7, 0x484506, None, 0, T0, T0 + 5, "NAF01", "", None, None, None, 3, None,
                    None, None, None, None, None, None)],
        "track_points": [(7, T0 + 1, 52.2, 4.6, 7975, None, None, None, 0, None)],
        "events": [(7, T0 + 1, "callsign", "NAF01", None)]}


def test_store_restore_of_a_malformed_file_writes_nothing(tmp_path: Path) -> None:
    saved = _unsaved_file(tmp_path / "a.db")
    lines = saved.read_text().splitlines()
    saved.write_text(f"{lines[0]}\n{lines[1]}\n{lines[2][:-7]}\n")  # a cut-off last line
    target = tmp_path / "restored.db"
    open_watchlist_store(str(target)).close()
    rc, out, err = cli("store", "restore", str(saved), "--db", str(target))
    assert rc == 2 and out == ""
    assert f"{saved}:3: not a line of saved rows" in one_error_line(err)
    assert _table_rows(target) == {"visits": [], "track_points": [], "events": []}


def test_store_restore_leaves_out_a_last_line_cut_off_and_says_so(tmp_path: Path) -> None:
    """A run killed while appending to its file leaves the last line unfinished (no
    newline): the rest restores, the line is named."""
    saved = _unsaved_file(tmp_path / "a.db")
    text = saved.read_text()
    saved.write_text(text[:-20])
    target = tmp_path / "restored.db"
    rc, out, err = cli("store", "restore", str(saved), "--db", str(target))
    assert rc == 0
    assert out == f"restored 2 rows from {saved} into {target}\n"
    assert err == (f"adsbwatch: warning: {saved}:3: left out this last line, cut off (the "
                   "run that saved the file was stopped while writing it)\n")
    assert [len(rows) for rows in _table_rows(target).values()] == [1, 1, 0]


def test_store_restore_says_what_it_could_not_restore(tmp_path: Path) -> None:
    saved = _unsaved_file(tmp_path / "a.db")
    lines = saved.read_text().splitlines()
    saved.write_text("\n".join(lines[1:]) + "\n")  # the visit line lost
    rc, out, err = cli("store", "restore", str(saved), "--db", str(tmp_path / "b.db"))
    assert rc == 1 and out == ""
    assert "restored 0 rows" in one_error_line(err) and "not 2 points and events" in err


# ------------------------------------------------------------------------------ visit gaps

def test_a_visit_gap_shorter_than_a_block_saves_every_visit(tmp_path: Path,
                                                           replayed: str) -> None:
    db = tmp_path / "gap.db"
    rc, _, err = cli(*REPLAY_ARGS, "--visit-gap", "0.05", "--db", str(db), "-q")
    assert (rc, err) == (0, ""), err
    assert list(tmp_path.glob("*.unsaved-*")) == []
    rows, reference = _table_rows(db), _table_rows(Path(replayed))
    visits = {row[0]: row for row in rows["visits"]}
    assert all(point[0] in visits for point in rows["track_points"])
    assert all(event[0] in visits for event in rows["events"])
    # the same points and messages as with the usual gap, cut into more visits
    icao_of = {row[0]: row[1] for row in rows["visits"]}
    ref_icao_of = {row[0]: row[1] for row in reference["visits"]}
    assert sorted((icao_of[p[0]], *p[1:]) for p in rows["track_points"]) == \
        sorted((ref_icao_of[p[0]], *p[1:]) for p in reference["track_points"])
    assert sum(v[11] for v in rows["visits"]) == sum(v[11] for v in reference["visits"])
    assert len(rows["visits"]) > len(reference["visits"])


# ------------------------------------------------------------------------------ reading

READERS = [["sightings"], ["sightings", "--json"], ["track", WATCHED_HEX],
           ["watchlist", "list"], ["watchlist", "export"]]


@pytest.mark.parametrize("command", READERS[:3], ids=" ".join)
def test_reading_a_missing_store_says_so_and_creates_nothing(tmp_path: Path,
                                                             command: list[str]) -> None:
    missing = tmp_path / "missing.db"
    rc, out, err = cli(*command, "--db", str(missing))
    assert rc == 2 and out == ""
    assert f"there is no store at {missing}" in one_error_line(err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READERS[3:], ids=" ".join)
def test_the_watchlist_of_a_store_not_made_yet_is_empty(tmp_path: Path,
                                                        command: list[str]) -> None:
    """A first `watchlist list` before anything was recorded: an empty list, said so,
    exit 0 (scripts start with it), and still nothing created."""
    missing = tmp_path / "missing.db"
    rc, out, err = cli(*command, "--db", str(missing))
    assert rc == 0 and out == ""
    assert err == (f"adsbwatch: no store at {missing} yet: the watchlist is empty; rules in a "
                   "file given with --watchlist FILE are read by each run and not stored: "
                   "`adsbwatch watchlist import FILE` stores them, `adsbwatch watchlist add "
                   "HEX LABEL` one rule\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_reading_writes_nothing_beside_the_store(tmp_path: Path, replayed: str,
                                                 command: list[str]) -> None:
    medium = tmp_path / "medium"
    medium.mkdir()
    db = medium / "copy.db"
    shutil.copyfile(replayed, db)
    with open_watchlist_store(str(db)) as store:  # something for the watchlist commands
        store.add_watch([WatchEntry(WATCHED_ICAO, WATCHED_ICAO, "watched")])
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    rc, out, err = cli(*command, "--db", str(db))
    assert rc == 0 and err == "" and out
    assert [f.name for f in medium.iterdir()] == ["copy.db"]  # no -wal, -shm, journal
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_reading_a_store_left_with_a_wal_changes_nothing(tmp_path: Path, replayed: str,
                                                         command: list[str]) -> None:
    """A writer that stopped without closing leaves its rows in the -wal file: a reader
    reads them there and checkpoints nothing (a writing open would, on closing)."""
    medium = tmp_path / "medium"
    medium.mkdir()
    db = medium / "copy.db"
    shutil.copyfile(replayed, db)
    writer = open_watchlist_store(str(db))
    writer.add_watch([WatchEntry(WATCHED_ICAO, WATCHED_ICAO, "watched")])
    for suffix in ("", "-wal", "-shm"):  # the files as a crash would leave them
        shutil.copyfile(f"{db}{suffix}", tmp_path / f"left.db{suffix}")
    writer.close()
    for f in medium.iterdir():
        f.unlink()
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(tmp_path / f"left.db{suffix}", f"{db}{suffix}")
    before = {name: (medium / name).read_bytes() for name in ("copy.db", "copy.db-wal")}
    assert len(before["copy.db-wal"]) > 0
    rc, out, err = cli(*command, "--db", str(db))
    assert rc == 0 and err == ""
    if command[0] == "watchlist":
        assert out.startswith(f"{WATCHED_HEX.upper()} watched")  # read from the WAL
    assert sorted(f.name for f in medium.iterdir()) == ["copy.db", "copy.db-shm",
                                                        "copy.db-wal"]
    assert {name: (medium / name).read_bytes() for name in before} == before


@pytest.mark.parametrize("command", [["sightings"], ["sightings", "--json"],
                                     ["watchlist", "list"], ["track", WATCHED_HEX]],
                         ids=" ".join)
def test_a_full_stdout_is_one_line_and_exit_1(replayed: str, command: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = run_adsbwatch(*command, "--db", replayed, stdout=full, capture_output=False,
                             stderr=subprocess.PIPE)
    assert done.returncode == 1
    assert done.stderr == "adsbwatch: error: cannot write to stdout (No space left on device)\n"


# ------------------------------------------------------------------------------ year 10000

Y10K = (10957 + 20 * 146097) * 86400.0  # 10000-01-01T00:00:00Z: 2000-01-01 + 20 x 400 years


def _seconds_into_year_10000(text: str) -> float:
    day, clock = text.rstrip("Z").split("T")
    assert day == "10000-01-01", text
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_times_in_year_10000_are_written_not_a_traceback(tmp_path: Path) -> None:
    db = str(tmp_path / "late.db")
    args = [a if a != START else "9999-12-31T23:59:59.5Z" for a in REPLAY_ARGS]
    rc, _, err = cli(*args, "--db", db, "-q")
    assert rc == 0, err
    with open_history(db) as history:
        visits = history.sightings()
        rows = history.track(WATCHED_ICAO)
    assert any(v.last_seen >= Y10K for v in visits)
    rc, out, err = cli("sightings", "--db", db)
    assert rc == 0 and err == ""
    assert any(line.startswith("9999-12-31 23:59:5") for line in out.splitlines()[1:])
    rc, out, _ = cli("sightings", "--json", "--db", db)
    shown = {v["last_seen"] for v in json.loads(out)}
    assert any(t.startswith("10000-01-01T00:00:0") for t in shown)
    rc, out, err = cli("track", WATCHED_HEX, "--format", "csv", "--db", db)
    assert rc == 0 and err == ""
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == len(rows)
    for line, row in zip(table, rows, strict=True):
        if row.t >= Y10K:
            assert math.isclose(_seconds_into_year_10000(line["time_utc"]), row.t - Y10K,
                                abs_tol=0.0011)


# ------------------------------------------------------------------------------ full disk

def _disk_fills_half_way(monkeypatch: pytest.MonkeyPatch) -> None:
    real = store_files.write_all

    def write_half_then_fail(fd: int, data: bytes) -> None:
        real(fd, data[:len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_files, "write_all", write_half_then_fail)


@pytest.mark.parametrize("command", [["track", WATCHED_HEX, "--format", "kml", "-o"],
                                     ["watchlist", "export"]], ids=lambda c: c[0])
def test_a_full_disk_leaves_the_earlier_export_as_it_was(
        tmp_path: Path, replayed: str, monkeypatch: pytest.MonkeyPatch,
        command: list[str]) -> None:
    out_file = tmp_path / "out" / "export.txt"
    out_file.parent.mkdir()
    out_file.write_text("the good earlier export\n")
    out_file.chmod(0o640)
    _disk_fills_half_way(monkeypatch)
    rc, out, err = cli(*command, str(out_file), "--db", replayed)
    assert rc == 2 and out == ""
    assert one_error_line(err) == (f"adsbwatch: error: {out_file}: cannot write (No space "
                                   "left on device); the earlier file is left as it was")
    assert out_file.read_text() == "the good earlier export\n"
    assert [f.name for f in out_file.parent.iterdir()] == ["export.txt"]  # no temp file
    monkeypatch.undo()
    assert cli(*command, str(out_file), "--db", replayed)[0] == 0  # and with room, replaced
    assert out_file.read_text() != "the good earlier export\n"
    assert out_file.stat().st_mode & 0o777 == 0o640  # keeping its permissions
    assert [f.name for f in out_file.parent.iterdir()] == ["export.txt"]
