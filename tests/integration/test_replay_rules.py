"""Watch rules on the bundled airport sample, the station built as `replay` builds it with
an aircraft database that says 484506 is PH-GOV, a B737: `reg:PH-GOV` raises its
sighting (the alert line and a watched visit in the store), and the rules that match
none of the sample's aircraft raise nothing."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from adsbwatch.decoder.registry.info import AircraftInfo
from adsbwatch.decoder.sim.scene import parse_truth
from adsbwatch.receiver.assembly.build import build_station
from adsbwatch.receiver.config.model import (
    DecodingConfig,
    Position,
    RecordingSourceConfig,
    StationConfig,
    StoreConfig,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
TRUTH = parse_truth((REPO / "samples" / "airport_2400k.truth.json").read_text())
RECEIVER = Position(TRUTH["receiver"]["lat"], TRUTH["receiver"]["lon"])
DATABASE = {  # what the aircraft database says of two of the sample's aircraft
    0x484506: AircraftInfo(registration="PH-GOV", type_code="B737", country="NL"),
    0x3C4B2A: AircraftInfo(registration="D-AIBC", type_code="A319", country="DE"),
}


def warn(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")


def test_a_registration_rule_raises_the_samples_sighting(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("reg:PH-GOV\nreg:PH-XXX never flies here\ntype:IL62\nsquawk:7700\n"
                     "callsign:RFF*\n")
    db = tmp_path / "run.db"
    config = StationConfig(
        "replay", RecordingSourceConfig(str(SAMPLE), start_time=TRUTH["start_time"]),
        receiver=RECEIVER, decoding=DecodingConfig(watchlists=(rules,)),
        store=StoreConfig(db=str(db)))
    built = build_station(config, warn, info_of=DATABASE.get)
    built.console.file = io.StringIO()  # type: ignore[union-attr]
    built.station.run()
    built.station.close()
    printed = built.console.file.getvalue()  # type: ignore[union-attr]
    sightings = [line for line in printed.splitlines() if line.startswith("SIGHTING")]
    assert len(sightings) == 1
    assert sightings[0].startswith("SIGHTING 484506 (reg:PH-GOV) PH-GOV B737 callsign NAF01")
    conn = sqlite3.connect(db)
    try:
        visits = conn.execute("SELECT icao, watched, label FROM visits").fetchall()
    finally:
        conn.close()
    assert visits == [(0x484506, 1, "reg:PH-GOV")]  # the only aircraft recorded
