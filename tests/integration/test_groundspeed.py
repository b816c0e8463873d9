"""Issue 14, fault 3: ground speed as readsb decodes the same frames, within 0.5 kt, for
every aircraft of the bundled sample, in aircraft.json, in SBS and in the stored points.

readsb's decode, worked out here from the frames by the format (DO-260B): airborne
velocity (TC 19 subtypes 1, 2) is the length of the east and north components, a float
(readsb writes gs with one decimal; pyModeS and dump1090-mutability 1.15 truncate it to
the knot); surface movement (TC 5-8) is the middle of the code's range (readsb's and
dump1090-fa's table; pyModeS gives its lower edge, up to 2.5 kt slower)."""

from __future__ import annotations

import bisect
import json
import math
import sqlite3
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from frames_support import demodulate_file
from support import REPO, run_adsbwatch

from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.receiver.outputs.net.sbs import sbs_line

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
TRUTH = json.loads((REPO / "samples" / "airport_2400k.truth.json").read_text())
T0 = datetime.fromisoformat(TRUTH["start_time"].replace("Z", "+00:00")).timestamp()
RECEIVER = (TRUTH["receiver"]["lat"], TRUTH["receiver"]["lon"])
# Surface movement bands: (first code, lower edge in kt, width in kt), DO-260B 2.2.3.2.4.2.
BANDS = ((109, 100.0, 5.0), (94, 70.0, 2.0), (39, 15.0, 1.0), (13, 2.0, 0.5), (9, 1.0, 0.25),
         (3, 0.125, 0.875 / 6), (2, 0.0, 0.125))


def readsb_groundspeed(frame: bytes) -> float | None:
    """The ground speed readsb gives an extended squitter; None: it carries none."""
    if frame[0] >> 3 not in (17, 18):
        return None
    me = int.from_bytes(frame[4:11], "big")
    tc = me >> 51
    if tc == 19 and (me >> 48) & 7 in (1, 2):
        ew, ns = (me >> 32) & 0x3FF, (me >> 21) & 0x3FF
        if not ew or not ns:
            return None
        scale = 4 if (me >> 48) & 7 == 2 else 1
        return math.hypot((ew - 1) * scale, (ns - 1) * scale)
    if 5 <= tc <= 8:
        movement = (me >> 44) & 0x7F
        if movement == 1:
            return 0.0
        if movement == 124:
            return 180.0  # "more than 175 kt": readsb picks 180
        for first, lower, width in BANDS:
            if movement >= first and movement < 124:
                return lower + (movement - first + 0.5) * width
    return None


@pytest.fixture(scope="module")
def heard() -> dict[int, list[tuple[float, float]]]:
    """Each aircraft's (time, readsb's ground speed) of every frame that carries one."""
    found = demodulate_file(SAMPLE)
    speeds: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for frame, tick in zip(found.frames, found.ticks, strict=True):
        gs = readsb_groundspeed(frame)
        if gs is not None:
            speeds[int.from_bytes(frame[1:4], "big")].append((T0 + tick / CLOCK_HZ, gs))
    assert len(speeds) == len(TRUTH["aircraft"])  # every aircraft sends a speed
    return speeds


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gs")
    result = run_adsbwatch("replay", str(SAMPLE), "--record-all", "--db", str(out / "s.db"),
                           "--write-json", str(out), "--lat", str(RECEIVER[0]), "--lon",
                           str(RECEIVER[1]), "--start-time", TRUTH["start_time"])
    assert result.returncode == 0, result.stderr
    return out


def test_aircraft_json_gives_readsbs_ground_speed(heard, replayed: Path) -> None:
    aircraft = json.loads((replayed / "aircraft.json").read_text())["aircraft"]
    shown = {int(a["hex"], 16): a["gs"] for a in aircraft if "gs" in a}
    assert set(shown) == set(heard)
    for icao, speeds in heard.items():
        assert abs(shown[icao] - speeds[-1][1]) <= 0.5, (hex(icao), shown[icao], speeds[-1])


def test_stored_points_give_readsbs_ground_speed(heard, replayed: Path) -> None:
    """Each point carries the speed last heard at its time (a surface position its own)."""
    with sqlite3.connect(replayed / "s.db") as conn:
        points = conn.execute("SELECT v.icao, p.t, p.gs FROM track_points p JOIN visits v "
                              "ON v.id = p.visit_id WHERE p.gs IS NOT NULL").fetchall()
    assert {icao for icao, _, _ in points} == set(heard)
    for icao, t, gs in points:
        speeds = heard[icao]
        last = bisect.bisect_right([s for s, _ in speeds], t + 1e-6) - 1
        assert last >= 0 and abs(gs - speeds[last][1]) <= 0.5, (hex(icao), t, gs)


def test_sbs_lines_give_readsbs_ground_speed() -> None:
    """Every MSG,2 and MSG,4 line: the speed written to the knot ("%.0f"), so within 0.5
    kt of readsb's."""
    found = demodulate_file(SAMPLE)
    tracker = Tracker()
    checked = 0
    for frame, tick in zip(found.frames, found.ticks, strict=True):
        update = tracker.update(T0 + tick / CLOCK_HZ, decode(frame), 0.1)
        line = sbs_line(update, T0)
        gs = readsb_groundspeed(frame)
        if line is None or gs is None:
            continue
        fields = line.split(",")
        assert fields[1] in ("2", "4") and abs(float(fields[12]) - gs) <= 0.5, (line, gs)
        checked += 1
    assert checked == 14  # the sample's 12 velocity and 2 surface position messages
