"""The web map in a real browser (Debian's headless chromium through selenium, nothing
reachable but 127.0.0.1): after a replay of the bundled sample with --http it lists the
sample's aircraft, marks the watched one with its label and draws them on the map, and
its history view lists and draws the watched visit; `adsbwatch serve` shows a store's
history with no receiver running.

Screenshots are kept in tests/artifacts/ (ignored by git): web_map.png (the live view),
web_map_history.png (a visit drawn) and web_map_serve.png."""

from __future__ import annotations

import itertools
import json
import re
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from store_support import recorder
from support import REPO, adsbwatch_command, checkout_env, run_adsbwatch, system_program

from adsbwatch.receiver.store.rows import PointRow, SessionRow, VisitRow

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
TRUTH = json.loads((REPO / "samples" / "airport_2400k.truth.json").read_text())
WATCHLIST = REPO / "samples" / "watchlist.txt"
SAMPLE_ARGS = ["--watchlist", str(WATCHLIST), "--lat", "52.3086", "--lon", "4.7639",
               "--start-time", "2025-05-16T09:30:00Z"]
NAF_LABEL = "Dutch government Boeing 737 BBJ (simulated)"  # samples/watchlist.txt's
ARTIFACTS = REPO / "tests" / "artifacts"
START_S = 240  # a fresh checkout's first run compiles the Numba kernels
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SERVING = re.compile(r"adsbwatch: serving http://127\.0\.0\.1:(\d+)/ until Ctrl-C")
T0 = 1_747_387_800.0  # 2025-05-16T09:30:00Z


class Server:
    """An adsbwatch process that serves the page until it is sent SIGINT."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen([*adsbwatch_command(), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=checkout_env())
        self.stderr: list[str] = []
        self.port = self._wait_for_port()
        self.url = f"http://127.0.0.1:{self.port}/"

    def _wait_for_port(self) -> int:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.stderr.append(line)
            found = SERVING.search(line)
            if found:
                return int(found.group(1))
        self.proc.kill()
        raise AssertionError("never served; stderr: " + "".join(self.stderr)
                             + self.proc.communicate()[1])

    def json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> tuple[int, str, str]:
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, "".join(self.stderr) + err


@pytest.fixture
def start_server() -> Iterator:
    started: list[Server] = []

    def start(*args: str) -> Server:
        server = Server(list(args))
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            if server.proc.poll() is None:
                server.proc.kill()
                server.proc.communicate(timeout=30)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    system_program(CHROMIUM, "chromium")
    system_program(CHROMEDRIVER, "chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--window-size=1500,900",
                     f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, script: str, timeout: float = 30) -> Any:
    """The value of `script` (JavaScript returning something) once it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value or time.monotonic() > deadline:
            assert value, f"waited {timeout} s for: {script}"
            return value
        time.sleep(0.2)


def requested_urls(driver: Any) -> set[str]:
    """Every http(s)/ws URL the browser requested so far (its own chrome:// pages aside)."""
    urls = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    return {u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss")}


def screenshot(driver: Any, name: str) -> Path:
    time.sleep(0.5)  # let Leaflet's zoom animation end: a picture of the page at rest
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page drawn, not a blank image
    return path


ROWS = """return [...document.querySelectorAll('#aircraft tbody tr')].map(r => ({
    hex: r.dataset.hex, watched: r.classList.contains('watched'), label: r.dataset.label,
    cells: [...r.cells].map(c => c.innerText)}))"""
# A label's lines from its text nodes: innerText leaves out a label hidden for want of room.
MARKERS = """return [...document.querySelectorAll('.ac-marker')].map(m => ({
    hex: m.dataset.hex, watched: m.classList.contains('watched'),
    label: [...m.querySelector('.ac-label').childNodes].filter(n => n.nodeType === 3)
      .map(n => n.textContent).join('\\n'),
    box: m.getBoundingClientRect().toJSON()}))"""


def test_the_page_shows_a_replayed_sample_and_its_watched_visit(
        start_server, browser, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    server = start_server("replay", str(SAMPLE), *SAMPLE_ARGS, "--http", "0",
                          "--db", str(db))
    browser.get(server.url)
    expected = {a["icao"].lower() for a in TRUTH["aircraft"]}
    assert len(expected) == 8
    rows = wait_for(browser, ROWS.replace("return ", "const rows = ", 1)
                    + "; return rows.length === 8 && rows;")
    assert {r["hex"] for r in rows} == expected
    aircraft = {a["hex"]: a for a in server.json("data/aircraft.json")["aircraft"]}
    watched = [r for r in rows if r["watched"]]
    assert [(r["hex"], r["label"]) for r in watched] == [("484506", NAF_LABEL)]
    assert rows[0]["hex"] == "484506"  # watched aircraft come first
    naf = rows[0]["cells"]
    assert naf[1] == "NAF01" + NAF_LABEL  # the callsign and the label's badge
    assert naf[2:4] == ["", ""]  # no aircraft database: no registration, no type
    assert naf[5] == str(aircraft["484506"]["alt_baro"])
    for row in rows:
        cells = row["cells"]
        entry = aircraft[row["hex"]]
        assert cells[0] == row["hex"]
        assert cells[4] == entry.get("squawk", "")
        assert cells[10] == str(entry["messages"])

    # A marker for each aircraft with a position, inside the map, labelled with its
    # callsign and altitude; the watched one marked and carrying its label.
    markers = wait_for(browser, MARKERS.replace("return ", "const m = ", 1)
                       + "; return m.length === 8 && m.every(x => x.hex) && m;")
    assert {m["hex"] for m in markers} == {h for h, a in aircraft.items() if "lat" in a}
    map_box = browser.execute_script(
        "return document.getElementById('map').getBoundingClientRect().toJSON()")
    for m in markers:
        box = m["box"]
        assert map_box["left"] <= box["left"] and box["right"] <= map_box["right"], m
        assert map_box["top"] <= box["top"] and box["bottom"] <= map_box["bottom"], m
        entry = aircraft[m["hex"]]
        alt = "ground" if entry["alt_baro"] == "ground" else f"{entry['alt_baro']} ft"
        assert m["label"].split("\n")[0] == entry["flight"].strip()
        assert m["label"].split("\n")[-1] == alt
        assert m["watched"] == (m["hex"] == "484506")
    naf_marker = next(m for m in markers if m["hex"] == "484506")
    assert naf_marker["label"].split("\n") == ["NAF01", NAF_LABEL, alt_of(aircraft["484506"])]
    rings = browser.execute_script(
        "return [...document.querySelectorAll('.ring-label')].map(x => x.innerText)")
    assert rings == ["50 km", "100 km", "150 km", "200 km"]

    # Selecting a row selects the aircraft (and draws its trail from the polls).
    browser.execute_script("document.querySelector('#aircraft tr[data-hex=\"484506\"]')"
                           ".click()")
    info = wait_for(browser, "return document.getElementById('selected-info').innerText")
    assert info.startswith(f"selected: 484506 NAF01 (watched: {NAF_LABEL})")
    # A watched aircraft's trail starts with its track from the store.
    # (In stretches of its altitudes' colours: the store's part at one altitude here.)
    trail = wait_for(browser, "return [...document.querySelectorAll('path.trail')]"
                     ".map(p => p.getAttribute('d'))")
    assert len(trail) >= 1 and trail[0].count("L") >= 1  # a line of two points or more
    screenshot(browser, "web_map.png")

    # Range rings in nautical miles on request; distances follow.
    browser.execute_script("const u = document.getElementById('unit'); u.value = 'nm'; "
                           "u.dispatchEvent(new Event('change'))")
    rings = browser.execute_script(
        "return [...document.querySelectorAll('.ring-label')].map(x => x.innerText)")
    assert rings == ["50 nm", "100 nm", "150 nm", "200 nm"]
    km = float(naf[9])
    nm = float(wait_for(browser, ROWS.replace("return ", "const rows = ", 1)
                        + "; return rows[0].cells[9] !== '" + naf[9] + "' && rows[0].cells[9]"))
    assert nm == pytest.approx(km / 1.852, abs=0.06)

    # The history view: the watched aircraft's visit from the store, its track drawn.
    (visit_id, points), = sqlite3.connect(db).execute(
        "SELECT v.id, count(p.t) FROM visits v JOIN track_points p ON p.visit_id = v.id "
        "WHERE v.watched = 1 GROUP BY v.id").fetchall()
    assert points >= 2
    browser.execute_script("document.getElementById('tab-history').click()")
    visits = wait_for(browser, """const v = [...document.querySelectorAll('#visits li')];
        return v.length && v.map(li => [li.dataset.visitId, li.dataset.icao, li.innerText])""")
    assert [(v[0], v[1]) for v in visits] == [(str(visit_id), "484506")]
    assert NAF_LABEL in visits[0][2] and "NAF01" in visits[0][2]
    assert f"{points} positions" in visits[0][2]
    browser.execute_script("document.querySelector('#visits li').click()")
    ends = wait_for(browser, "return [...document.querySelectorAll('path')].filter("
                    "p => p.getAttribute('stroke') === '#6a1b9a').length")
    assert ends == 2  # its first and last positions
    # The track in its altitudes' colours: one line a stretch of like altitude, the
    # stretches sharing their ends, every stored position drawn.
    stretches = browser.execute_script(
        "return state.historyLine.getLayers()[0].getLayers().map("
        "l => [l.options.color, l.getLatLngs().length])")
    assert sum(n for _, n in stretches) - (len(stretches) - 1) == points
    drawn_paths = browser.execute_script(
        "return document.querySelectorAll('path.history-track').length")
    assert drawn_paths == len(stretches)
    # Level at 7975-8000 ft all along: one colour, an altitude's, not the ends'.
    assert len(stretches) == 1 and stretches[0][0] != "#6a1b9a"
    assert browser.execute_script(
        "return document.getElementById('history-status').innerText").startswith(
        "1 visit of watched aircraft, newest first")  # not "1 visits"
    screenshot(browser, "web_map_history.png")

    # Nothing was asked of anything but this server.
    urls = requested_urls(browser)
    assert server.url + "data/aircraft.json" in urls
    assert {u for u in urls if not u.startswith(server.url)} == set()
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []

    status, _, err = server.stop()
    assert status == 0, err


def alt_of(entry: dict[str, Any]) -> str:
    return "ground" if entry["alt_baro"] == "ground" else f"{entry['alt_baro']} ft"


# ------------------------------------------------------------------ adsbwatch serve

def write_store(path: Path) -> int:
    """A store with one session (with the receiver's position) and one watched visit."""
    visit_id = 2**62 + 7
    with recorder(path) as store:
        store.save_session(SessionRow(id=1, started=T0, last_seen=T0 + 120, source="x.cu8",
                                      live=False, rate=2_400_000, lat=52.3, lon=4.76))
        store.save_visit(VisitRow(id=visit_id, icao=0x484506, first_seen=T0,
                                  last_seen=T0 + 120, label="NAF", watched=True,
                                  callsigns="NAF01", messages=50, min_alt=8000, max_alt=8100))
        for i in range(5):
            store.add_point(visit_id, PointRow(t=T0 + 10 * i, lat=52.2 + 0.02 * i, lon=4.7,
                                               alt=8000 + 25 * i))
    return visit_id


def test_serve_shows_a_store_with_no_receiver(start_server, browser, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    visit_id = write_store(db)
    server = start_server("serve", "--db", str(db), "--http", "0")
    visits = server.json("api/visits")
    assert [(v["id"], v["icao"], v["label"], v["points"]) for v in visits] == [
        (str(visit_id), "484506", "NAF", 5)]
    assert server.json("data/aircraft.json")["aircraft"] == []
    receiver = server.json("data/receiver.json")
    assert (receiver["lat"], receiver["lon"]) == (52.3, 4.76)  # the stored session's
    track = server.json(f"api/track/484506?visit={visit_id}")["visits"][0]["track"]
    assert [p[1] for p in track] == pytest.approx([52.2, 52.22, 52.24, 52.26, 52.28])

    browser.get(server.url)
    status_line = wait_for(browser, "return document.getElementById('status').innerText"
                           ".startsWith('no receiver') && document.getElementById('status')"
                           ".innerText")
    assert status_line == "no receiver running: the history of the store"
    # With nothing live, the page opens on the history view by itself.
    listed = wait_for(browser, "return [...document.querySelectorAll('#visits li')]"
                      ".map(li => li.dataset.visitId)")
    assert listed == [str(visit_id)]
    browser.execute_script("document.querySelector('#visits li').click()")
    wait_for(browser, "return [...document.querySelectorAll('path')].some("
             "p => p.getAttribute('stroke') === '#6a1b9a')")
    screenshot(browser, "web_map_serve.png")
    assert {u for u in requested_urls(browser) if not u.startswith(server.url)} == set()

    status, out, err = server.stop()
    assert status == 0, err
    assert out == ""
    assert err == f"adsbwatch: serving {server.url} until Ctrl-C\n"


def test_a_long_visit_is_drawn_whole_from_its_pages(start_server, browser,
                                                   tmp_path: Path) -> None:
    """/api/track answers 10,000 points at a time: the page asks for the rest itself."""
    db = tmp_path / "long.db"
    visit_id, points = 2**62 + 9, 25_000  # seven hours of an aircraft, a position a second
    with recorder(db) as store:
        store.save_visit(VisitRow(id=visit_id, icao=0x484506, first_seen=T0,
                                  last_seen=T0 + points, label="NAF", watched=True,
                                  callsigns="NAF01", messages=points))
        for i in range(points):
            store.add_point(visit_id, PointRow(t=T0 + i, lat=52.0 + i * 1e-5, lon=4.7,
                                               alt=1000 + i))  # a slow climb to 26,000 ft
    server = start_server("serve", "--db", str(db), "--http", "0")
    browser.get(server.url)
    wait_for(browser, "return document.querySelectorAll('#visits li').length")
    browser.execute_script("document.querySelector('#visits li').click()")
    drawn = wait_for(browser, "if (!state.historyLine) return 0; "
                     "const lines = state.historyLine.getLayers()[0].getLayers(); "
                     "return lines.reduce((n, l) => n + l.getLatLngs().length, 0) "
                     "- (lines.length - 1)")
    assert drawn == points
    # The climb in its altitudes' colours: a new colour every few hundred feet.
    colours = browser.execute_script("return state.historyLine.getLayers()[0].getLayers()"
                                     ".map(l => l.options.color)")
    assert len(colours) > 20 and all(a != b for a, b in itertools.pairwise(colours))
    first, last = browser.execute_script(
        "const [line, first, last] = state.historyLine.getLayers(); "
        "return [first.getLatLng(), last.getLatLng()].map(p => [p.lat, p.lng])")
    assert first == [52.0, 4.7] and last == pytest.approx([52.0 + (points - 1) * 1e-5, 4.7])
    pages = sorted(u.split("start=")[1] for u in requested_urls(browser) if "start=" in u)
    assert pages == ["10000", "20000"]
    status, _, err = server.stop()
    assert status == 0, err


def test_serve_refuses_what_it_cannot_show(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    result = run_adsbwatch("serve", "--db", str(missing), "--http", "0", timeout=60)
    assert result.returncode == 2
    assert result.stderr == (f"adsbwatch: error: there is no store at {missing}: check --db, "
                             f"or record one first (e.g. `adsbwatch replay FILE --db "
                             f"{missing}`)\n")
    text = tmp_path / "text.db"
    text.write_text("hello " * 1000)
    result = run_adsbwatch("serve", "--db", str(text), "--http", "0", timeout=60)
    assert (result.returncode, result.stderr) == (
        2, f"adsbwatch: error: {text} is not an adsbwatch database (it is not a SQLite "
           "file)\n")
    db = tmp_path / "s.db"
    write_store(db)
    result = run_adsbwatch("serve", "--db", str(db), "--http", "0", "--map-tiles",
                           "tiles.example", timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "adsbwatch serve: error: argument --map-tiles: 'tiles.example': a tile URL starts "
        "with http:// or https:// (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png)")
    result = run_adsbwatch("serve", "--db", str(db), "--http", "0", "--map-tiles",
                           "https://t.example/{z}/{y}.png", timeout=60)
    assert (result.returncode, result.stderr.splitlines()[-1]) == (
        2, "adsbwatch serve: error: argument --map-tiles: 'https://t.example/{z}/{y}.png': "
           "a tile URL template holds {z}, {x} and {y}; this one lacks {x} (e.g. "
           "https://tile.openstreetmap.org/{z}/{x}/{y}.png)")


def test_serve_says_when_its_port_is_taken(tmp_path: Path) -> None:
    import socket

    db = tmp_path / "s.db"
    write_store(db)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_adsbwatch("serve", "--db", str(db), "--http", str(port), timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(f"adsbwatch: error: --http {port}: cannot listen on "
                                    f"127.0.0.1:{port} (")
    assert result.stderr.count("\n") == 1




def test_map_tiles_come_from_the_url_given_and_only_then(start_server, browser,
                                                          tmp_path: Path) -> None:
    """--map-tiles: the page asks the tile server (here a local one) for tiles and skips
    the outlines."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    tiles = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=tiles.serve_forever, daemon=True)
    thread.start()
    try:
        db = tmp_path / "s.db"
        write_store(db)
        template = f"http://127.0.0.1:{tiles.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
        server = start_server("serve", "--db", str(db), "--http", "0", "--map-tiles", template)
        assert server.json("api/config")["tiles"] == template
        browser.get(server.url)
        deadline = time.monotonic() + 30
        while not asked and time.monotonic() < deadline:
            time.sleep(0.2)
        # Zoom 8 around the stored receiver position (52.3 N, 4.76 E): tile x 131, y 84.
        assert "/8/131/84.png" in asked
        assert all(re.fullmatch(r"/\d+/\d+/\d+\.png", path) for path in asked)
        urls = requested_urls(browser)
        assert not any("outlines" in u for u in urls)
        # The browser's log sees requests beyond the page's server (what the other tests
        # rely on to say there were none).
        assert f"http://127.0.0.1:{tiles.server_address[1]}/8/131/84.png" in urls
    finally:
        tiles.shutdown()
        tiles.server_close()
        thread.join(timeout=10)


def test_the_map_says_since_when_no_data_arrives(browser) -> None:
    """A live source away: aircraft.json carries no_data_since (UNIX seconds) and the
    page says so over the map, in UTC; when data comes again the banner goes."""
    from adsbwatch.receiver.core.network import NetworkThread
    from adsbwatch.receiver.outputs.http.app import make_app
    from adsbwatch.receiver.outputs.http.documents import Published, encode
    from adsbwatch.receiver.outputs.http.service import HttpService

    away = T0 + 3723.6  # 2025-05-16 10:32:03.6 UTC
    published = Published({"aircraft.json": encode(
        {"now": away + 30, "messages": 5, "no_data_since": away, "aircraft": []})})
    network = NetworkThread()
    try:
        service = HttpService(network, make_app(published, None, db_path=None, receiver=None,
                                                tiles=None), "127.0.0.1", 0)
        browser.get(service.url)
        banner = wait_for(browser, "const b = document.getElementById('no-data'); return "
                          "!b.classList.contains('hidden') && b.innerText")
        assert banner == "no data since 10:32:03 UTC"
        published.documents = {"aircraft.json": encode(
            {"now": away + 31, "messages": 6, "aircraft": []})}
        assert wait_for(browser, "return document.getElementById('no-data').classList"
                        ".contains('hidden') && getComputedStyle(document.getElementById("
                        "'no-data')).display === 'none'")
        service.stop()
    finally:
        network.stop()


def test_the_table_and_panel_show_what_the_aircraft_database_says(browser,
                                                                    tmp_path: Path) -> None:
    """The sample replayed with an aircraft database (the aircraft.json and store it
    wrote, served as a run serves them): the table gives 484506's registration and
    type, the selected aircraft's panel its type's description, operator and country,
    and the history its registration; an aircraft the database does not know shows
    none."""
    from info_support import replay_with_database

    from adsbwatch.receiver.core.network import NetworkThread
    from adsbwatch.receiver.outputs.http.app import make_app
    from adsbwatch.receiver.outputs.http.documents import Published
    from adsbwatch.receiver.outputs.http.service import HttpService

    built = replay_with_database(tmp_path)
    published = Published({name: (tmp_path / name).read_bytes()
                           for name in ("aircraft.json", "receiver.json")}
                          | {"sightings.json": b'{"now":0,"sightings":[]}'})  # as a run's
    network = NetworkThread()
    try:
        service = HttpService(network, make_app(
            published, None, db_path=str(tmp_path / "run.db"), receiver=built.station.receiver,
            tiles=None, watchlist=built.watchlist), "127.0.0.1", 0)
        browser.get(service.url)
        rows = wait_for(browser, ROWS.replace("return ", "const rows = ", 1)
                        + "; return rows.length === 8 && rows;")
        by_hex = {r["hex"]: r["cells"] for r in rows}
        assert by_hex["484506"][2:4] == ["PH-GOV", "B737"]
        assert by_hex["485d7c"][2:4] == ["", ""]
        assert by_hex["3c4b2a"][2:4] == ["", ""]  # a country only: no registration or type
        assert browser.execute_script(
            "return document.querySelector('#aircraft tr[data-hex=\"484506\"]').cells[3]"
            ".title") == "BOEING 737-700"
        browser.execute_script("document.querySelector('#aircraft tr[data-hex=\"484506\"]')"
                               ".click()")
        first = wait_for(browser,
                         "return document.getElementById('selected-title').innerText")
        database = browser.execute_script(
            "return document.getElementById('selected-db').innerText")
        assert first == f"selected: 484506 NAF01 (watched: {NAF_LABEL})"
        assert database == "PH-GOV, B737 (BOEING 737-700), Dutch Government, Netherlands (NL)"
        fields = browser.execute_script("return Object.fromEntries([...document."
                                        "querySelectorAll('#selected-fields dd')].map("
                                        "d => [d.dataset.key, d.innerText]))")
        assert (fields["r"], fields["t"]) == ("PH-GOV", "B737 (BOEING 737-700)")
        assert fields["ownOp"] == "Dutch Government"
        screenshot(browser, "web_map_database.png")
        browser.execute_script("document.getElementById('tab-history').click()")
        visits = wait_for(browser, "const v = [...document.querySelectorAll('#visits li "
                          "strong')]; return v.length && v.map(s => s.innerText)")
        assert visits == [f"484506 PH-GOV B737 {NAF_LABEL}"]
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        service.stop()
    finally:
        network.stop()


# ------------------------------------------------------------------ sightings

BANNERS = """const b = [...document.querySelectorAll('#sightings .sighting')];
    return b.map(x => [x.dataset.hex, x.querySelector('.sighting-text').innerText])"""


def test_a_sighting_shows_a_banner_and_where_allowed_a_desktop_notification(
        start_server, browser) -> None:
    server = start_server("replay", str(SAMPLE), *SAMPLE_ARGS, "--http", "0", "--no-db")
    (sighting,) = server.json("data/sightings.json")["sightings"]
    assert (sighting["hex"], sighting["label"], sighting["callsign"]) == (
        "484506", NAF_LABEL, "NAF01")
    banner = [["484506", f"Sighting: 484506 NAF01 — {NAF_LABEL}, 09:30:00 UTC"]]

    # Not allowed yet: the banner, and the button that asks.
    browser.get(server.url)
    assert wait_for(browser, BANNERS.replace("return ", "const s = ", 1)
                    + "; return s.length && s;") == banner
    button = browser.execute_script(
        "const b = document.getElementById('desktop-alerts'); "
        "return [b.classList.contains('hidden'), b.innerText, b.disabled]")
    assert button == [False, "allow desktop alerts", False]
    assert browser.execute_script("return state.notified") == []
    # Clicking the banner selects the aircraft.
    browser.execute_script("document.querySelector('#sightings .sighting-text').click()")
    info = wait_for(browser, "return document.getElementById('selected-info').innerText")
    assert info.startswith(f"selected: 484506 NAF01 (watched: {NAF_LABEL})")
    screenshot(browser, "web_map_sighting.png")

    # Allowed (as the button's question answered yes): a desktop notification too.
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": server.url.rstrip("/"), "permissions": ["notifications"]})
    browser.get(server.url)
    assert wait_for(browser, "return state.notified.length && state.notified") == ["484506"]
    assert browser.execute_script(BANNERS) == banner
    assert browser.execute_script(
        "return document.getElementById('desktop-alerts').classList.contains('hidden')")

    # Dismissed, it stays dismissed; the map's link to the aircraft selects it.
    browser.execute_script("document.querySelector('#sightings .sighting-close').click()")
    assert browser.execute_script(BANNERS) == []
    browser.get(server.url + "?icao=484506")
    info = wait_for(browser, "return document.getElementById('selected-info').innerText")
    assert info.startswith("selected: 484506 NAF01")
    wait_for(browser, "return state.sightingsSeen.size")
    assert browser.execute_script(BANNERS) == []
    assert browser.execute_script("return state.notified") == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    status, _, err = server.stop()
    assert status == 0, err
