"""Registration, type, operator and country wherever a person reads an aircraft: the
bundled sample replayed as `replay` builds the station, its tracker given an aircraft
database (a dict's get, as build_station takes one), then aircraft.json, the store's
visits, `sightings`, `track`'s exports and the terminal table read back."""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from info_support import GOV, TRUTH, replay_with_database
from rich.console import Console

from adsbwatch.decoder.registry.info import MILITARY, AircraftInfo
from adsbwatch.receiver.cli.history import cmd_sightings
from adsbwatch.receiver.cli.main import main
from adsbwatch.receiver.ui.live import run_table
from adsbwatch.receiver.ui.rows import AircraftRow, info_columns
from adsbwatch.receiver.ui.table import aircraft_table


@dataclass
class Run:
    json_dir: Path
    db: Path
    table: str  # the final terminal table, 160 columns wide


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("info")
    built = replay_with_database(folder)
    screen = Console(file=io.StringIO(), width=160, color_system=None)
    screen.print(run_table(built.station, built.watchlist, screen.width))  # type: ignore[arg-type]
    return Run(folder, folder / "run.db", screen.file.getvalue())  # type: ignore[attr-defined]


def cli(*args: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


# ------------------------------------------------------------------------------ aircraft.json

def test_aircraft_json_carries_readsbs_keys_where_the_database_knows(run: Run) -> None:
    doc = json.loads((run.json_dir / "aircraft.json").read_text())
    by_hex = {a["hex"]: a for a in doc["aircraft"]}
    gov = by_hex["484506"]
    assert (gov["r"], gov["t"], gov["desc"], gov["ownOp"]) == (
        "PH-GOV", "B737", "BOEING 737-700", "Dutch Government")
    assert (gov["country"], gov["country_name"]) == ("NL", "Netherlands")
    # readsb writes dbFlags only when a flag is set, year only when known
    assert "dbFlags" not in gov and "year" not in gov
    # readsb's order: right after the callsign
    keys = list(gov)
    assert keys[keys.index("flight") + 1:keys.index("flight") + 5] == ["r", "t", "desc", "ownOp"]
    text = (run.json_dir / "aircraft.json").read_text()
    assert '"r":"PH-GOV","t":"B737"' in text.replace(" ", "")
    # only a country known: no registration or type keys
    lufthansa = by_hex["3c4b2a"]
    assert lufthansa["country"] == "DE"
    assert not {"r", "t", "desc", "ownOp", "year", "dbFlags"} & set(lufthansa)
    for hex_, entry in by_hex.items():
        if hex_ not in ("484506", "3c4b2a"):
            assert not {"r", "t", "desc", "ownOp", "year", "dbFlags", "country",
                        "country_name"} & set(entry), entry


def test_db_flags_are_the_databases_bits() -> None:
    """tar1090 reads dbFlags' bits: 1 military, 2 interesting, 4 PIA, 8 LADD."""
    from adsbwatch.decoder.messages.aircraft import Aircraft
    from adsbwatch.receiver.outputs.http.aircraft_json import aircraft_entry

    ac = Aircraft(0xAE1234, 0.0, 0.0, info=AircraftInfo(
        type_code="C17", year="2005", operator="United States Air Force", flags=MILITARY | 8))
    entry = aircraft_entry(ac, 1.0)
    assert (entry["t"], entry["dbFlags"], entry["year"]) == ("C17", 9, "2005")
    assert "r" not in entry


# ------------------------------------------------------------------------------ the store

def test_visits_carry_the_database_in_sqlite(run: Run) -> None:
    conn = sqlite3.connect(run.db)
    rows = {icao: rest for icao, *rest in conn.execute(
        "SELECT icao, registration, type_code, operator, country FROM visits")}
    conn.close()
    assert rows[0x484506] == ["PH-GOV", "B737", "Dutch Government", "NL"]
    assert rows[0x3C4B2A] == [None, None, None, "DE"]
    assert rows[0x485D7C] == [None, None, None, None]
    assert len(rows) == len(TRUTH["aircraft"])


def test_sightings_shows_them(run: Run) -> None:
    lines = cli("sightings", "--db", str(run.db)).splitlines()
    header = lines[0].split()
    assert header[header.index("ICAO") + 1:header.index("ICAO") + 4] == ["reg", "type", "ctry"]
    gov = next(line for line in lines if "484506" in line)
    assert gov.split()[3:6] == ["484506", "PH-GOV", "B737"] and " NL " in gov
    assert "NAF01" in gov
    lufthansa = next(line for line in lines if "3C4B2A" in line)
    assert "PH-GOV" not in lufthansa and " DE " in lufthansa
    visits = {v["icao"]: v for v in json.loads(cli("sightings", "--json", "--db", str(run.db)))}
    assert {k: visits["484506"][k] for k in ("registration", "type", "operator", "country")} \
        == {"registration": "PH-GOV", "type": "B737", "operator": "Dutch Government",
            "country": "NL"}
    assert visits["485d7c"]["registration"] is None


def test_track_exports_carry_them(run: Run) -> None:
    rows = list(csv.reader(io.StringIO(cli("track", "484506", "--format", "csv",
                                           "--db", str(run.db)))))
    assert rows[0][-4:] == ["registration", "type", "operator", "country"]
    assert len(rows) > 2 and all(row[-4:] == ["PH-GOV", "B737", "Dutch Government", "NL"]
                                 for row in rows[1:])
    kml = ET.fromstring(cli("track", "484506", "--format", "kml", "--db", str(run.db)))
    assert kml.findtext("{*}Document/{*}name") == \
        "NAF01 484506 PH-GOV B737 Dutch government Boeing 737 BBJ (simulated)"
    assert kml.findtext("{*}Document/{*}description").endswith(
        "; PH-GOV, B737, Dutch Government, NL")
    doc = json.loads(cli("track", "484506", "--format", "geojson", "--db", str(run.db)))
    line = next(f for f in doc["features"] if f["geometry"]["type"] == "LineString")
    assert (line["properties"]["registration"], line["properties"]["type"]) == (
        "PH-GOV", "B737")
    gpx = ET.fromstring(cli("track", "484506", "--format", "gpx", "--db", str(run.db)))
    assert gpx.findtext("{*}trk/{*}name").startswith("NAF01 484506 PH-GOV B737 ")


def test_sightings_fills_visits_stored_without_a_database(tmp_path: Path, run: Run) -> None:
    """A visit stored before there was a database: `sightings` given one (an
    InfoLookup) fills what the row left empty, and keeps what it stored."""
    db = tmp_path / "old.db"
    shutil.copy(run.db, db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE visits SET registration = NULL, type_code = NULL, operator = NULL, "
                 "country = NULL WHERE icao = ?", (0x484506,))
    conn.execute("UPDATE visits SET registration = 'D-AIXX' WHERE icao = ?", (0x3C4B2A,))
    conn.commit()
    conn.close()
    args = argparse.Namespace(db=str(db), icao=None, since=None, json=True, site=None,
                              watched=False)
    out = io.StringIO()
    with redirect_stdout(out):
        cmd_sightings(args, info_of={0x484506: GOV, 0x3C4B2A: GOV}.get)
    visits = {v["icao"]: v for v in json.loads(out.getvalue())}
    assert (visits["484506"]["registration"], visits["484506"]["country"]) == ("PH-GOV", "NL")
    # stored values stay; only the empty columns are filled
    assert (visits["3c4b2a"]["registration"], visits["3c4b2a"]["country"]) == ("D-AIXX", "DE")
    assert visits["3c4b2a"]["type"] == "B737"
    assert visits["485d7c"]["registration"] is None


# ------------------------------------------------------------------------------ the terminal

def row_of(table: str, first: str) -> list[str]:
    return next(line.split() for line in table.splitlines() if line.split()[:1] == [first])


def test_the_terminal_table_shows_registration_type_and_country(run: Run) -> None:
    header = row_of(run.table, "ICAO")
    assert header[:5] == ["ICAO", "callsign", "reg", "type", "ctry"]
    assert row_of(run.table, "484506")[:5] == ["484506", "NAF01", "PH-GOV", "B737", "NL"]
    assert row_of(run.table, "3C4B2A")[:3] == ["3C4B2A", "DLH2AB", "DE"]
    # nothing known, no squawk heard: its altitude follows the callsign
    assert row_of(run.table, "485D7C")[:3] == ["485D7C", "KLM87W", "ground"]


def test_a_narrow_terminal_drops_the_databases_columns_last_first() -> None:
    """At their least widths the other columns of a table with distance and bearing
    take 91 terminal columns; registration needs 10 more, type 6, country 6. Shown, they
    squeeze nothing: every heading stays whole."""
    row = AircraftRow(icao="484506", callsign="NAF01", squawk="6401", altitude=7975,
                      on_ground=False, groundspeed=250.0, track=90.0, lat=52.1, lon=4.1,
                      distance_km=3.0, bearing_deg=4.0, messages=5, dbfs=-3.0, watched=True,
                      label="Dutch", registration="PH-GOV", type_code="B737",
                      country="NL")
    assert info_columns([row], True, 100) == ()
    assert info_columns([row], True, 101) == ("reg",)
    assert info_columns([row], True, 112) == ("reg", "type")
    assert info_columns([row], True, 113) == ("reg", "type", "ctry")
    assert info_columns([row], False, 89) == ("reg",)  # no distance and bearing: 18 less
    assert info_columns([row], True, None) == ("reg", "type", "ctry")
    unknown = replace(row, registration=None, type_code=None, country=None)
    assert info_columns([unknown], True, None) == ()  # no empty columns
    assert info_columns([unknown, replace(row, registration=None)], True, None) == (
        "type", "ctry")
    for width, shown in ((100, []), (112, ["reg", "type"]), (113, ["reg", "type", "ctry"])):
        screen = Console(file=io.StringIO(), width=width, color_system=None)
        screen.print(aircraft_table([row], "t", True, width))
        lines = screen.file.getvalue().splitlines()  # type: ignore[attr-defined]
        header = next(line.split() for line in lines if line.split()[:1] == ["ICAO"])
        assert header[:2] == ["ICAO", "callsign"] and header[2:-11] == shown
        assert header[-11:] == ["sqwk", "alt", "ft", "kt", "trk", "position", "km", "brg",
                                "msgs", "dBFS", "watched"]
        assert next(line.split() for line in lines if line.split()[:1] == ["484506"])[-1] \
            == "Dutch"
