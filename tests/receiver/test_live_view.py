"""The live view: the aircraft table redrawn on a terminal (read here through a pty, as a
person's terminal would show it), its stats footer, distance and bearing columns."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from pty_support import plain, run_in_pty
from station_support import RATE, Ticks, feed, frames_batch, hand_station
from support import REPO

from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.decoder.sim import encode
from adsbwatch.receiver.ui.footer import Footer
from adsbwatch.receiver.ui.live import run_table, run_title
from adsbwatch.receiver.ui.rows import bearing_deg

M = 1000 * 60.0  # a minute's start (UNIX seconds)

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
TRUTH = json.loads((REPO / "samples" / "airport_2400k.truth.json").read_text())
RECEIVER = (TRUTH["receiver"]["lat"], TRUTH["receiver"]["lon"])


def truth_km(lat: float, lon: float) -> float:
    """Haversine on a sphere of the Earth's mean radius, written here on its own."""
    r = 6371.0
    la1, la2 = math.radians(RECEIVER[0]), math.radians(lat)
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin(math.radians(lon - RECEIVER[1]) / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(h))


def flat_bearing(lat: float, lon: float) -> float:
    """East and north on a local flat map: good to a fraction of a degree this near."""
    east = (lon - RECEIVER[1]) * math.cos(math.radians((lat + RECEIVER[0]) / 2))
    north = lat - RECEIVER[0]
    return math.degrees(math.atan2(east, north)) % 360


def last_truth_positions() -> dict[str, dict]:
    last: dict[str, dict] = {}
    for p in sorted(TRUTH["positions"], key=lambda p: p["t"]):
        last[p["icao"]] = p
    return last


def test_bearings_are_clockwise_from_north() -> None:
    assert bearing_deg(0, 0, 1, 0) == pytest.approx(0)
    assert bearing_deg(0, 0, 0, 1) == pytest.approx(90)
    assert bearing_deg(0, 0, -1, 0) == pytest.approx(180)
    assert bearing_deg(0, 0, 0, -1) == pytest.approx(270)
    # On the sphere from (0, 0) to (1°N, 1°E): tan(bearing) = cos(1°), a hair under 45°.
    assert bearing_deg(0, 0, 1, 1) == pytest.approx(math.degrees(math.atan(math.cos(
        math.radians(1)))), abs=1e-9)
    assert bearing_deg(0, 0, 1, 1) < 45


def test_the_live_footer_says_rate_frames_noise_peak_gain_and_drops() -> None:
    now = [100.0]
    station = hand_station(start=M, gain_db=49.6)
    footer = Footer(station, clock=lambda: now[0])
    station.add(Ticks(footer))
    station.totals.samples = 1_000_000
    # The noise is the mean power of the current minute's samples (dump1090-fa's), no
    # longer the median magnitude of the blocks: 10^-3.4 of full scale is -34.0 dBFS.
    feed(station, frames_batch([(0.1, encode.all_call_reply(1), 0.5),
                                (0.2, encode.all_call_reply(2), 0.25)], 0.5,
                               10 ** -3.4, 1_000_000))
    now[0] += 2.0
    station.totals.samples += 4_800_000
    station.totals.dropped_samples = 1200
    feed(station, frames_batch([(1.0, encode.all_call_reply(3), 0.1)], 2.5, 10 ** -3.4,
                               4_800_000))
    # Aircraft: the tracker's heard in the last minute.
    assert footer.text() == (
        "2.40 MS/s | 3 frames | 3 aircraft | noise -34.0 dBFS | peak -6.0 dBFS | "
        "gain 49.6 dB | dropped 1200 samples")
    # The peak is of the minute under way (the statistics' minutes; it was the last ten
    # seconds): in the next minute the 0.5 frame has left it, a 0.1 one (-20 dBFS) stays.
    now[0] += 60.0
    feed(station, frames_batch([(61.0, encode.all_call_reply(3), 0.1)], 62.0, 10 ** -3.4,
                               RATE))
    assert "peak -20.0 dBFS" in footer.text()


def screen_lines(text: str) -> list[str]:
    return [plain(line).rstrip() for line in re.split(r"\r?\n|\r", text)]


@pytest.fixture(scope="module")
def shown() -> list[str]:
    rc, text = run_in_pty(["replay", str(SAMPLE),
                         "--watchlist", str(WATCHLIST), "--lat", str(RECEIVER[0]),
                         "--lon", str(RECEIVER[1]), "--start-time", TRUTH["start_time"],
                         "--no-db"], cols=160, rows=50)
    assert rc == 0, text
    return screen_lines(text)


def last_line_with(lines: list[str], word: str) -> str:
    found = [line for line in lines if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", line)]
    assert found, f"{word} not on the screen"
    return found[-1]


TAIL = re.compile(r"(?P<position>\d+\.\d{3},-?\d+\.\d{3})\s+(?P<km>\d+\.\d)\s+(?P<brg>\d+)"
                  r"\s+(?P<msgs>\d+)\s+(?P<dbfs>-?\d+\.\d)(?P<watched>.*)$")


def row_tail(line: str) -> dict[str, str]:
    """The row's cells from the position on."""
    found = TAIL.search(line)
    assert found, line
    return {k: v.strip() for k, v in found.groupdict().items()}


def test_the_terminal_shows_every_aircraft_with_its_distance_and_bearing(
        shown: list[str]) -> None:
    header = last_line_with(shown, "ICAO").split()
    # the database's columns (here the built-in country) after the callsign, when wide
    assert header[:4] == ["ICAO", "callsign", "ctry", "sqwk"] and "km" in header \
        and "brg" in header
    last = last_truth_positions()
    for aircraft in TRUTH["aircraft"]:
        line = last_line_with(shown, aircraft["callsign"])
        assert line.split()[0] == aircraft["icao"]
        where = last[aircraft["icao"]]
        tail = row_tail(line)
        km, brg = tail["km"], tail["brg"]
        assert float(km) == pytest.approx(truth_km(where["lat"], where["lon"]), abs=0.11), line
        assert abs((int(brg) - flat_bearing(where["lat"], where["lon"]) + 180) % 360 - 180) \
            <= 1.5, line


def test_the_watched_aircraft_shows_its_label(shown: list[str]) -> None:
    watched = next(a for a in TRUTH["aircraft"] if a["watched"])
    label = row_tail(last_line_with(shown, watched["callsign"]))["watched"]
    assert label.startswith("Dutch government Boeing 737")  # cut to the column's width
    assert row_tail(last_line_with(shown, "KLM87W"))["watched"] == ""


def test_the_footer_shows_the_run(shown: list[str]) -> None:
    footer = last_line_with(shown, "replay 100%")
    assert footer.startswith("replay 100% | ")
    assert f" | {TRUTH['frames']} frames | {len(TRUTH['aircraft'])} aircraft | " in footer
    # The noise: the mean power of the recording's samples in dBFS (dump1090-fa's; it
    # was the median magnitude), worked out here from the file.
    iq = (np.fromfile(SAMPLE, np.uint8).astype(np.float64) - 127.5) / 127.5
    mean_power = float(np.mean(iq[0::2] ** 2 + iq[1::2] ** 2))
    noise = float(re.search(r"noise (-\d+\.\d) dBFS", footer).group(1))
    assert noise == pytest.approx(10 * math.log10(mean_power), abs=0.1)
    # The peak: the strongest frame of the run. The table's dBFS column is each
    # aircraft's mean power of its last 8 frames now (dump1090-fa's rssi), so at most
    # the peak; the simulator sends each aircraft at one level: within a dB of it.
    peak = float(re.search(r"peak (-?\d+\.\d) dBFS", footer).group(1))
    levels = [float(row_tail(last_line_with(shown, a["callsign"]))["dbfs"])
              for a in TRUTH["aircraft"]]
    assert max(levels) <= peak < max(levels) + 1.0


def test_the_table_lists_at_most_the_trackers_bound() -> None:
    """A long run hears more aircraft than the table keeps: of the ones in the tracker
    and the departed ones it remembers (newest first), at most TrackerConfig's
    departed_kept rows, and the title says how many more it leaves out; never every
    aircraft ever heard."""
    station = hand_station(start=M)
    tracker = station.tracker
    assert tracker is not None
    kept = tracker.config.departed_kept
    early = [(0.001 * i, encode.all_call_reply(0x100000 + i), 0.1) for i in range(kept + 100)]
    feed(station, frames_batch(early, 1.0))
    late = [(100.0 + 0.01 * i, encode.all_call_reply(0x200000 + i), 0.1) for i in range(10)]
    feed(station, frames_batch(late, 101.0))  # the early ones went silent 60 s ago
    table = run_table(station, Watchlist([]))
    assert table.row_count == kept
    assert str(table.title).endswith("(10 more not shown)")
    shown = {row for row in table.columns[0].cells}
    assert {f"{0x200000 + i:06X}" for i in range(10)} <= shown  # the ones heard now
    # The newest of the departed are remembered: the first 100 heard are gone.
    assert f"{0x100000 + kept + 99:06X}" in shown and f"{0x100000:06X}" not in shown
    assert run_title(station).startswith(f"{kept + 10} aircraft, ")
