"""The web map's routes on a real aiohttp server, fetched by aiohttp's client: the
history API read from a store written by a Recorder, the page's files, and the
Natural Earth outlines (their conversion and what ships)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from postgres_support import PgServer
from store_support import pg_clients, raw_execute, recorder, wait_until
from support import REPO

from adsbwatch.decoder.messages.watchlist import WatchEntry, Watchlist
from adsbwatch.receiver.outputs.web.history import (
    READ_THREADS,
    WAITING_READS,
    HistoryBusy,
    HistoryReader,
)
from adsbwatch.receiver.outputs.web.routes import STATIC_DIR, add_web_routes
from adsbwatch.receiver.store.opening import open_watchlist_store
from adsbwatch.receiver.store.rows import PointRow, VisitRow

T0 = 1_747_387_800.0  # 2025-05-16T09:30:00Z
WATCHED = 0x484506
OTHER = 0x3C4B2A


def write_store(path: Path | str) -> None:
    """Two visits of a watched aircraft (the newer with 3 points), one of an unwatched
    aircraft (--record-all), and a watchlist entry added with `watchlist add`."""
    with open_watchlist_store(str(path)) as watchlist:
        watchlist.add_watch([WatchEntry(0x400000, 0x4000FF, "a block")])
    with recorder(path) as store:
        store.save_visit(VisitRow(id=11, icao=WATCHED, first_seen=T0, last_seen=T0 + 60,
                                  label="NAF", watched=True, callsigns="NAF01",
                                  min_alt=8000, max_alt=9000, closest_km=14.5, messages=40))
        store.add_point(11, PointRow(t=T0 + 1, lat=52.0, lon=4.0, alt=8000))
        store.save_visit(VisitRow(id=2**62 + 5, icao=WATCHED, first_seen=T0 + 3600,
                                  last_seen=T0 + 3700, label="NAF01 new", watched=True,
                                  callsigns="NAF01 NAF02", messages=90))
        for i, lat in enumerate((52.1, 52.2, 52.3)):
            store.add_point(2**62 + 5, PointRow(t=T0 + 3601 + i, lat=lat,
                                                lon=4.5, alt=7000 + i, gs=250.0,
                                                track=35.0))
        store.save_visit(VisitRow(id=12, icao=OTHER, first_seen=T0 + 10, last_seen=T0 + 20,
                                  watched=False, callsigns="DLH2AB", messages=5))
        store.add_point(12, PointRow(t=T0 + 11, lat=51.0, lon=4.0))


Fetch = Callable[..., Awaitable[tuple[int, Any]]]


def with_client(db: Path | str | None, check: Callable[[Fetch], Awaitable[None]],
                **options: Any) -> None:
    async def main() -> None:
        app = web.Application()
        add_web_routes(app, db_path=None if db is None else str(db),
                       receiver=options.pop("receiver", None), tiles=options.pop("tiles", None),
                       **options)
        async with TestClient(TestServer(app)) as client:
            async def fetch(path: str, raw: bool = False) -> tuple[int, Any]:
                response = await client.get(path)
                body = await response.read()
                return response.status, body if raw else json.loads(body)

            await check(fetch)

    asyncio.run(main())


@pytest.fixture
def db(store_location: str) -> str:
    """write_store's store, on each backend."""
    write_store(store_location)
    return store_location


def test_visits_lists_watched_visits_newest_first(db: Path) -> None:
    async def check(fetch: Fetch) -> None:
        status, visits = await fetch("/api/visits")
        assert status == 200
        assert [(v["id"], v["icao"], v["label"], v["points"]) for v in visits] == [
            (str(2**62 + 5), "484506", "NAF01 new", 3), ("11", "484506", "NAF", 1)]
        older = visits[1]
        assert (older["callsigns"], older["first_seen"], older["last_seen"]) == (
            ["NAF01"], T0, T0 + 60)
        assert (older["min_alt"], older["max_alt"], older["closest_km"]) == (8000, 9000, 14.5)
        _, limited = await fetch("/api/visits?limit=1")
        assert [v["id"] for v in limited] == [str(2**62 + 5)]
        _, recent = await fetch(f"/api/visits?since={T0 + 61}")
        assert [v["id"] for v in recent] == [str(2**62 + 5)]
        _, recent_iso = await fetch("/api/visits?since=2025-05-16T10:00:30Z")
        assert recent_iso == recent
        status, error = await fetch("/api/visits?limit=0")
        assert status == 400 and "limit" in error["error"]
        status, error = await fetch("/api/visits?since=soon")
        assert status == 400 and error["error"].startswith("since:")

    with_client(db, check)


def test_visits_stored_without_the_aircraft_database_are_named_from_it(db: Path) -> None:
    """`serve --aircraft-db` (or a live run's database): the history lists what the
    database says of visits stored before it was there; what a visit stored is kept."""
    from adsbwatch.decoder.registry.info import AircraftInfo

    asked: list[int] = []

    def info_of(address: int) -> AircraftInfo | None:
        asked.append(address)
        return {WATCHED: AircraftInfo(registration="PH-GOV", type_code="B737",
                                      operator="Dutch Government", country="NL")}.get(address)

    async def check(fetch: Fetch) -> None:
        _, visits = await fetch("/api/visits")
        assert [(v["icao"], v["registration"], v["type_code"], v["operator"], v["country"])
                for v in visits] == [("484506", "PH-GOV", "B737", "Dutch Government", "NL")] * 2

    with_client(db, check, info_of=info_of)
    assert asked == [WATCHED]  # once per address

    async def without(fetch: Fetch) -> None:
        _, visits = await fetch("/api/visits")
        assert {v["registration"] for v in visits} == {None}

    with_client(db, without)


def test_track_of_the_latest_visit_or_of_one_visit(db: Path) -> None:
    async def check(fetch: Fetch) -> None:
        status, latest = await fetch("/api/track/484506")
        assert status == 200
        assert [v["id"] for v in latest["visits"]] == [str(2**62 + 5)]
        assert latest["visits"][0]["track"] == [
            [T0 + 3601 + i, lat, 4.5, 7000 + i, 250.0, 35.0]
            for i, lat in enumerate((52.1, 52.2, 52.3))]
        _, both = await fetch("/api/track/484506?visits=2")
        assert [len(v["track"]) for v in both["visits"]] == [3, 1]
        _, one = await fetch("/api/track/484506?visit=11")
        assert one["visits"][0]["track"] == [[T0 + 1, 52.0, 4.0, 8000, None, None]]
        # A visit of another aircraft is not this one's.
        status, error = await fetch("/api/track/484506?visit=12")
        assert status == 404 and "no visit 12" in error["error"]
        _, unknown = await fetch("/api/track/abcdef")
        assert unknown == {"icao": "abcdef", "visits": []}
        status, _ = await fetch("/api/track/nothex")
        assert status == 400
        status, _ = await fetch("/api/track/400000-4000ff")
        assert status == 400

    with_client(db, check)


LONG = 7  # the id of write_long_visits' first visit


def write_long_visits(path: Path | str, lengths: tuple[int, ...]) -> None:
    """Visits of WATCHED with so many points each, one a second (a parked aircraft's
    day is 86,400), the first the oldest; point i of every visit is at latitude
    50 + i / 1e5, so a page's place in its visit shows."""
    with recorder(path) as store:
        for k, length in enumerate(lengths):
            visit_id, first = LONG + k, T0 + 100_000 * k
            store.save_visit(VisitRow(id=visit_id, icao=WATCHED, first_seen=first,
                                      last_seen=first + length, watched=True, messages=9))
            for i in range(length):
                store.add_point(visit_id, PointRow(t=first + i, lat=50 + i / 1e5, lon=4.0))


def test_a_long_track_comes_in_pages_that_join_up_to_the_whole(store_location: str) -> None:
    """M6 of the hostile probe: a track came whole, built on the network loop (one
    request paused the Beast output 2.7 s; four took 2 GB)."""
    db = store_location
    write_long_visits(db, (25_000,))

    async def check(fetch: Fetch) -> None:
        status, first = await fetch("/api/track/484506")
        assert status == 200
        (visit,) = first["visits"]
        assert (visit["id"], len(visit["track"]), visit["next_start"]) == (str(LONG), 10_000,
                                                                          10_000)
        track, pages = list(visit["track"]), 1
        while "next_start" in visit:
            status, page = await fetch(f"/api/track/484506?visit={LONG}"
                                       f"&start={visit['next_start']}")
            assert status == 200
            (visit,) = page["visits"]
            track += visit["track"]
            pages += 1
        assert pages == 3
        assert [p[0] for p in track] == [T0 + i for i in range(25_000)]
        assert [p[1] for p in track] == [round(50 + i / 1e5, 6) for i in range(25_000)]
        # Past the end: an empty page that says no more.
        _, beyond = await fetch(f"/api/track/484506?visit={LONG}&start=25000")
        assert beyond["visits"][0]["track"] == [] and "next_start" not in beyond["visits"][0]

    with_client(db, check)


def test_one_answer_holds_10000_points_over_all_its_visits(store_location: str) -> None:
    db = store_location
    write_long_visits(db, (6_000, 6_000, 6_000))

    async def check(fetch: Fetch) -> None:
        _, doc = await fetch("/api/track/484506?visits=3")
        # Newest first; what does not fit says where it starts.
        assert [(v["id"], len(v["track"]), v.get("next_start")) for v in doc["visits"]] == [
            (str(LONG + 2), 6_000, None), (str(LONG + 1), 4_000, 4_000),
            (str(LONG), 0, 0)]
        _, rest = await fetch(f"/api/track/484506?visit={LONG + 1}&start=4000")
        assert [p[0] for p in rest["visits"][0]["track"]] == [
            T0 + 100_000 + i for i in range(4_000, 6_000)]

    with_client(db, check)


def test_numbers_out_of_range_are_400s_not_500s(db: Path) -> None:
    """L2 of the hostile probe: a visit id past 64 bits reached SQLite and gave 500."""
    async def check(fetch: Fetch) -> None:
        for query, name in (("visit=99999999999999999999999", "visit"),
                            ("visit=-3", "visit"), ("visit=0", "visit"),
                            ("visit=11&start=-1", "start"),
                            ("visit=11&start=1e3", "start"),
                            ("visits=99999999999999999999", "visits")):
            status, error = await fetch(f"/api/track/484506?{query}")
            assert status == 400, query
            assert error["error"].startswith(f"{name}: "), error
        status, _ = await fetch("/api/track/484506?visit=9223372036854775807")
        assert status == 404  # the largest id there can be: looked for, not there
        for since in ("nan", "inf", "-inf", "1e400"):
            status, error = await fetch(f"/api/visits?since={since}")
            assert (status, error["error"]) == (400, f"since: {since!r} is not a time")

    with_client(db, check)


def test_store_reads_run_in_two_threads_and_at_most_16_wait(db: Path) -> None:
    """Off the network loop, and bounded: four huge reads at once took 2 GB."""
    reader = HistoryReader(str(db))
    release = threading.Event()
    lock = threading.Lock()
    running: list[str] = []
    threads: set[str] = set()
    most = 0

    def query(history: Any) -> int:
        nonlocal most
        with lock:
            running.append(threading.current_thread().name)
            threads.add(threading.current_thread().name)
            most = max(most, len(running))
        release.wait(30)
        with lock:
            running.pop()
        return history.visit(11).icao

    async def main() -> list[int]:
        reads = [asyncio.create_task(reader.read(query, 0)) for _ in range(WAITING_READS)]
        deadline = time.monotonic() + 30
        while len(running) < READ_THREADS and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        with pytest.raises(HistoryBusy):
            await reader.read(query, 0)  # one too many: refused at once, not queued
        release.set()
        return await asyncio.gather(*reads)

    try:
        assert asyncio.run(main()) == [WATCHED] * WAITING_READS
    finally:
        reader.close()
    assert most == READ_THREADS == 2
    assert len(threads) == 2 and all(name.startswith("history") for name in threads)


def test_watchlist_from_the_store_or_from_the_run(db: Path) -> None:
    async def from_store(fetch: Fetch) -> None:
        _, entries = await fetch("/api/watchlist")
        # The stored block, and the aircraft recorded as watched with its latest label.
        assert entries == [{"icao": "400000", "label": "a block", "to": "4000ff"},
                           {"icao": "484506", "label": "NAF01 new"}]

    with_client(db, from_store)

    async def from_run(fetch: Fetch) -> None:
        _, entries = await fetch("/api/watchlist")
        assert entries == [{"icao": "4ca123", "label": "run's own"}]

    with_client(db, from_run, watchlist=Watchlist([WatchEntry(0x4CA123, 0x4CA123,
                                                              "run's own")]))


def test_postgresql_reads_keep_one_connection_from_request_to_request(pg_url: str) -> None:
    """A connection is tens of ms and one of the server's slots: not one per request."""
    write_store(pg_url)
    wait_until(lambda: not pg_clients(pg_url))  # the writing connections are gone
    seen: set[int] = set()

    async def check(fetch: Fetch) -> None:
        for _ in range(5):
            for path in ("/api/visits", "/api/track/484506", "/api/watchlist"):
                status, _ = await fetch(path)
                assert status == 200, path
                now = pg_clients(pg_url)
                assert len(now) == 1, now
                seen.update(now)

    with_client(pg_url, check)
    assert len(seen) == 1  # the same connection for all 15
    wait_until(lambda: not pg_clients(pg_url))  # and closed with the server


def test_postgresql_reads_go_on_after_the_server_restarts(own_pg_server: PgServer) -> None:
    server = own_pg_server
    url = server.url(server.new_database())
    write_store(url)

    async def check(fetch: Fetch) -> None:
        status, before = await fetch("/api/visits")
        assert status == 200 and len(before) == 2
        server.stop()
        server.start()  # the kept connection is broken: the read is tried anew
        assert await fetch("/api/visits") == (200, before)
        server.stop()
        status, error = await fetch("/api/visits")
        assert status == 503
        assert error["error"].startswith(f"cannot connect to the database {url} (")
        server.start()
        assert await fetch("/api/visits") == (200, before)
        assert await fetch("/api/watchlist") == (200, [
            {"icao": "400000", "label": "a block", "to": "4000ff"},
            {"icao": "484506", "label": "NAF01 new"}])
        assert len(pg_clients(url)) == 1

    with_client(url, check)


def test_config_and_a_missing_store(store_location: str) -> None:
    async def check(fetch: Fetch) -> None:
        _, config = await fetch("/api/config")
        assert config == {"tiles": "https://t.example/{z}/{x}/{y}.png", "history": True,
                          "receiver": {"lat": 52.3, "lon": 4.7}}
        for path in ("/api/visits", "/api/watchlist"):
            assert await fetch(path) == (200, [])
        assert await fetch("/api/track/484506") == (200, {"icao": "484506", "visits": []})

    with_client(store_location, check, receiver=(52.3, 4.7),
                tiles="https://t.example/{z}/{x}/{y}.png")

    async def no_store(fetch: Fetch) -> None:
        _, config = await fetch("/api/config")
        assert config == {"tiles": None, "history": False, "receiver": None}
        assert await fetch("/api/visits") == (200, [])

    with_client(None, no_store)


def test_a_file_that_is_not_a_store_is_a_503_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite at all, just text " * 100)

    async def check(fetch: Fetch) -> None:
        status, error = await fetch("/api/visits")
        assert status == 503
        assert error["error"] == f"{bad} is not an adsbwatch database (it is not a SQLite file)"

    with_client(bad, check)


def test_a_database_of_another_program_is_a_503_with_the_reason(pg_url: str) -> None:
    raw_execute(pg_url, "CREATE TABLE invoices (n INTEGER)")

    async def check(fetch: Fetch) -> None:
        status, error = await fetch("/api/visits")
        assert status == 503
        assert error["error"].startswith(f"{pg_url} holds tables of another program, not "
                                         "an adsbwatch store")

    with_client(pg_url, check)


def test_the_page_its_files_and_leaflet_are_served() -> None:
    from xstatic.pkg import leaflet

    async def check(fetch: Fetch) -> None:
        status, page = await fetch("/", raw=True)
        assert status == 200 and b'src="static/app.js"' in page
        status, script = await fetch("/static/app.js", raw=True)
        assert script == (STATIC_DIR / "app.js").read_bytes()
        status, lib = await fetch("/static/leaflet/leaflet.js", raw=True)
        assert lib == (Path(leaflet.BASE_DIR) / "leaflet.js").read_bytes()
        status, land = await fetch("/static/outlines/land.geojson")
        assert status == 200 and land["type"] == "FeatureCollection"
        status, _ = await fetch("/static/../routes.py", raw=True)
        assert status in (403, 404)

    with_client(None, check)


def test_the_page_loads_nothing_from_elsewhere() -> None:
    """Every URL in the page and its scripts is relative: no CDN, works under a prefix."""
    page = (STATIC_DIR / "index.html").read_text()
    scripts = sorted(STATIC_DIR.glob("*.js"))
    assert {p.name for p in scripts} == {"altitude.js", "app.js", "background.js",
                                         "labels.js"}
    for script in scripts:
        assert f'src="static/{script.name}"' in page
    for text in (page, *(p.read_text() for p in scripts)):
        assert "http://" not in text and "https://" not in text
        assert 'src="/' not in text and 'href="/' not in text
        assert 'getJson("/' not in text and 'fetch("/' not in text


# ------------------------------------------------------------------ the outlines

def load_make_outlines() -> Any:
    spec = importlib.util.spec_from_file_location("make_outlines",
                                                  REPO / "scripts" / "make_outlines.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_topojson_arcs_are_undeltaed_scaled_and_joined() -> None:
    make_outlines = load_make_outlines()
    # A unit square from two arcs sharing their end points, quantized to a 0.5° grid
    # from (10, 20); the second arc walked backwards (~1).
    topology = {
        "type": "Topology", "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 2]], [[0, 0], [0, 2], [2, 0]]],
        "objects": {"land": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0, ~1]], "properties": {"name": "Square"}},
            {"type": None}]}},
    }
    arcs = make_outlines.decode_arcs(topology)
    assert arcs == [[[10, 20], [11, 20], [11, 21]], [[10, 20], [10, 21], [11, 21]]]
    features = make_outlines.features(topology["objects"]["land"], arcs)
    assert features == [{"type": "Feature", "properties": {"name": "Square"},
                         "geometry": {"type": "Polygon", "coordinates": [
                             [[10, 20], [11, 20], [11, 21], [10, 21], [10, 20]]]}}]


def test_the_shipped_outlines_hold_the_netherlands_where_it_is() -> None:
    countries = json.loads((STATIC_DIR / "outlines" / "countries.geojson").read_text())
    by_name = {f["properties"].get("name"): f for f in countries["features"]}
    assert len(by_name) > 170
    points = [p for ring in by_name["Netherlands"]["geometry"]["coordinates"] for p in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    assert 3 < min(lons) < 4 and 7 < max(lons) < 7.5
    assert 50.7 < min(lats) < 51 and 53.3 < max(lats) < 53.7
    for f in countries["features"]:
        rings = (f["geometry"]["coordinates"] if f["geometry"]["type"] == "Polygon"
                 else [r for poly in f["geometry"]["coordinates"] for r in poly])
        assert all(ring[0] == ring[-1] for ring in rings), f["properties"]
    total = sum(p.stat().st_size for p in (STATIC_DIR / "outlines").glob("*.geojson"))
    assert total < 300_000
