"""--interactive: the textual table driven headless by textual's pilot, with the real
station running the airport sample in its worker thread; and the command itself on a
pseudo-terminal, stopped by q and by SIGTERM with the store committed."""

from __future__ import annotations

import asyncio
import io
import json
import re
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

pytest.importorskip("textual")

from pty_support import plain, run_in_pty  # noqa: E402
from rich.console import Console  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from adsbwatch.decoder.messages.watchlist import parse_watchlist  # noqa: E402
from adsbwatch.receiver.assembly.build import build_station  # noqa: E402
from adsbwatch.receiver.config.model import (  # noqa: E402
    DecodingConfig,
    Position,
    RecordingSourceConfig,
    StationConfig,
    StoreConfig,
)
from adsbwatch.receiver.errors import UserError  # noqa: E402
from adsbwatch.receiver.ui.interactive import InteractiveView, StationWorker  # noqa: E402
from adsbwatch.receiver.ui.views import TEXTUAL_MISSING, check_interactive  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
TRUTH = json.loads((REPO / "samples" / "airport_2400k.truth.json").read_text())
RECEIVER = (TRUTH["receiver"]["lat"], TRUTH["receiver"]["lon"])
WATCHED = next(a for a in TRUTH["aircraft"] if a["watched"])
WATCHED_LABEL = next(e.label for e in parse_watchlist(WATCHLIST.read_text(), str(WATCHLIST))
                     if e.lo == e.hi == int(WATCHED["icao"], 16))


def by_altitude() -> list[str]:
    """The truth's aircraft from highest to lowest (their last altitude), ground last."""
    last: dict[str, dict] = {}
    for p in sorted(TRUTH["positions"], key=lambda p: p["t"]):
        last[p["icao"]] = p
    airborne = [a for a in TRUTH["aircraft"] if not a["on_ground"]]
    airborne.sort(key=lambda a: -last[a["icao"]]["alt_ft"])
    return [a["icao"] for a in airborne] + [a["icao"] for a in TRUTH["aircraft"]
                                            if a["on_ground"]]


def warn(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")


def test_the_app_sorts_highlights_and_quits_with_the_store_committed(tmp_path: Path) -> None:
    """The station as `replay` builds it (the store, the alerts), the view added by
    hand: the command would choose it only on a terminal."""
    config = StationConfig(
        "replay", RecordingSourceConfig(str(SAMPLE), start_time="2023-11-14T22:13:20Z"),
        receiver=Position(*RECEIVER),
        decoding=DecodingConfig(watchlists=(WATCHLIST,), sighting_wait_s=0),
        store=StoreConfig(db=str(tmp_path / "run.db")))
    built = build_station(config, warn)
    built.console.file = io.StringIO()  # type: ignore[union-attr] # the sighting line
    station = built.station
    view = InteractiveView(station, built.watchlist)  # type: ignore[arg-type]
    station.add(view)
    worker = StationWorker(station.run, station.request_stop)
    app = view.app
    app.worker = worker
    seen: dict[str, object] = {}

    async def drive() -> None:
        async with app.run_test(size=(160, 40)) as pilot:
            table = app.query_one(DataTable)
            for _ in range(600):  # the station's run, then the app's next look at it
                if "the run is over" in str(app.query_one("#title").render()):
                    break
                await pilot.pause(0.1)
            seen["first"] = app.row_icaos()
            await pilot.press("a")
            seen["highest"] = app.row_icaos()
            await pilot.press("a")
            seen["lowest"] = app.row_icaos()
            # A click on the km heading sorts by distance, nearest first.
            labels = [c.label.plain for c in table.columns.values()]
            km = labels.index("km")  # after the database's columns, which come and go
            x = sum(c.get_render_width(table) for c in list(table.columns.values())[:km])
            await pilot.click("#aircraft", offset=(x + 1, 0))
            seen["nearest"] = app.row_icaos()
            watched = table.get_row(WATCHED["icao"])
            seen["watched"] = (watched[-1].plain, str(watched[-1].style),
                               watched[1].plain)
            other = table.get_row("485D7C")
            seen["other"] = (other[-1].plain, str(other[-1].style))
            seen["distances"] = {k: float(table.get_row(k)[km].plain) for k in seen["nearest"]}
            await pilot.press("q")
        seen["running"] = app.is_running

    asyncio.run(drive())
    worker.stop()
    assert worker.error is None and worker.ended.is_set()
    station.close()  # what the command does after the app: the store committed and closed

    everyone = {a["icao"] for a in TRUTH["aircraft"]}
    assert seen["first"][0] == WATCHED["icao"] and set(seen["first"]) == everyone
    assert seen["highest"] == by_altitude()
    assert seen["lowest"][0] == "485D7C"  # the one on the ground, as low as it gets
    assert seen["lowest"][1:] == by_altitude()[:-1][::-1]
    distances = [seen["distances"][k] for k in seen["nearest"]]
    assert distances == sorted(distances) and seen["nearest"][0] == "485D7C"
    assert seen["watched"] == (WATCHED_LABEL, "bold yellow", WATCHED["callsign"])
    assert seen["other"] == ("", "")
    assert seen["running"] is False
    conn = sqlite3.connect(tmp_path / "run.db")
    visits = conn.execute("SELECT icao, label, watched FROM visits").fetchall()
    assert visits == [(int(WATCHED["icao"], 16), WATCHED_LABEL, 1)]


def test_without_textual_one_line_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "textual", None)  # import textual now fails
    with pytest.raises(UserError) as raised:
        check_interactive(Console(force_terminal=True))
    assert str(raised.value) == TEXTUAL_MISSING
    assert TEXTUAL_MISSING == "--interactive needs textual: pip install 'adsbwatch[tui]'"


@pytest.mark.parametrize("stop", ["q", "SIGTERM"])
def test_the_command_stops_cleanly_with_the_store_committed(tmp_path: Path, stop: str) -> None:
    db = tmp_path / "run.db"
    rc, text = run_in_pty(
        ["replay", str(SAMPLE), "--watchlist", str(WATCHLIST), "--lat", str(RECEIVER[0]),
         "--lon", str(RECEIVER[1]), "--start-time", TRUTH["start_time"], "--db", str(db),
         "--interactive"],
        until="the run is over", then=b"q" if stop == "q" else signal.SIGTERM)
    assert rc == (0 if stop == "q" else 143), text
    # After the app: the sighting it logged, and the final table, on the terminal.
    assert f"SIGHTING {WATCHED['icao']}" in text
    assert "recorded into" in text
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT icao, label FROM visits").fetchall() == [
        (int(WATCHED["icao"], 16), WATCHED_LABEL)]
    assert conn.execute("SELECT count(*) FROM sessions WHERE ended IS NOT NULL").fetchone() \
        == (1,)


def test_live_from_rtl_tcp_shows_the_live_footer_and_quits_cleanly(tmp_path: Path) -> None:
    """`adsbwatch live --interactive` on an rtl_tcp server serving the sample at its
    real pace: the footer says the live rate, gain and drops; q stops it, committed."""
    from rtltcp_server import RtlTcpServer, Serving

    db = tmp_path / "live.db"
    rate = TRUTH["rate"]
    with RtlTcpServer(Serving(SAMPLE.read_bytes(), loops=30, pace_rate=rate)) as server:
        rc, text = run_in_pty(
            ["live", "--rtl-tcp", f"127.0.0.1:{server.port}", "--rate", "2.4M",
             "--gain", "40.2", "--stats-every", "0", "--watchlist", str(WATCHLIST),
             "--lat", str(RECEIVER[0]), "--lon", str(RECEIVER[1]), "--db", str(db),
             "--interactive"],
            until=" MS/s | ", then=b"q")  # the rate shows from the second block on
    assert rc == 0, text
    screen = plain(text)
    assert re.search(r"\d\.\d\d MS/s \| \d+ frames \| \d+ aircraft \|", screen), screen
    assert re.search(r"gain 40\.2 dB \| dropped \d+ samples", screen), screen
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT icao, label FROM visits").fetchall() == [
        (int(WATCHED["icao"], 16), WATCHED_LABEL)]
    assert conn.execute("SELECT live, ended IS NOT NULL FROM sessions").fetchall() == [(1, 1)]


def test_the_app_gains_the_databases_columns_when_a_row_has_them(tmp_path: Path) -> None:
    """The sample replayed with an aircraft database: the textual table shows the
    registration, type and country after the callsign (it scrolls sideways, so all)."""
    from info_support import replay_with_database

    built = replay_with_database(tmp_path)
    view = InteractiveView(built.station, built.watchlist)  # type: ignore[arg-type]
    view.latest = view.snapshot()
    app = view.app
    seen: dict[str, object] = {}

    async def drive() -> None:
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause(1.0)  # two of the app's looks at the view's snapshot
            table = app.query_one(DataTable)
            seen["headings"] = [str(c.label) for c in table.columns.values()]
            seen["gov"] = [cell.plain for cell in table.get_row("484506")[:5]]
            seen["other"] = [cell.plain for cell in table.get_row("485D7C")[:5]]
            await pilot.press("q")

    asyncio.run(drive())
    assert seen["headings"][:6] == ["ICAO", "callsign", "reg", "type", "ctry", "sqwk"]
    assert seen["gov"] == ["484506", "NAF01", "PH-GOV", "B737", "NL"]
    assert seen["other"] == ["485D7C", "KLM87W", "", "", ""]

