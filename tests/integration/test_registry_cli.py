"""`adsbwatch db import|update|info` as a user runs them, `--aircraft-db` on a replay of
the bundled sample (the tracker's aircraft carry the database's registration), and the
commands that do not need the database starting without it."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO, run_adsbwatch

from adsbwatch.decoder.registry.info import AircraftInfo
from adsbwatch.receiver.assembly.build import build_station
from adsbwatch.receiver.config.model import RecordingSourceConfig, StationConfig, StoreConfig
from adsbwatch.receiver.store.opening import open_watchlist_store

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
CSV = ("icao24;r;t;dbFlags\n"  # a header line: skipped, said
       "484506;PH-GOV;B737;0000;BOEING 737-700;2017;Netherlands Government;\n"
       "485f21;PH-BXA;B738;0;BOEING 737-800;;KLM;\n")


def write_csv(path: Path) -> Path:
    path.write_bytes(gzip.compress(CSV.encode()))
    return path


def test_db_import_then_info(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "aircraft.csv.gz")
    store = tmp_path / "data" / "run.db"
    result = run_adsbwatch("db", "import", str(source), "--db", str(store))
    assert result.returncode == 0, result.stderr
    # The default place: beside the store.
    assert result.stdout == (
        f"imported 2 aircraft from {source} into {tmp_path / 'data' / 'aircraft.db'}; "
        "skipped 1 of 3 lines (the first, line 1: 'icao24' is not an address of up to 6 "
        "hex digits)\n")
    info = run_adsbwatch("db", "info", "--db", str(store))
    assert info.returncode == 0 and info.stdout.startswith(
        f"{tmp_path / 'data' / 'aircraft.db'}: 2 aircraft, imported ")
    assert f"from {source} (1 lines of it skipped)" in info.stdout


def test_db_import_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_adsbwatch("db", "import", str(tmp_path / "nope.csv"),
                           "--aircraft-db", str(tmp_path / "a.db"))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"adsbwatch: error: {tmp_path / 'nope.csv'}: no such file "
                             "(give tar1090-db's aircraft.csv or aircraft.csv.gz)\n")
    assert not (tmp_path / "a.db").exists()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving tmp_path; the base URL."""
    handler = type("Quiet", (http.server.SimpleHTTPRequestHandler,),
                   {"log_message": lambda *args: None})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_db_update_from_a_server_and_a_failed_one_keeps_it(tmp_path: Path,
                                                           served: str) -> None:
    write_csv(tmp_path / "aircraft.csv.gz")
    target = tmp_path / "db" / "aircraft.db"
    result = run_adsbwatch("db", "update", "--url", f"{served}/aircraft.csv.gz",
                           "--aircraft-db", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"imported 2 aircraft from {served}/aircraft.csv.gz")
    before = target.read_bytes()
    failed = run_adsbwatch("db", "update", "--url", f"{served}/missing.csv.gz",
                           "--aircraft-db", str(target))
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr == (f"adsbwatch: error: cannot download {served}/missing.csv.gz: "
                             "HTTP 404 File not found; the aircraft database is left as "
                             "it was\n")
    assert target.read_bytes() == before


def test_replay_with_the_database_names_the_aircraft(tmp_path: Path) -> None:
    database = tmp_path / "aircraft.db"
    assert run_adsbwatch("db", "import", str(write_csv(tmp_path / "a.csv.gz")),
                         "--aircraft-db", str(database)).returncode == 0
    config = StationConfig(
        "replay", RecordingSourceConfig(str(SAMPLE), start_time="2025-05-16T09:30:00Z"),
        store=StoreConfig(db=str(tmp_path / "run.db")), aircraft_db=database)
    said: list[str] = []
    built = build_station(config, said.append)
    built.station.run()
    built.station.close()
    tracker = built.station.pipeline.tracker  # type: ignore[union-attr]
    aircraft = tracker.aircraft | tracker.departed
    assert aircraft[0x484506].info == AircraftInfo(
        "PH-GOV", "B737", "BOEING 737-700", "2017", "Netherlands Government", "NL",
        "Netherlands", 0)
    assert aircraft[0x485F21].info.registration == "PH-BXA"  # type: ignore[union-attr]
    # Not in the file: what the built-in tables know.
    assert aircraft[0x3C4B2A].info == AircraftInfo(country="DE", country_name="Germany")
    assert said == []


def test_replay_with_a_missing_database_says_so_once_and_decodes(tmp_path: Path) -> None:
    result = run_adsbwatch("replay", str(SAMPLE), "--no-db", "-q",
                           "--aircraft-db", str(tmp_path / "none.db"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(f"no aircraft database at {tmp_path / 'none.db'}") == 1
    assert "484506" in result.stdout


def registry_imported(*args: str) -> list[str]:
    """The lines of `python -X importtime -m adsbwatch ARGS` naming the registry or SQLite
    modules it imported."""
    result = run_adsbwatch(*args, python_options=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    return [line for line in result.stderr.splitlines()
            if "adsbwatch.receiver.registry" in line or "decoder.registry.countries" in line]


def test_help_and_watchlist_list_start_without_the_database(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    open_watchlist_store(str(store)).close()
    (tmp_path / "aircraft.db").write_text("not a database: opening it would warn")
    assert registry_imported("--help") == []
    assert registry_imported("watchlist", "list", "--db", str(store)) == []
    listed = run_adsbwatch("watchlist", "list", "--db", str(store))
    # the broken aircraft.db beside it was never opened: only the empty list's hint
    assert listed.stderr.startswith("adsbwatch: the store's watchlist is empty; ")
    assert len(listed.stderr.splitlines()) == 1


def test_sightings_stored_before_the_database_are_named_from_it(tmp_path: Path) -> None:
    store = tmp_path / "run.db"
    replay = run_adsbwatch("replay", str(SAMPLE), "--watchlist",
                           str(REPO / "samples" / "watchlist.txt"), "--db", str(store), "-q")
    assert replay.returncode == 0, replay.stderr
    before = run_adsbwatch("sightings", "--db", str(store), "--json")
    (stored,) = [v for v in json.loads(before.stdout) if v["icao"] == "484506"]
    assert stored["registration"] is None and stored["country"] == "NL"  # built-ins only
    # The database arrives afterwards, beside the store: sightings read it.
    write_csv(tmp_path / "aircraft.csv.gz")
    assert run_adsbwatch("db", "import", str(tmp_path / "aircraft.csv.gz"),
                         "--db", str(store)).returncode == 0
    after = run_adsbwatch("sightings", "--db", str(store), "--json")
    (named,) = [v for v in json.loads(after.stdout) if v["icao"] == "484506"]
    assert (named["registration"], named["type"], named["operator"]) == (
        "PH-GOV", "B737", "Netherlands Government")
    table = run_adsbwatch("sightings", "--db", str(store)).stdout
    assert "PH-GOV" in table and "B737" in table
