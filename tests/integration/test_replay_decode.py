"""`adsbwatch replay` decoding into aircraft and the store, checked against ground truth:
the bundled airport sample (simulated, with its truth JSON) and the real modes1 capture."""

from __future__ import annotations

import io
import json
import shlex
import sqlite3
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from frames_support import demodulate_file

from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.geo import distance_km
from adsbwatch.decoder.messages.watchlist import parse_watchlist
from adsbwatch.decoder.sim.scene import parse_truth, truth_position
from adsbwatch.receiver.cli.main import main
from adsbwatch.receiver.store.opening import open_history

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
TRUTH = parse_truth((REPO / "samples" / "airport_2400k.truth.json").read_text())
START = TRUTH["start_time"]
START_EPOCH = datetime.fromisoformat(START).timestamp()
RECEIVER = ["--lat", str(TRUTH["receiver"]["lat"]), "--lon", str(TRUTH["receiver"]["lon"])]
TRUTH_ICAOS = {int(a["icao"], 16) for a in TRUTH["aircraft"]}
CALLSIGN = {int(a["icao"], 16): a["callsign"] for a in TRUTH["aircraft"]}
WATCHED = next(a for a in TRUTH["aircraft"] if a["watched"])
WATCHED_ICAO = int(WATCHED["icao"], 16)
WATCHED_LABEL = next(e.label for e in parse_watchlist(WATCHLIST.read_text(), str(WATCHLIST))
                     if e.lo == e.hi == WATCHED_ICAO)


@dataclass
class Run:
    rc: int
    out: str
    err: str
    db: Path


def replay(db: Path, *args: str, source: Path = SAMPLE, start: str = START) -> Run:
    """`adsbwatch replay` in this process, its stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(["replay", str(source), "--start-time", start, "--db", str(db), *args])
    return Run(rc, out.getvalue(), err.getvalue(), db)


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def points_by_icao(db: Path) -> dict[int, list[tuple[float, float, float]]]:
    """(t, lat, lon) of every stored track point, per aircraft, in time order."""
    found: dict[int, list[tuple[float, float, float]]] = {}
    for icao, t, lat, lon in rows(db, "SELECT v.icao, p.t, p.lat, p.lon FROM track_points p "
                                      "JOIN visits v ON v.id = p.visit_id ORDER BY p.t, p.rowid"):
        found.setdefault(icao, []).append((t, lat, lon))
    return found


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The sample with the watchlist, receiver position and --record-all (run once)."""
    folder = tmp_path_factory.mktemp("sample-run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(folder / "xdg"))  # never the user's store
        run = replay(folder / "all.db", "--watchlist", str(WATCHLIST), *RECEIVER,
                     "--record-all")
    assert run.rc == 0, run.err
    return run


# ------------------------------------------------------------------------------ the sample

def test_every_truth_aircraft_has_a_visit_with_its_callsign(sample_run: Run) -> None:
    with open_history(str(sample_run.db)) as history:
        visits = history.sightings()
        events = {v.icao: history.events(v.id) for v in visits}
    callsigns = {v.icao: v.callsigns.split() for v in visits}
    for icao, callsign in CALLSIGN.items():
        assert callsign in callsigns.get(icao, []), f"{icao:06X} {callsign}"
        # the callsign was also recorded as an event of the visit
        assert ("callsign", callsign) in {(e.kind, e.value) for e in events[icao]}


def test_every_track_point_is_within_100_m_of_the_truth(sample_run: Run) -> None:
    points = points_by_icao(sample_run.db)
    assert set(points) == TRUTH_ICAOS  # every aircraft sent positions in the sample
    for icao, track in points.items():
        for t, lat, lon in track:
            truth = truth_position(TRUTH, icao, t - START_EPOCH)
            assert truth is not None
            miss_m = 1000 * distance_km(lat, lon, truth[0], truth[1])
            assert miss_m <= 100, f"{icao:06X} at +{t - START_EPOCH:.4f} s is {miss_m:.0f} m off"
    # the store holds as many positions as the truth has (16), none invented
    assert sum(len(track) for track in points.values()) == len(TRUTH["positions"])


def test_the_watched_aircraft_is_recorded_as_watched_with_its_label(sample_run: Run) -> None:
    watched = rows(sample_run.db, "SELECT icao, label FROM visits WHERE watched = 1")
    assert watched == [(WATCHED_ICAO, WATCHED_LABEL)]
    with open_history(str(sample_run.db)) as history:
        assert len(history.track(WATCHED_ICAO)) >= 2
    # the others are recorded (--record-all) without a label
    assert rows(sample_run.db, "SELECT count(*), count(label) FROM visits WHERE watched = 0") \
        == [(len(TRUTH_ICAOS) - 1, 0)]


def test_no_visit_of_an_aircraft_that_is_not_in_the_truth(sample_run: Run) -> None:
    icaos = [icao for (icao,) in rows(sample_run.db, "SELECT icao FROM visits")]
    assert set(icaos) <= TRUTH_ICAOS
    assert len(icaos) == len(TRUTH_ICAOS)  # one visit each: a 1 s recording


def test_output_has_the_sighting_and_the_table_and_the_db_is_sound(sample_run: Run) -> None:
    lines = sample_run.out.splitlines()
    sightings = [line for line in lines if line.startswith("SIGHTING")]
    assert len(sightings) == 1
    assert sightings[0].startswith(f"SIGHTING {WATCHED['icao']} ({WATCHED_LABEL})")
    for a in TRUTH["aircraft"]:
        assert any(a["icao"] in line and a["callsign"] in line for line in lines), a
    assert rows(sample_run.db, "PRAGMA integrity_check") == [("ok",)]


def test_without_record_all_only_the_watched_aircraft_is_stored(tmp_path: Path,
                                                                sample_run: Run) -> None:
    run = replay(tmp_path / "watched.db", "--watchlist", str(WATCHLIST), *RECEIVER)
    assert run.rc == 0, run.err
    visits = rows(run.db, "SELECT icao, watched, label, callsigns FROM visits")
    assert visits == [(WATCHED_ICAO, 1, WATCHED_LABEL, WATCHED["callsign"])]
    stored = points_by_icao(run.db)
    assert set(stored) == {WATCHED_ICAO}
    # the same points as when every aircraft is recorded
    assert stored[WATCHED_ICAO] == points_by_icao(sample_run.db)[WATCHED_ICAO]
    # the others were still decoded and shown, just not stored
    assert all(a["callsign"] in run.out for a in TRUTH["aircraft"])


# ------------------------------------------------------------------------------ --on-sighting

NOTIFIER = """\
import json, os, sys
from pathlib import Path
out = Path(sys.argv[0]).with_name("sighting.json")
out.write_text(json.dumps({"stdin": sys.stdin.read(),
                           "env": {k: os.environ.get("ADSBWATCH_" + k)
                                   for k in ("ICAO", "LABEL", "CALLSIGN")}}))
"""


def _notifier(folder: Path) -> tuple[str, Path]:
    """The --on-sighting command (a path with a space, quoted) and where it writes."""
    folder.mkdir()
    script = folder / "notify.py"
    script.write_text(NOTIFIER)
    return shlex.join([sys.executable, str(script)]), folder / "sighting.json"


def test_on_sighting_gets_the_sighting_as_json_and_in_its_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    command, written = _notifier(tmp_path / "on sighting")
    monkeypatch.chdir(tmp_path)
    run = replay(tmp_path / "a.db", "--watchlist", str(WATCHLIST), *RECEIVER,
                 "--on-sighting", command)
    assert run.rc == 0, run.err
    got = json.loads(written.read_text())  # the command was waited for before exit
    sighting = json.loads(got["stdin"])
    assert sighting["icao"] == WATCHED["icao"].lower() == "484506"
    assert sighting["label"] == WATCHED_LABEL
    assert got["env"]["ICAO"] == "484506"
    assert got["env"]["LABEL"] == WATCHED_LABEL
    assert sighting["time"] == pytest.approx(
        rows(run.db, "SELECT first_seen FROM visits WHERE icao = ?", (WATCHED_ICAO,))[0][0])


def test_on_sighting_passes_a_label_with_shell_syntax_literally(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    label = "x; touch PWNED $(touch PWNED2) `touch PWNED3`"
    watchlist = tmp_path / "evil.txt"
    watchlist.write_text(f"{WATCHED['icao']} {label}\n")
    command, written = _notifier(tmp_path / "notifier")
    monkeypatch.chdir(tmp_path)
    run = replay(tmp_path / "a.db", "--watchlist", str(watchlist), *RECEIVER,
                 "--on-sighting", command)
    assert run.rc == 0, run.err
    got = json.loads(written.read_text())
    assert got["env"]["LABEL"] == label
    assert json.loads(got["stdin"])["label"] == label
    assert not list(tmp_path.rglob("PWNED*"))  # no shell ever ran the label


# ------------------------------------------------------------------------------ modes1

MODES1_CENTRE = (37.0, 13.8)


@pytest.mark.parametrize("name, rate", [("modes1_cu8_2000k.bin", ["--rate", "2.0M"]),
                                        ("modes1_resampled_cu8_2400k.bin", [])])
def test_modes1_records_amc421_on_a_plausible_track(recordings: Path, tmp_path: Path,
                                                    name: str, rate: list[str]) -> None:
    watchlist = tmp_path / "w.txt"
    watchlist.write_text("4d2023 AMC\n")
    run = replay(tmp_path / "m.db", *rate, "--watchlist", str(watchlist), "--record-all",
                 source=recordings / name)
    assert run.rc == 0, run.err
    visits = rows(run.db, "SELECT icao, watched, label, callsigns FROM visits")
    assert visits == [(0x4D2023, 1, "AMC", "AMC421")]  # one real aircraft, nothing invented
    track = points_by_icao(run.db)[0x4D2023]
    assert len(track) >= 50  # ~95 positions decode; a loose floor that still means "most"
    for _, lat, lon in track:
        assert distance_km(lat, lon, *MODES1_CENTRE) <= 60
    for (_, lat1, lon1), (_, lat2, lon2) in zip(track, track[1:], strict=False):
        assert distance_km(lat1, lon1, lat2, lon2) <= 10


# ------------------------------------------------------------------------------ runs and time

def test_replaying_twice_into_one_db_rewrites_the_same_visit(tmp_path: Path) -> None:
    db = tmp_path / "twice.db"
    args = ("--watchlist", str(WATCHLIST), *RECEIVER)
    assert replay(db, *args).rc == 0
    once = rows(db, "SELECT icao, first_seen, last_seen, callsigns, messages FROM visits")
    once_points = points_by_icao(db)[WATCHED_ICAO]
    assert replay(db, *args).rc == 0
    visits = rows(db, "SELECT icao, first_seen, last_seen, callsigns, messages FROM visits")
    # A visit's id comes from its aircraft and first time: the second run rewrites the
    # same rows, so the history and the track exports do not hold the pass twice.
    assert len(once) == 1 and visits == once
    assert rows(db, "SELECT count(DISTINCT id) FROM visits") == [(1,)]
    assert points_by_icao(db)[WATCHED_ICAO] == once_points


def _first_frame_offsets(source: Path) -> dict[int, float]:
    """Seconds from the recording's start to each aircraft's first DF11/17/18 frame,
    straight from the demodulator's sample clock."""
    first: dict[int, float] = {}
    found = demodulate_file(source)
    for frame, ticks in zip(found.frames, found.ticks, strict=True):
        if frame[0] >> 3 in (11, 17, 18):
            first.setdefault(int.from_bytes(frame[1:4], "big"), ticks / CLOCK_HZ)
    return first


def test_visit_times_come_from_the_sample_clock(tmp_path: Path) -> None:
    start = "2020-01-01T00:00:00Z"
    run = replay(tmp_path / "t.db", *RECEIVER, "--record-all", start=start)
    assert run.rc == 0, run.err
    start_epoch = datetime.fromisoformat(start).timestamp()
    offsets = _first_frame_offsets(SAMPLE)
    visits = rows(run.db, "SELECT icao, first_seen, last_seen FROM visits")
    assert {icao for icao, _, _ in visits} == TRUTH_ICAOS
    for icao, first_seen, last_seen in visits:
        assert datetime.fromtimestamp(first_seen, UTC).year == 2020
        assert first_seen == pytest.approx(start_epoch + offsets[icao], abs=1e-3)
        # the whole visit lies inside the 1 s recording, however long the replay took
        assert start_epoch <= first_seen <= last_seen <= start_epoch + TRUTH["duration_s"]
    for track in points_by_icao(run.db).values():
        assert all(start_epoch <= t <= start_epoch + TRUTH["duration_s"] for t, _, _ in track)


def test_sighting_wait_zero_alerts_on_the_first_message(tmp_path: Path) -> None:
    """Without the wait the alert cannot know the callsign yet: the sample's watched
    aircraft identifies itself 0.35 s after its first message."""
    run = replay(tmp_path / "w0.db", "--watchlist", str(WATCHLIST), *RECEIVER,
                 "--sighting-wait", "0")
    assert run.rc == 0, run.err
    (line,) = [x for x in run.out.splitlines() if x.startswith("SIGHTING")]
    assert line.startswith(f"SIGHTING {WATCHED_ICAO:06X}") and "NAF01" not in line
    waited = replay(tmp_path / "w10.db", "--watchlist", str(WATCHLIST), *RECEIVER)
    (line,) = [x for x in waited.out.splitlines() if x.startswith("SIGHTING")]
    assert "callsign NAF01" in line


def test_sigmf_recording_carries_its_time_and_place(tmp_path: Path) -> None:
    """The same sample as a SigMF pair: its datetime and geolocation stand in for
    --start-time and --lat/--lon, and the store gets the same visits and tracks."""
    data = tmp_path / "airport.sigmf-data"
    data.write_bytes(SAMPLE.read_bytes())
    (tmp_path / "airport.sigmf-meta").write_text(json.dumps({
        "global": {"core:datatype": "cu8", "core:sample_rate": 2400000,
                   "core:version": "1.0.0",
                   "core:geolocation": {"type": "Point", "coordinates": [
                       TRUTH["receiver"]["lon"], TRUTH["receiver"]["lat"]]}},
        "captures": [{"core:sample_start": 0, "core:datetime": START}],
        "annotations": []}))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(["replay", str(tmp_path / "airport.sigmf-meta"), "--record-all",
                   "--db", str(tmp_path / "sigmf.db")])
    plain = replay(tmp_path / "plain.db", *RECEIVER, "--record-all")
    assert rc == plain.rc == 0, err.getvalue()
    query = "SELECT icao, first_seen, callsigns, closest_km FROM visits ORDER BY icao"
    assert rows(tmp_path / "sigmf.db", query) == rows(tmp_path / "plain.db", query)
    assert points_by_icao(tmp_path / "sigmf.db") == points_by_icao(tmp_path / "plain.db")


def test_simulated_sigmf_replays_with_its_own_time_and_place(tmp_path: Path) -> None:
    out = tmp_path / "scene.sigmf-data"
    with redirect_stderr(io.StringIO()):
        assert main(["simulate", str(out), "--duration", "1.5", "--seed", "3",
                     "--start-time", "2024-02-29T12:00:00Z"]) == 0
    meta = json.loads((tmp_path / "scene.sigmf-meta").read_text())
    assert meta["global"]["core:datatype"] == "cu8"
    assert meta["captures"][0]["core:datetime"] == "2024-02-29T12:00:00.000Z"
    out_text, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out_text), redirect_stderr(err):
        rc = main(["replay", str(tmp_path / "scene.sigmf-meta"), "--db", str(tmp_path / "s.db"),
                   "--watchlist", str(tmp_path / "scene.watchlist.txt"), "--record-all"])
    assert rc == 0, err.getvalue()
    start = datetime(2024, 2, 29, 12, tzinfo=UTC).timestamp()
    firsts = [t for (t,) in rows(tmp_path / "s.db", "SELECT first_seen FROM visits")]
    assert firsts and all(start <= t < start + 1.5 for t in firsts)
    # the receiver position came from the metadata: closest distances are known
    assert all(km is not None for (km,) in rows(tmp_path / "s.db",
                                                "SELECT closest_km FROM visits WHERE watched"))
