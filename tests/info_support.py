"""The bundled airport sample replayed as `replay` builds its station, the tracker given an
aircraft database: a dict's get, as build_station takes an InfoLookup."""

from __future__ import annotations

import io
import json
from pathlib import Path

from support import REPO

from adsbwatch.decoder.registry.info import AircraftInfo
from adsbwatch.receiver.assembly.build import BuiltStation, build_station
from adsbwatch.receiver.config.model import (
    DecodingConfig,
    OutputsConfig,
    Position,
    RecordingSourceConfig,
    StationConfig,
    StoreConfig,
)

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
TRUTH = json.loads((REPO / "samples" / "airport_2400k.truth.json").read_text())
RECEIVER = (TRUTH["receiver"]["lat"], TRUTH["receiver"]["lon"])

GOV = AircraftInfo(registration="PH-GOV", type_code="B737", description="BOEING 737-700",
                   operator="Dutch Government", country="NL", country_name="Netherlands",
                   flags=0)
# What a registry knows of an address without a database entry: its block's country.
LUFTHANSA = AircraftInfo(country="DE", country_name="Germany")
DATABASE = {0x484506: GOV, 0x3C4B2A: LUFTHANSA}


def _no_warning(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")


def replay_with_database(folder: Path) -> BuiltStation:
    """The sample replayed to its end with DATABASE, every aircraft recorded into
    folder/run.db, the JSON files written to `folder`; the station closed."""
    config = StationConfig(
        "replay", RecordingSourceConfig(str(SAMPLE), start_time=TRUTH["start_time"]),
        receiver=Position(*RECEIVER),
        decoding=DecodingConfig(watchlists=(WATCHLIST,), record_all=True, sighting_wait_s=0),
        store=StoreConfig(db=str(folder / "run.db")),
        outputs=OutputsConfig(write_json=folder))
    built = build_station(config, _no_warning, info_of=DATABASE.get)
    built.console.file = io.StringIO()  # type: ignore[union-attr] # the sighting line
    built.station.run()
    built.station.close()
    if built.network is not None:
        built.network.stop()
    return built
