"""`adsbwatch watchlist` with rules as a user runs it: add, list, remove, import (a
malformed line: one error line, exit 2, nothing written), `watchlist test` against an
aircraft database made by `db import`, and a replay of the bundled sample whose
`reg:PH-GOV` rule finds 484506 through that database."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest
from support import cli

from adsbwatch.decoder.sim.scene import parse_truth

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
TRUTH = parse_truth((REPO / "samples" / "airport_2400k.truth.json").read_text())
CSV = ("484506;PH-GOV;B737;0000;BOEING 737-700;2017;Netherlands Government;\n"
       "43c6f1;ZZ336;A332;1;AIRBUS A330-200;;Royal Air Force;\n")



@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "store" / "adsbwatch.db")


@pytest.fixture
def aircraft_db(tmp_path: Path, db: str) -> str:
    source = tmp_path / "aircraft.csv.gz"
    source.write_bytes(gzip.compress(CSV.encode()))
    path = str(tmp_path / "aircraft.db")
    rc, _, err = cli("db", "import", str(source), "--aircraft-db", path)
    assert rc == 0, err
    return path


def test_rules_are_added_listed_and_removed(db: str) -> None:
    assert cli("watchlist", "add", "484506", "Dutch", "government", "--db", db) == (
        0, "watching 484506 Dutch government\n", "")
    assert cli("watchlist", "add", "military", "country:ru", "--label", "Russian military",
               "--db", db)[1] == "watching country:RU military Russian military\n"
    assert cli("watchlist", "add", 'operator:"Russia - Air Force"', "--db", db)[0] == 0
    assert cli("watchlist", "add", "squawk:7700,7500,7600", "emergency", "--db", db)[0] == 0
    assert cli("watchlist", "list", "--db", db)[1] == (
        "484506 Dutch government\ncountry:RU military Russian military\n"
        'operator:"Russia - Air Force"\nsquawk:7500,7600,7700 emergency\n')
    assert cli("watchlist", "remove", "country:RU", "military", "--db", db) == (
        0, "no longer watching country:RU military\n", "")
    rc, _, err = cli("watchlist", "remove", "military", "--db", db)
    assert (rc, err) == (2, "adsbwatch: error: military is not on the watchlist\n")
    assert len(cli("watchlist", "list", "--db", db)[1].splitlines()) == 3


@pytest.mark.parametrize(("words", "error"), [
    (["squawk:7800"], "squawk:7800: '7800' is not a squawk (4 octal digits 0-7, e.g. 7700)"),
    (["tpye:IL62"], "unknown key 'tpye:' (keys: reg, type, country, operator, callsign, "
                    "squawk; a label that starts with it needs double quotes)"),
    (["type:IL62", "Il-62", "--label", "again"], "two labels: 'Il-62' in the rule and "
                                                 "'again' apart"),
])
def test_a_malformed_rule_is_one_line_and_nothing_is_written(db: str, words: list[str],
                                                             error: str) -> None:
    cli("watchlist", "add", "484506", "--db", db)
    rc, out, err = cli("watchlist", "add", *words, "--db", db)
    assert (rc, out, err) == (2, "", f"adsbwatch: error: {error}\n")
    assert cli("watchlist", "list", "--db", db)[1] == "484506\n"


def test_import_takes_all_lines_or_none(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "rules.txt"
    bad.write_text("military\ncallsign:RFF*\ncountry:XX\n")
    rc, out, err = cli("watchlist", "import", str(bad), "--db", db)
    assert (rc, out) == (2, "")
    assert err == (f"adsbwatch: error: {bad}:3: country:XX: no country has the ISO 3166 "
                   "code XX\n")
    assert cli("watchlist", "list", "--db", db)[1] == ""
    bad.write_text("military\ncallsign:RFF*\ncountry:GB\n")
    assert cli("watchlist", "import", str(bad), "--db", db)[0] == 0
    assert cli("watchlist", "list", "--db", db)[1] == "callsign:RFF*\ncountry:GB\nmilitary\n"


def test_watchlist_test_says_which_rules_match_and_why(db: str, aircraft_db: str,
                                                       tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# mine\n100000-1FFFFF Russia\nreg:PH-GOV\ntype:b737 callsign:NAF*\n"
                     "military\nsquawk:7700\n")
    rc, out, err = cli("watchlist", "test", "PH-GOV", "--watchlist", str(rules),
                       "--aircraft-db", aircraft_db)
    assert (rc, err) == (0, "")
    assert out.splitlines() == [
        "484506 PH-GOV B737 NL (Netherlands Government)",
        f"  does not match {rules}:2 `100000-1FFFFF` (not in block 100000-1FFFFF)",
        f"  matches {rules}:3 `reg:PH-GOV` (registration PH-GOV)",
        f"  does not match {rules}:4 `type:B737 callsign:NAF*` (no callsign heard)",
        f"  does not match {rules}:5 `military` (not in a military range or flagged)",
        f"  does not match {rules}:6 `squawk:7700` (no squawk heard)",
    ]
    out = cli("watchlist", "test", "484506", "--callsign", "naf01", "--squawk", "7700",
              "--watchlist", str(rules), "--aircraft-db", aircraft_db)[1]
    assert [line for line in out.splitlines() if "  matches" in line] == [
        f"  matches {rules}:3 `reg:PH-GOV` (registration PH-GOV)",
        f"  matches {rules}:4 `type:B737 callsign:NAF*` (type B737; callsign NAF01)",
        f"  matches {rules}:6 `squawk:7700` (squawk 7700)"]
    # the database's military flag, and the store's rules numbered as `list` prints them
    cli("watchlist", "add", "military", "--db", db)
    out = cli("watchlist", "test", "43C6F1", "--db", db, "--aircraft-db", aircraft_db)[1]
    assert out.splitlines() == [
        "43C6F1 ZZ336 A332 GB (Royal Air Force) military",
        "  matches line 1 `military` (in a military range or flagged military)"]


@pytest.mark.parametrize(("args", "error"), [
    (["XX-NONE"], "'XX-NONE' is neither a 6-digit hex address nor a registration in the "
                  "aircraft database at {adb} (nor a US N-number)"),
    (["100000-1FFFFF"], "'100000-1FFFFF' is a block: give one address or a registration"),
    (["484506", "--squawk", "7800"], "--squawk 7800: a squawk is 4 octal digits 0-7, e.g. "
                                     "7700"),
])
def test_watchlist_test_refuses_what_it_cannot_test(db: str, aircraft_db: str,
                                                    args: list[str], error: str) -> None:
    rc, out, err = cli("watchlist", "test", *args, "--db", db, "--aircraft-db", aircraft_db)
    assert (rc, out) == (2, "")
    assert err.splitlines()[-1] == "adsbwatch: error: " + error.format(adb=aircraft_db)


def test_a_replay_with_the_aircraft_database_raises_the_reg_rules_sighting(
        db: str, aircraft_db: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text('reg:PH-GOV "the Dutch 737"\nreg:PH-BXA\ntype:IL62\nmilitary\n')
    receiver = TRUTH["receiver"]
    rc, out, err = cli("replay", str(SAMPLE), "--start-time", TRUTH["start_time"],
                       "--watchlist", str(rules), "--db", db, "--aircraft-db", aircraft_db,
                       "--lat", str(receiver["lat"]), "--lon", str(receiver["lon"]),
                       "--write-json", str(tmp_path / "json"))
    assert rc == 0, err
    sightings = [line for line in out.splitlines() if "SIGHTING" in line]
    assert len(sightings) == 1 and "SIGHTING 484506 (the Dutch 737)" in sightings[0]
    # aircraft.json as readsb writes it, for tar1090: the database's registration and type
    aircraft = {a["hex"]: a for a in
                json.loads((tmp_path / "json" / "aircraft.json").read_text())["aircraft"]}
    assert (aircraft["484506"]["r"], aircraft["484506"]["t"]) == ("PH-GOV", "B737")
    assert "r" not in aircraft["40762e"] and "t" not in aircraft["40762e"]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT icao, watched, label FROM visits").fetchall() == [
            (0x484506, 1, "the Dutch 737")]
    finally:
        conn.close()
