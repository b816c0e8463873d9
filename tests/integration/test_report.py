"""`adsbwatch report` on the store of a real recording: modes1 (aircraft 4d2023, AMC421)
replayed with a watchlist and a receiver position some 30 km from the aircraft, into a
store of each backend. The numbers behind the plots are checked against the replay's own
summary and against distances computed here, the files against what a PNG and the page
must be."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from store_support import BACKENDS, new_store_location, raw_rows, recorder, written
from support import adsbwatch_command, checkout_env, cli, run_adsbwatch

from adsbwatch.receiver.store.opening import open_history, open_watchlist_store
from adsbwatch.receiver.store.rows import VisitRow
from adsbwatch.receiver.ui.plots.report import read_data

MODES1 = "modes1_resampled_cu8_2400k.bin"
ICAO = 0x4D2023
RECEIVER = (36.9, 14.1)  # the aircraft flies 30 to 50 km north-west of here
START = "2025-05-16T09:30:00Z"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIXED_PLOTS = ("coverage.png", "messages-per-minute.png", "signal-levels.png",
               "watched-visits.png")


@dataclass(frozen=True)
class Replayed:
    db: str  # a SQLite file's path or a PostgreSQL URL
    frames: int  # from the replay's closing lines
    messages: int


def replay_modes1(recordings: Path, db: str, watchlist: Path) -> Replayed:
    result = run_adsbwatch(
        "replay", str(recordings / MODES1), "--watchlist", str(watchlist), "--db", db,
        "--lat", str(RECEIVER[0]), "--lon", str(RECEIVER[1]), "--start-time", START)
    assert result.returncode == 0, result.stderr
    frames = re.search(r"adsbwatch: (\d+) frames \(", result.stderr)
    messages = re.search(r"adsbwatch: (\d+) messages decoded", result.stderr)
    assert frames and messages, result.stderr
    return Replayed(db, int(frames.group(1)), int(messages.group(1)))


@pytest.fixture(scope="module", params=BACKENDS)
def replayed(request: pytest.FixtureRequest, recordings: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    folder = tmp_path_factory.mktemp("modes1-store")
    watchlist = folder / "watchlist.txt"
    watchlist.write_text("4d2023 AMC\n")
    return replay_modes1(recordings, new_store_location(request, folder), watchlist)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(h))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: set[str] = set()
        self.images: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.add(values["href"] or "")
        if tag == "img" and values.get("src"):
            self.images.add(values["src"] or "")


def page_links(index: Path) -> Links:
    links = Links()
    links.feed(index.read_text(encoding="utf-8"))
    return links


def check_png(path: Path) -> None:
    """A PNG with a picture in it: the signature, more than a few KB, and more than one
    colour when read back."""
    from matplotlib import image

    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    assert len(data) > 8_000, (path, len(data))
    pixels = image.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.shape[1] > 400, pixels.shape
    colours = np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0)
    assert len(colours) > 20, (path, len(colours))


# ------------------------------------------------------------------------ the page


def test_report_writes_the_five_plots_and_a_page_linking_them(replayed: Replayed,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = run_adsbwatch("report", "--db", replayed.db, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"adsbwatch: report written to {out / 'index.html'}\n"
    assert result.stderr == ""
    profiles = sorted(p.name for p in out.glob("altitude-*.png"))
    assert profiles == ["altitude-4d2023-20250516T093000.png"]
    for name in (*FIXED_PLOTS, *profiles):
        check_png(out / name)
    links = page_links(out / "index.html")
    assert links.images == links.hrefs == {*FIXED_PLOTS, *profiles}
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "Period: 2025-05-16 09:30:00 to 2025-05-16 09:30:00 UTC (0.2 s)" in text
    assert "Receiver: 36.90000, 14.10000" in text
    assert f"{replayed.frames} frames with a valid CRC, {replayed.messages} of them" in text


def test_lat_lon_on_the_report_move_the_coverage_centre(replayed: Replayed,
                                                        tmp_path: Path) -> None:
    rc, out, err = cli("report", "--db", replayed.db, "--out", str(tmp_path),
                       "--lat", "37.5", "--lon", "13.0", "--max-profiles", "0")
    assert (rc, err) == (0, ""), err
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Receiver: 37.50000, 13.00000, given with --lat/--lon" in text
    assert not list(tmp_path.glob("altitude-*.png"))
    assert "1 older visit not drawn (at most 0" in text
    points = raw_rows(replayed.db, "SELECT lat, lon FROM track_points")
    farthest = max(haversine_km(37.5, 13.0, lat, lon) for lat, lon in points)
    with open_history(replayed.db) as history:
        data = read_data(history, None, (37.5, 13.0))
    assert len(data.coverages) == 1
    assert data.coverages[0].max_km == pytest.approx(farthest, abs=0.01)


# ------------------------------------------------------------------------ the numbers


def test_the_minutes_count_what_the_replay_decoded(replayed: Replayed) -> None:
    (frames, messages, seconds), = raw_rows(
        replayed.db, "SELECT sum(frames), sum(messages), sum(seconds) FROM minutes")
    assert (frames, messages) == (replayed.frames, replayed.messages)
    (samples, rate), = raw_rows(replayed.db, "SELECT samples, rate FROM sessions")
    assert seconds == pytest.approx(samples / rate, abs=1e-3)
    with open_history(replayed.db) as history:
        data = read_data(history, None, None)
    assert data.minutes.total_messages == replayed.messages
    assert data.minutes.total_frames == replayed.frames
    assert data.levels.frames == replayed.frames
    # The strongest frame of the summary table (the visit's max dBFS) tops the histogram.
    (max_dbfs,), = raw_rows(replayed.db, "SELECT max_dbfs FROM visits")
    assert data.levels.max_dbfs == pytest.approx(max_dbfs, abs=0.01)
    assert max(data.levels.counts) == math.floor(max_dbfs)


def test_the_receiver_position_is_stored_with_the_session(replayed: Replayed) -> None:
    assert raw_rows(replayed.db, "SELECT lat, lon FROM sessions") == [RECEIVER]
    with open_history(replayed.db) as history:
        data = read_data(history, None, None)
    assert len(data.receivers) == 1
    assert (data.receivers[0].lat, data.receivers[0].lon) == RECEIVER


def test_coverage_is_the_farthest_track_point_per_sector(replayed: Replayed) -> None:
    points = raw_rows(replayed.db, "SELECT lat, lon, alt FROM track_points")
    assert len(points) > 50
    farthest: dict[int, float] = {}
    for lat, lon, _ in points:
        sector = int(bearing_deg(*RECEIVER, lat, lon) // 5)
        farthest[sector] = max(farthest.get(sector, 0.0), haversine_km(*RECEIVER, lat, lon))
    with open_history(replayed.db) as history:
        data = read_data(history, None, None)
    cover, = data.coverages
    assert cover is not None and cover.positions == len(points)
    assert cover.max_km == pytest.approx(max(farthest.values()), abs=0.01)
    assert 25 < cover.max_km < 60
    by_sector = np.nan_to_num(cover.farthest_km, nan=-1.0).max(axis=1)
    heard = {int(s) for s in np.flatnonzero(by_sector >= 0)}
    assert heard == set(farthest)
    for sector, km in farthest.items():
        assert by_sector[sector] == pytest.approx(km, abs=0.01)
    # 20,025 to 24,275 ft: everything in the 20-30k band
    assert np.isfinite(cover.farthest_km[:, 2]).sum() == len(farthest)
    assert not np.isfinite(np.delete(cover.farthest_km, 2, axis=1)).any()


def test_the_watched_visit_and_its_altitudes(replayed: Replayed) -> None:
    with open_history(replayed.db) as history:
        data = read_data(history, None, None)
    assert [(v.icao, v.label, v.callsigns) for v in data.visits] == [(ICAO, "AMC", "AMC421")]
    assert data.period is not None
    first, last = data.period
    assert first == pytest.approx(data.visits[0].first_seen, abs=0.01)
    assert 0.15 < last - first < 0.2  # 0.178 s of recording


def test_replaying_again_rewrites_the_minutes_instead_of_doubling_them(
        recordings: Path, tmp_path: Path, store_location: str) -> None:
    watchlist = tmp_path / "w.txt"
    watchlist.write_text("4d2023\n")
    first = replay_modes1(recordings, store_location, watchlist)
    second = replay_modes1(recordings, store_location, watchlist)
    assert raw_rows(store_location, "SELECT count(*) FROM sessions") == [(2,)]
    assert raw_rows(store_location, "SELECT sum(messages) FROM minutes") == [
        (first.messages,)] == [(second.messages,)]


# ------------------------------------------------------------------------ --since, errors


@pytest.mark.parametrize("since", ["7d", "12h", "30m"])
def test_a_span_before_now_leaves_an_old_recording_out(replayed: Replayed, tmp_path: Path,
                                                       since: str) -> None:
    rc, out, err = cli("report", "--db", replayed.db, "--out", str(tmp_path),
                       "--since", since)
    assert (rc, err) == (0, "")
    assert "Nothing recorded yet in this period" in (tmp_path / "index.html").read_text()
    assert not list(tmp_path.glob("*.png"))


def test_an_iso_date_since_selects_by_time(replayed: Replayed, tmp_path: Path) -> None:
    rc, _, err = cli("report", "--db", replayed.db, "--out", str(tmp_path / "a"),
                     "--since", "2025-05-16")
    assert (rc, err) == (0, "")
    assert len(list((tmp_path / "a").glob("*.png"))) == 5
    rc, _, err = cli("report", "--db", replayed.db, "--out", str(tmp_path / "b"),
                     "--since", "2025-05-16T09:30:01Z")
    assert (rc, err) == (0, "")
    assert not list((tmp_path / "b").glob("*.png"))


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "7x"], "adsbwatch: error: --since: '7x' is not a time: use an ISO date"),
    (["--since", "soon"], "adsbwatch: error: --since: 'soon' is not a time"),
    (["--lat", "36.9"], "adsbwatch: error: give both --lat and --lon"),
    (["--lat", "95", "--lon", "1"], "adsbwatch: error: --lat 95.0 --lon 1.0 is not a position"),
    (["--max-profiles", "-1"], "adsbwatch: error: --max-profiles -1: give 0 or more"),
])
def test_bad_options_are_one_line_errors(replayed: Replayed, tmp_path: Path,
                                         args: list[str], message: str) -> None:
    result = run_adsbwatch("report", "--db", replayed.db, "--out", str(tmp_path / "r"),
                           *args)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(message), \
        result.stderr
    assert not (tmp_path / "r").exists()


def test_a_missing_store_is_a_one_line_error(store_location: str, tmp_path: Path) -> None:
    """A SQLite file not there, an empty PostgreSQL database: nothing made in either."""
    result = run_adsbwatch("report", "--db", store_location, "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"adsbwatch: error: there is no store at "
                                    f"{store_location}: check --db")
    assert len(result.stderr.splitlines()) == 1
    if store_location.startswith("postgresql://"):
        assert raw_rows(store_location, "SELECT count(*) FROM information_schema.tables "
                                        "WHERE table_schema = 'public'") == [(0,)]
    else:
        assert not Path(store_location).parent.exists()


def test_an_out_that_is_a_file_is_a_one_line_error(replayed: Replayed, tmp_path: Path,
                                                   ) -> None:
    taken = tmp_path / "taken"
    taken.write_text("mine\n")
    rc, _, err = cli("report", "--db", replayed.db, "--out", str(taken))
    assert rc == 2 and err == f"adsbwatch: error: --out {taken}: is a file, not a folder\n"
    assert taken.read_text() == "mine\n"


def test_an_empty_store_gives_a_page_saying_so(store_location: str, tmp_path: Path) -> None:
    open_watchlist_store(store_location).close()  # an empty store
    out = tmp_path / "r"
    result = run_adsbwatch("report", "--db", store_location, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"adsbwatch: report written to {out / 'index.html'}\n"
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "Nothing recorded yet in this period" in text
    assert "Receiver position: unknown" in text
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]


def test_a_second_report_leaves_no_plot_of_the_first(replayed: Replayed,
                                                     tmp_path: Path) -> None:
    assert cli("report", "--db", replayed.db, "--out", str(tmp_path))[0] == 0
    mine = tmp_path / "notes.txt"
    mine.write_text("kept\n")
    assert cli("report", "--db", replayed.db, "--out", str(tmp_path),
               "--since", "1d")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "notes.txt"]


def big_store(db: str, points: int) -> None:
    """One watched visit with `points` track points heading north from RECEIVER."""
    t0 = 1_747_387_800.0
    with recorder(db, close_wait_s=120) as rec:
        rec.save_visit(VisitRow(id=1, icao=ICAO, label="BIG", watched=True, first_seen=t0,
                                last_seen=t0 + points, messages=points))
        for k in range(points):
            rec.add_tracked_point(1, t0 + k, RECEIVER[0] + 1e-5 * k, RECEIVER[1], 30_000,
                                  None, None, None, False)
            if k % 20_000 == 19_999:  # writes of a size a station makes (one a second)
                written(rec)


def test_a_large_store_shows_a_progress_bar_on_a_terminal_only(store_location: str,
                                                                tmp_path: Path) -> None:
    """Read in chunks of 50,000 rows (keyed on SQLite's rowid, PostgreSQL's column)."""
    from pty_support import plain, run_in_pty

    db = store_location
    big_store(db, 210_000)  # above the bar's threshold of 200,000 rows
    args = ["report", "--db", db, "--out", str(tmp_path / "r"), "--lat",
            str(RECEIVER[0]), "--lon", str(RECEIVER[1])]
    rc, text = run_in_pty(args)
    assert rc == 0, text
    screen = plain(text)
    assert re.search(r"reading the store: +\d+%", screen), screen
    assert "/210k [" in screen, screen  # the total: every row of the period
    assert f"adsbwatch: report written to {tmp_path / 'r' / 'index.html'}" in screen
    result = run_adsbwatch(*args)
    assert (result.returncode, result.stderr) == (0, "")
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    farthest = haversine_km(*RECEIVER, RECEIVER[0] + 1e-5 * 209_999, RECEIVER[1])
    assert "From 210,000 stored positions" in page
    assert f"The farthest was {farthest:.1f} km away." in page


def test_without_matplotlib_the_report_says_how_to_install_it(tmp_path: Path) -> None:
    """matplotlib made unimportable in the child: the `plots` extra not installed."""
    db = tmp_path / "s.db"
    open_watchlist_store(str(db)).close()  # an empty store
    blocker = (
        "import sys\n"
        "class NoPlots:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, NoPlots())\n"
        "from adsbwatch.receiver.cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    command = adsbwatch_command()
    result = subprocess.run(
        [command[0], "-c", blocker, "report", "--db", str(db), "--out",
         str(tmp_path / "r")], capture_output=True, text=True, env=checkout_env(),
        timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("adsbwatch: error: adsbwatch report draws with matplotlib, "
                             "which is not installed: pip install 'adsbwatch[plots]'\n")
    assert not (tmp_path / "r").exists()
    assert sys.executable == command[0]
