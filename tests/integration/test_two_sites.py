"""Two stations, one PostgreSQL store (issue 18's first two bars): the airport scene as
heard at two receivers 9 km apart, each recording holding frames the other lost, replayed
by two `adsbwatch replay --site --record-all` processes at the same time. One visit of the
watched aircraft, points from both sites, no position stored twice within 2 s,
`sightings --site` tells the sites apart, and one --on-sighting alert in all; kill -9 of
one station loses at most its last second."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from store_support import integrity, raw_rows
from support import adsbwatch_command, checkout_env
from test_durability import NOISE_CHUNK, Feeder

from adsbwatch.decoder.sim import scene as sc
from adsbwatch.receiver.cli.simulate import write_recording

RATE = 2_400_000
DURATION_S = 10.0
SCENE = sc.airport_scene()
WATCHED = 0x484506  # the scene's watched aircraft (its watchlist names it)
SOUTH_ONLY = SCENE.aircraft[0].icao  # an aircraft the north site never hears


@dataclass(frozen=True)
class Site:
    name: str
    receiver: tuple[float, float]
    loses: int  # it loses every third transmission from this one on (a fade)


SITES = (Site("north", SCENE.receiver, 1),
         Site("south", sc.offset_position(*SCENE.receiver, 0.0, -9000.0), 2))

ALERT = """\
import sys
from pathlib import Path
with Path(sys.argv[1]).open("a") as out:
    out.write(sys.argv[2] + "\\n")
"""


def _recording(folder: Path, site: Site) -> Path:
    """The scene as `site` hears it: the same transmissions (one schedule), its own signal
    levels and noise, and the frames it lost left out."""
    trs = sc.transmissions(SCENE.aircraft, DURATION_S, np.random.default_rng(7), site.receiver,
                           signal=SCENE.signal)
    heard = [tr for i, tr in enumerate(trs) if i % 3 != site.loses
             and not (site.name == "north" and tr.icao == SOUTH_ONLY)]
    path = folder / f"{site.name}.cu8"
    with path.open("wb") as fh:
        write_recording(fh, sc.to_sim_frames(heard, np.random.default_rng(8)), RATE,
                        round(DURATION_S * RATE), "cu8", np.random.default_rng(len(site.name)),
                        0.04)
    return path


@dataclass(frozen=True)
class Scene:
    folder: Path
    recordings: dict[str, Path]  # by site
    watchlist: Path
    alert: Path  # the --on-sighting script: appends its site to a file


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    folder = tmp_path_factory.mktemp("two sites")
    watchlist = folder / "watchlist.txt"
    watchlist.write_text(sc.watchlist_text(SCENE))
    alert = folder / "alert.py"
    alert.write_text(ALERT)
    return Scene(folder, {site.name: _recording(folder, site) for site in SITES}, watchlist,
                 alert)


def _station(scene: Scene, site: Site, db: str, source: str, alerts: Path) -> list[str]:
    """The command line of `site`'s station reading `source` (a file, or - for stdin)."""
    command = shlex.join([sys.executable, str(scene.alert), str(alerts), site.name])
    return [*adsbwatch_command(), "replay", source, "--format", "cu8", "--rate", "2.4M",
            "--db", db, "--site", site.name, "--lat", str(site.receiver[0]),
            "--lon", str(site.receiver[1]), "--watchlist", str(scene.watchlist),
            "--on-sighting", command, "--start-time", SCENE.start_time, "--record-all", "-q"]


@pytest.fixture(scope="module")
def two_sites(scene: Scene, pg_server) -> tuple[str, Path]:
    """The store after both stations ran at once, and the file their alerts append to."""
    db = pg_server.url(pg_server.new_database())
    alerts = scene.folder / "alerts.txt"
    stations = [subprocess.Popen(_station(scene, site, db, str(scene.recordings[site.name]),
                                          alerts),
                                 env=checkout_env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
                for site in SITES]
    for station in stations:
        _, err = station.communicate(timeout=300)
        assert station.returncode == 0, err
    return db, alerts


def test_one_visit_of_the_watched_aircraft_with_points_from_both_sites(
        two_sites: tuple[str, Path]) -> None:
    db, _ = two_sites
    visits = raw_rows(db, f"SELECT id, watched FROM visits WHERE icao = {WATCHED}")
    assert len(visits) == 1 and visits[0][1] == 1
    assert sorted(raw_rows(db, "SELECT site FROM site_visits s JOIN visits v ON "
                               f"v.id = s.visit_id WHERE v.icao = {WATCHED}")) == [
        ("north",), ("south",)]
    by_site = dict(raw_rows(db, "SELECT p.site, count(*) FROM track_points p JOIN visits v "
                                f"ON v.id = p.visit_id WHERE v.icao = {WATCHED} GROUP BY p.site"))
    assert set(by_site) == {"north", "south"} and min(by_site.values()) >= 3
    assert integrity(db) == "ok"


def test_no_position_is_stored_twice_within_two_seconds(two_sites: tuple[str, Path]) -> None:
    db, _ = two_sites
    twice = raw_rows(db, "SELECT count(*) FROM track_points a JOIN track_points b ON "
                         "a.visit_id = b.visit_id AND a.lat = b.lat AND a.lon = b.lon AND "
                         "a.rowid < b.rowid AND abs(a.t - b.t) <= 2 AND a.site <> b.site")
    assert twice == [(0,)]
    # the stations did hear common positions: each stored once, the other's dropped
    assert raw_rows(db, "SELECT count(*) FROM track_points")[0][0] > 0


def test_sightings_per_site_tell_the_sites_apart(two_sites: tuple[str, Path]) -> None:
    db, _ = two_sites
    heard = {}
    for site in ("north", "south"):
        done = subprocess.run([*adsbwatch_command(), "sightings", "--json", "--site", site,
                               "--db", db], env=checkout_env(), capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        heard[site] = {v["icao"] for v in json.loads(done.stdout)}
    assert f"{WATCHED:06x}" in heard["north"] and f"{WATCHED:06x}" in heard["south"]
    assert f"{SOUTH_ONLY:06x}" in heard["south"] - heard["north"]


def test_one_alert_in_all(two_sites: tuple[str, Path]) -> None:
    _, alerts = two_sites
    lines = alerts.read_text().split()
    assert len(lines) == 1 and lines[0] in ("north", "south")


# ------------------------------------------------------------------------------ kill -9

def _positions_alone(scene: Scene, site: Site, folder: Path) -> set[tuple[float, float, float]]:
    """(t, lat, lon) of every point `site`'s recording gives replayed alone."""
    db = folder / f"{site.name}-alone.db"
    command = [*adsbwatch_command(), "replay", str(scene.recordings[site.name]), "--db",
               str(db), "--lat", str(site.receiver[0]), "--lon", str(site.receiver[1]),
               "--start-time", SCENE.start_time, "--record-all", "-q"]
    done = subprocess.run(command, env=checkout_env(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return set(raw_rows(db, "SELECT t, lat, lon FROM track_points"))


def _stored_within(stored: list[tuple[float, float, float]], t: float, lat: float,
                   lon: float) -> bool:
    """The position is stored, by one site or the other within 2 s (the same frame)."""
    return any(la == lat and lo == lon and abs(ts - t) <= 2.0 for ts, la, lo in stored)


def test_kill_9_of_one_station_loses_at_most_its_last_second(
        scene: Scene, pg_server, tmp_path: Path) -> None:
    """Both stations read their site's recording then noise from a pipe, as from
    `rtl_sdr -`. North is killed with -9 more than a second after its recording went
    through; south goes on, is stopped cleanly later. Everything either heard is in the
    store (once), its visit rows are consistent, and south's session ended."""
    db = pg_server.url(pg_server.new_database())
    alerts = tmp_path / "alerts.txt"
    north, south = SITES
    procs = {}
    feeders = {}
    for site in SITES:
        err = (tmp_path / f"{site.name}.err").open("wb")
        proc = subprocess.Popen(_station(scene, site, db, "-", alerts), stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=err, env=checkout_env())
        assert proc.stdin is not None
        feeder = Feeder(proc.stdin, tmp_path / f"{site.name}.err")
        feeder.pending.put(scene.recordings[site.name].read_bytes())
        feeder.start()
        procs[site.name], feeders[site.name] = proc, feeder
    try:
        for site in SITES:
            size = scene.recordings[site.name].stat().st_size
            feeders[site.name].wait_for(size + 2 * NOISE_CHUNK)
        # North has decoded its recording once its session row (written with each
        # commit) counts its samples; a loaded machine decodes well behind the pipe.
        samples = scene.recordings["north"].stat().st_size // 2
        deadline = time.monotonic() + 120
        while not raw_rows(db, "SELECT 1 FROM sessions WHERE site = 'north' AND samples "
                               f">= {samples}"):
            assert time.monotonic() < deadline, feeders["north"].receiver_err()
            time.sleep(0.2)
        time.sleep(1.5)  # more than the second between a station's writes
        procs["north"].kill()
        assert procs["north"].wait(30) == -signal.SIGKILL
        time.sleep(2.0)
        assert procs["south"].poll() is None, feeders["south"].receiver_err()
        procs["south"].send_signal(signal.SIGTERM)
        assert procs["south"].wait(60) == 143, feeders["south"].receiver_err()
    finally:
        for site in SITES:
            feeders[site.name].stop.set()
            if procs[site.name].poll() is None:
                procs[site.name].kill()
                procs[site.name].wait()
    stored = raw_rows(db, "SELECT t, lat, lon FROM track_points")
    for site in (north, south):
        alone = _positions_alone(scene, site, tmp_path)
        assert alone
        missing = [p for p in alone if not _stored_within(stored, *p)]
        assert missing == [], f"{site.name} lost {len(missing)} of {len(alone)} points"
    assert integrity(db) == "ok"
    # the visits are the sums of their sites' parts; one visit per aircraft, one open
    assert raw_rows(db, "SELECT count(*) FROM visits v WHERE messages <> (SELECT "
                        "sum(messages) FROM site_visits s WHERE s.visit_id = v.id)") == [(0,)]
    assert raw_rows(db, "SELECT count(*) FROM visits") == raw_rows(
        db, "SELECT count(DISTINCT icao) FROM visits") == [(len(SCENE.aircraft),)]
    assert raw_rows(db, "SELECT site, ended IS NOT NULL FROM sessions ORDER BY site") == [
        ("north", False), ("south", True)]


# ------------------------------------------------------------------------------ report

def test_the_report_draws_each_sites_coverage_and_who_heard_each_visit_first(
        two_sites: tuple[str, Path], tmp_path: Path) -> None:
    from adsbwatch.receiver.store.opening import open_history
    from adsbwatch.receiver.ui.plots.report import read_data

    db, _ = two_sites
    # each site's minutes, though both recordings began at the same moment
    assert raw_rows(db, "SELECT site, count(*) FROM minutes GROUP BY site ORDER BY site") == [
        ("north", 1), ("south", 1)]
    with open_history(db) as history:
        data = read_data(history, None, None)
    assert [(r.site, r.lat, r.lon) for r in data.receivers] == [
        (site.name, *site.receiver) for site in SITES]
    stored = dict(raw_rows(db, "SELECT site, count(*) FROM track_points GROUP BY site"))
    assert [c.positions for c in data.coverages] == [stored["north"], stored["south"]]
    # each measured from its own receiver: south's is 9 km from north's
    assert data.coverages[0].receiver == SITES[0].receiver
    assert data.coverages[1].receiver == SITES[1].receiver
    out = tmp_path / "report"
    done = subprocess.run([*adsbwatch_command(), "report", "--db", db, "--out", str(out)],
                          env=checkout_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.glob("coverage*.png")} == {"coverage-north.png",
                                                            "coverage-south.png"}
    page = (out / "index.html").read_text()
    first = raw_rows(db, "SELECT s.site FROM site_visits s JOIN visits v ON v.id = s.visit_id "
                         f"WHERE v.icao = {WATCHED} ORDER BY s.first_seen, s.site LIMIT 1")
    assert "Watched visits by site" in page
    row = next(line for line in page.splitlines() if "484506" in line and "<td>" in line)
    assert f"<td>{first[0][0]}</td>" in row
    assert "north (" in row and "south (" in row
