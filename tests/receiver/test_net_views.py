"""What the views and the records show of a network input (`--net-connect`): frames
sent with no signal level (AVR) kept out of every level shown or stored instead of a
made-up -180 dBFS, and the interactive view of a live network run. Real peers: tiny
local Beast/AVR servers (tests/net_peers.py). (Each peer's frames per second in the
footer and the stats line, and "connected" as news: tests/receiver/test_net_frames.py
and test_station_inputs.py.)"""

from __future__ import annotations

import io
import json
import math
import re
import signal
import sqlite3
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from net_peers import ByteServer, free_port
from pty_support import plain, run_in_pty
from station_support import feed, hand_station

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.decoder.messages.watchlist import Watchlist, parse_watchlist
from adsbwatch.receiver.addresses import NetSpec
from adsbwatch.receiver.core.events import Sighting, Tick
from adsbwatch.receiver.outputs.alerts import sighting_line
from adsbwatch.receiver.outputs.http.aircraft_json import aircraft_json
from adsbwatch.receiver.outputs.http.stats_json import stats_json
from adsbwatch.receiver.outputs.net.beast import beast_bytes
from adsbwatch.receiver.sources.base import SourceInfo
from adsbwatch.receiver.sources.net.beast import BeastParser
from adsbwatch.receiver.sources.net.peer import PeerSource
from adsbwatch.receiver.station.recording import RecordingConsumer
from adsbwatch.receiver.store.opening import open_recorder
from adsbwatch.receiver.store.rows import SessionRow
from adsbwatch.receiver.ui.footer import Footer
from adsbwatch.receiver.ui.rows import aircraft_rows, cell_texts
from adsbwatch.receiver.ui.statsline import StatsLine

# Real frames of 4d2023 (AMC421) from modes1, as every peer decoder found them
# (../shared/recordings/expected/modes1_union_of_peers.txt).
DF17_IDENT = bytes.fromhex("8d4d20232004d0f4cb1820b0efd4")  # identification: AMC421
DF11 = bytes.fromhex("5d4d20237a55a6")  # all-call reply, interrogator code 0
BAD = bytes.fromhex("8d4d20232004d0f4cb1820b0efd5")  # DF17_IDENT, last bit flipped
AMC421 = 0x4D2023


def beast(frame: bytes, signal: int, timestamp: int = 0) -> bytes:
    """A Beast message by the format's definition (type '3' long, '2' short)."""
    body = timestamp.to_bytes(6, "big") + bytes([signal]) + frame
    return (b"\x1a3" if len(frame) == 14 else b"\x1a2") + body.replace(b"\x1a", b"\x1a\x1a")


def avr(frame: bytes) -> bytes:
    return f"*{frame.hex().upper()};\n".encode()


def serving(payload: bytes) -> ByteServer:
    """A peer that sends `payload` to each client and stays connected (30 s)."""
    return ByteServer(lambda: payload, linger_s=30)


def wait_until(condition, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def drain(source: PeerSource, frames: int, timeout_s: float = 10.0) -> list[FrameBatch]:
    """The source's batches until `frames` frames have come out of it (and one more
    batch, so every count is final)."""
    out: list[FrameBatch] = []
    deadline = time.monotonic() + timeout_s
    for batch in source.batches():
        out.append(batch)
        if sum(len(b) for b in out) >= frames:
            out.append(next(source.batches()))
            return out
        assert time.monotonic() < deadline, f"only {sum(len(b) for b in out)} frames came"
    raise AssertionError("the source ended")


# ---------------------------------------------------------------------- no level


@pytest.fixture()
def avr_batches() -> Iterator[list[FrameBatch]]:
    """AMC421's identification and all-call reply as a real AVR peer sends them: no
    signal level."""
    peer = serving(avr(DF17_IDENT) + avr(DF11))
    source = PeerSource(NetSpec("127.0.0.1", peer.port, "avr"), print, batch_s=0.05)
    try:
        yield drain(source, frames=2)
    finally:
        source.close()
        peer.close()


def frames_of(batches: list[FrameBatch]) -> FrameBatch:
    full = [b for b in batches if len(b)]
    return FrameBatch(np.concatenate([b.msg for b in full]),
                      np.concatenate([b.ticks for b in full]),
                      np.concatenate([b.level for b in full]),
                      np.concatenate([b.fixed for b in full]), full[-1].until_ticks,
                      full[-1].epoch0)


def test_avr_frames_carry_an_unknown_level_not_zero(avr_batches: list[FrameBatch]) -> None:
    batch = frames_of(avr_batches)
    assert batch.msg[:, :7].tobytes()[:7] == DF17_IDENT[:7] and len(batch) == 2
    assert np.isnan(batch.level).all() and np.isnan(batch.dbfs).all()


class Sightings:
    """A consumer that keeps the station's sightings."""

    name = "sightings"

    def __init__(self) -> None:
        self.seen: list[Sighting] = []

    def on_sighting(self, sighting: Sighting) -> None:
        self.seen.append(sighting)

    def close(self) -> None:
        pass


def test_a_visit_heard_only_over_avr_stores_and_shows_no_level(
        avr_batches: list[FrameBatch], tmp_path: Path) -> None:
    """Through the station's decoding into the store, the sighting and the table: the
    visit's level is unknown (NULL, left out, an empty cell), never -180 dBFS."""
    watchlist = Watchlist(parse_watchlist("4d2023 AMC\n", "watchlist"))
    station = hand_station(SourceInfo("peer", "avr", 0, live=True), watchlist=watchlist)
    store = open_recorder(str(tmp_path / "net.db"), warn=print)
    station.add(RecordingConsumer(store, station.stats, SessionRow(
        id=1, started=0.0, last_seen=0.0, source="peer", live=True, rate=0),
        lambda: (0, 0, None)))
    sightings = Sightings()
    station.add(sightings)
    for b in avr_batches:
        feed(station, b)
    tracker = station.tracker
    assert tracker is not None
    rows = aircraft_rows(tracker.all_aircraft(), watchlist, None)
    station.close()
    assert [s.aircraft.icao for s in sightings.seen] == [AMC421]
    assert sightings.seen[0].as_dict()["signal_dbfs"] is None
    line = sighting_line(sightings.seen[0])
    assert line.startswith("SIGHTING 4D2023 (AMC)") and "dBFS" not in line, line
    [row] = rows
    assert row.icao == "4D2023" and row.messages == 2 and row.dbfs is None
    assert cell_texts(row, with_place=False)[-2] == ""  # the dBFS column
    with sqlite3.connect(tmp_path / "net.db") as conn:
        assert conn.execute("SELECT icao, messages, max_dbfs FROM visits").fetchall() == [
            (AMC421, 2, None)]


KNOWN = 0.25  # -12.0 dBFS


class Mixed:
    """A dongle's or Beast peer's frame (level KNOWN) beside an AVR one (no level), and
    the AVR one alone; on the sample clock from 0, a second's block."""

    def __init__(self, avr_batch: FrameBatch) -> None:
        b = avr_batch
        ticks = np.arange(len(b), dtype=np.int64)
        self.both = FrameBatch(b.msg, ticks, np.array([KNOWN, np.nan], np.float32), b.fixed,
                               12_000_000)
        self.unknown_only = FrameBatch(b.msg[1:], ticks[1:] + 12_000_000, b.level[1:],
                                       b.fixed[1:], 24_000_000)


@pytest.fixture()
def mixed(avr_batches: list[FrameBatch]) -> Mixed:
    return Mixed(frames_of(avr_batches))


def test_the_footer_peak_is_of_the_frames_with_a_level(mixed: Mixed) -> None:
    station = hand_station()
    footer = Footer(station)
    feed(station, mixed.both)
    assert f"peak {20 * math.log10(KNOWN):.1f} dBFS" in footer.text()
    only = hand_station()
    feed(only, mixed.unknown_only)
    assert "peak" not in Footer(only).text()


def test_the_stats_line_peak_is_of_the_frames_with_a_level(mixed: Mixed) -> None:
    tick = Tick(1.0, 1.0, live=True)
    station = hand_station()
    line = StatsLine(station, 60.0, clock=lambda: 0.0, out=io.StringIO())
    line.on_tick(tick)
    feed(station, mixed.both)
    assert "peak -12.0 dBFS" in line.line(1.0, tick)
    alone = hand_station()
    alone_line = StatsLine(alone, 60.0, clock=lambda: 0.0, out=io.StringIO())
    alone_line.on_tick(tick)
    feed(alone, mixed.unknown_only)
    assert "peak ?" in alone_line.line(1.0, tick)


def test_stats_json_signal_is_of_the_frames_with_a_level(mixed: Mixed) -> None:
    station = hand_station()
    feed(station, mixed.both)
    latest = stats_json(station.stats, None)["latest"]
    assert latest["messages"] == 2
    assert latest["local"]["signal"] == latest["local"]["peak_signal"] == -12.0
    none = hand_station()
    feed(none, mixed.unknown_only)
    local = stats_json(none.stats, None)["latest"]["local"]
    assert "signal" not in local and "peak_signal" not in local


def test_the_minutes_level_histogram_leaves_unknown_levels_out(mixed: Mixed,
                                                               tmp_path: Path) -> None:
    station = hand_station()
    with open_recorder(str(tmp_path / "minutes.db"), warn=print) as store:
        station.add(RecordingConsumer(store, station.stats, SessionRow(
            id=1, started=0.0, last_seen=0.0, source="peer", live=True, rate=0),
            lambda: (0, 0, None)))
        feed(station, mixed.both)
        feed(station, mixed.unknown_only)
        station.close()
    with sqlite3.connect(tmp_path / "minutes.db") as conn:
        [(frames, levels, max_dbfs)] = conn.execute(
            "SELECT frames, levels, max_dbfs FROM minutes").fetchall()
    assert (frames, json.loads(levels), max_dbfs) == (3, {"-13": 1}, -12.04)


def test_beast_out_marks_an_unknown_level_with_signal_byte_zero(mixed: Mixed) -> None:
    """0 is "no level" in Beast (dump1090-fa writes it for frames it has none for), by
    intent: a NaN cast to a byte is undefined (numpy warns; a platform may give 255)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        records = BeastParser().feed(beast_bytes(mixed.both))
    assert [r.signal for r in records] == [round(KNOWN * 255), 0]


def test_aircraft_json_rssi_leaves_unknown_levels_out() -> None:
    tracker = Tracker()
    tracker.update(1.0, decode(DF11), float("nan"))
    [entry] = aircraft_json(tracker.aircraft.values(), 1.0, 1)["aircraft"]
    assert "rssi" not in entry
    tracker.update(1.0, decode(DF11), KNOWN ** 2)
    [entry] = aircraft_json(tracker.aircraft.values(), 1.0, 2)["aircraft"]
    assert entry["rssi"] == -12.0


# ---------------------------------------------------------------------- the whole command


def test_live_net_connect_interactive_shows_the_peer_and_quits_committed(
        tmp_path: Path) -> None:
    """`adsbwatch live --net-connect HOST:PORT:avr --interactive` on a terminal: the
    peer's frames make AMC421's row, the footer says the peer's rate (no MS/s), q
    quits, the store has the visit and the session's end; "connected" is no warning."""
    lines = [avr(DF17_IDENT), avr(DF11)] * 400

    def send(conn) -> None:  # type: ignore[no-untyped-def]
        for line in lines:  # a decoder forwarding live: a few frames a second
            conn.sendall(line)
            time.sleep(0.05)

    peer = ByteServer(sender=send, linger_s=30)
    watchlist = tmp_path / "watch.txt"
    watchlist.write_text("4d2023 AMC\n")
    db = tmp_path / "live.db"
    try:
        rc, text = run_in_pty(
            ["live", "--net-connect", f"127.0.0.1:{peer.port}:avr", "--stats-every", "0",
             "--watchlist", str(watchlist), "--db", str(db), "--interactive"],
            until=" frames/s | refused 0", then=b"q", timeout_s=90)
    finally:
        peer.close()
    screen = plain(text)
    assert rc == 0, screen
    assert re.search(rf"127\.0\.0\.1:{peer.port} \(avr\) \d+ frames/s \| refused 0, "
                     r"duplicates 0, dropped 0 frames \| \d+ frames \| 1 aircraft", screen), \
        screen
    # No -180 dBFS level for the peer's frames (a level-less frame): "-180" standing as a
    # value, not inside the temp folder's name (pytest-180 once matched).
    assert "MS/s" not in screen and not re.search(r"(?<![\w-])-180\b", screen)
    assert "4D2023" in screen and "AMC421" in screen
    assert f"adsbwatch: 127.0.0.1:{peer.port} (avr): connected" in screen
    assert "warning: 127.0.0.1" not in screen
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT icao, callsigns, max_dbfs FROM visits").fetchall() == [
            (AMC421, "AMC421", None)]
        assert conn.execute("SELECT live, ended IS NOT NULL FROM sessions").fetchall() == [
            (1, 1)]


def test_live_net_connect_interactive_with_no_peer_says_so_and_stops_on_sigterm(
        tmp_path: Path) -> None:
    """Nothing listens where --net-connect points: the footer says "not connected", the
    warning goes to the app's log, SIGTERM ends the run as without the view (143)
    with the session closed in the store."""
    port = free_port()
    db = tmp_path / "none.db"
    rc, text = run_in_pty(["live", "--net-connect", f"127.0.0.1:{port}", "--stats-every",
                           "0", "--db", str(db), "--interactive"],
                          until="(beast) not connected | refused 0", then=signal.SIGTERM,
                          timeout_s=60)
    screen = plain(text)
    assert rc == 143, screen
    assert f"adsbwatch: warning: 127.0.0.1:{port} (beast): cannot connect" in screen
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT live, ended IS NOT NULL FROM sessions").fetchall() == [
            (1, 1)]
