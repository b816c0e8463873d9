"""Issue 19, the map half: what a tar1090 user expects of the web map, in a real browser
(Debian's headless chromium through selenium) at a desktop's 1280x800 and a phone's
412x900. The page is served by the HTTP service itself with documents made here (an
aircraft.json of known values), or by a replay of the bundled sample:

- the receiver and its range rings paint above the background on the first load;
- aircraft and trails take tar1090's altitude colours;
- visible labels never overlap;
- the table sorts by every column, both ways;
- the selected aircraft's panel says what is known, its trail drawn;
- a scale bar; a layout that leaves the map room on a phone;
- a banner when no answer comes;
- at airport zoom the detailed background: 1:10m land and EHAM's runways.

Screenshots go to tests/artifacts/ (web_map_*.png)."""

from __future__ import annotations

import colorsys
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import test_web_map
from test_web_map import SAMPLE, SAMPLE_ARGS, T0, requested_urls, screenshot, wait_for

browser = test_web_map.browser            # the fixtures, shared
start_server = test_web_map.start_server

EHAM = (52.3086, 4.7639)
DESKTOP = (1280, 800)
PHONE = (412, 900)


def aircraft(hex_: str, north_km: float, east_km: float, **keys: Any) -> dict[str, Any]:
    """An aircraft.json entry placed `north_km`, `east_km` from the receiver."""
    lat = EHAM[0] + north_km / 111.32
    lon = EHAM[1] + east_km / (111.32 * math.cos(math.radians(EHAM[0])))
    return {"hex": hex_, "type": "adsb_icao", "lat": round(lat, 6), "lon": round(lon, 6),
            "messages": 10, "seen": 0.5, **keys}


# Every column's values distinct, some missing (listed last whichever way a column sorts).
TRAFFIC = [
    aircraft("4840d6", 8, 5, flight="KLM1234 ", r="PH-BXA", t="B738", squawk="1000",
             alt_baro=1200, baro_rate=1600, gs=160.3, track=41.5, messages=120, seen=0.4,
             rssi=-12.5),
    aircraft("3c6444", -20, 30, flight="DLH9TX  ", r="D-AIBA", t="A319", squawk="2210",
             alt_baro=9800, baro_rate=-900, gs=290.0, track=250.2, messages=340, seen=1.2,
             rssi=-20.1),
    aircraft("400a12", 60, -15, flight="BAW44   ", r="G-EUPA", t="A320", squawk="5501",
             alt_baro=36000, geom_rate=64, gs=455.1, track=95.0, messages=75, seen=3.0,
             rssi=-27.3),
    aircraft("485d7c", 1, 0.5, flight="KLM87W  ", r="PH-EXZ", t="E75S", squawk="3401",
             alt_baro="ground", gs=12.0, track=180.0, messages=55, seen=0.1, rssi=-3.2),
    aircraft("4ca7b3", -45, -40, flight="RYR5TK  ", r="EI-DWF", t="B38M", squawk="7700",
             emergency="general", alt_baro=17250, baro_rate=-2200, gs=380.6, track=12.0,
             messages=210, seen=7.5, rssi=-31.0),
    aircraft("44cdc4", 30, 70, flight="BEL3BC  ", t="A20N", alt_baro=24000, baro_rate=0,
             gs=420.4, track=300.9, messages=33, seen=12.0, rssi=-25.0),
    {"hex": "406b3a", "type": "mode_s", "alt_baro": 4975, "messages": 4, "seen": 20.0},
]


def hsl_rgb(h: float, s: float, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb((h % 360) / 360, lightness / 100, s / 100)
    return round(r * 255), round(g * 255), round(b * 255)


def piecewise(table: list[tuple[float, float]], x: float) -> float:
    if x <= table[0][0]:
        return table[0][1]
    for (x0, y0), (x1, y1) in zip(table, table[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return table[-1][1]


# tar1090's ColorByAlt defaults (html/defaults.js): hue by altitude, lightness by hue.
HUES = [(0, 20), (2000, 32.5), (4000, 43), (6000, 54), (8000, 72), (9000, 85),
        (11000, 140), (40000, 300), (51000, 360)]
LIGHTS = [(0, 53), (20, 50), (32, 54), (40, 52), (46, 51), (50, 46), (60, 43), (80, 41),
          (100, 41), (120, 41), (140, 41), (160, 40), (180, 40), (190, 44), (198, 50),
          (200, 58), (220, 58), (240, 58), (255, 55), (266, 55), (270, 58), (280, 58),
          (290, 47), (300, 43), (310, 48), (320, 48), (340, 52), (360, 53)]


def tar1090_rgb(altitude: Any) -> tuple[int, int, int]:
    if altitude == "ground":
        return hsl_rgb(220, 0, 30)
    if altitude is None:
        return hsl_rgb(0, 0, 75)
    hue = piecewise(HUES, altitude)
    half_up = lambda x: math.floor(x + 0.5)  # noqa: E731 (as JavaScript's Math.round)
    return hsl_rgb(half_up(hue), 88, half_up(piecewise(LIGHTS, hue)))


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(v) for v in re.findall(r"\d+", css)[:3])


@contextmanager
def serving(traffic: list[dict[str, Any]], receiver: tuple[float, float] | None = EHAM,
            ) -> Iterator[tuple[str, Callable[[list[dict[str, Any]]], None], Any]]:
    """The HTTP service with an aircraft.json of `traffic` (now: T0): its URL, a function
    that publishes other traffic, and the service (to stop it early)."""
    from adsbwatch.receiver.core.network import NetworkThread
    from adsbwatch.receiver.outputs.http.app import make_app
    from adsbwatch.receiver.outputs.http.documents import Published, encode

    def documents(traffic: list[dict[str, Any]]) -> dict[str, bytes]:
        docs = {"aircraft.json": encode({"now": T0, "messages": 1000, "aircraft": traffic}),
                "sightings.json": encode({"now": T0, "sightings": []})}
        if receiver is not None:
            docs["receiver.json"] = encode({"version": "test", "refresh": 1000,
                                            "history": 0, "lat": receiver[0],
                                            "lon": receiver[1]})
        return docs

    from adsbwatch.receiver.outputs.http.service import HttpService

    published = Published(documents(traffic))
    network = NetworkThread()
    try:
        service = HttpService(network, make_app(published, None, db_path=None,
                                                receiver=receiver, tiles=None),
                              "127.0.0.1", 0)

        def publish(traffic: list[dict[str, Any]]) -> None:
            published.documents = documents(traffic)

        try:
            yield service.url, publish, service
        finally:
            service.stop()
    finally:
        network.stop()


def open_page(driver: Any, url: str, size: tuple[int, int], count: int) -> None:
    driver.set_window_size(*size)
    driver.get(url)
    wait_for(driver, f"return document.querySelectorAll('#aircraft tbody tr').length === "
                     f"{count}")


def severe_errors(driver: Any) -> list[Any]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


# ------------------------------------------------------------------ receiver on top

# Whether element a paints above element b: a pane with a higher z-index, or in the same
# pane later in the document.
PAINTS_ABOVE = """
function paneZ(node) {
  const pane = node.closest('.leaflet-pane:not(.leaflet-map-pane)');
  return pane ? Number(getComputedStyle(pane).zIndex) || 0 : 0;
}
function paintsAbove(a, b) {
  const za = paneZ(a), zb = paneZ(b);
  if (za !== zb) return za > zb;
  return !!(b.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING);
}
"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280x800", "412x900"])
def test_the_receiver_and_rings_are_above_the_background_on_first_load(
        browser, size: tuple[int, int]) -> None:
    """The background arrives after the receiver is drawn: it must still go below."""
    with serving(TRAFFIC) as (url, _, _service):
        open_page(browser, url, size, len(TRAFFIC))
        # The background's paths (coarse or detailed land, borders), once there.
        wait_for(browser, "return ringLayer && document.querySelectorAll('.leaflet-pane path')"
                          ".length > ringLayer.getLayers().length")
        time.sleep(1.5)  # detail tiles still arriving must go below too
        found = browser.execute_script(PAINTS_ABOVE + """
            const mapBox = document.getElementById('map').getBoundingClientRect();
            // The receiver's dot and rings: the paths of the page's ring layer.
            const ours = ringLayer.getLayers().filter(l => l._path).map(l => l._path);
            const background = [...document.querySelectorAll('.leaflet-pane path')]
              .filter(p => !ours.includes(p) && !p.closest('.leaflet-marker-pane'));
            const receiver = ours[0].getBoundingClientRect();
            return {rings: ours.length - 1, background: background.length,
              under: ours.filter(o => background.some(b => !paintsAbove(o, b)))
                .map(o => o.getAttribute('class') || o.getAttribute('stroke')),
              receiverInMap: receiver.width > 0 && receiver.left >= mapBox.left &&
                receiver.right <= mapBox.right && receiver.top >= mapBox.top &&
                receiver.bottom <= mapBox.bottom};""")
        assert found["rings"] == 4 and found["background"] > 0, found
        assert found["under"] == [], found
        assert found["receiverInMap"], found
        screenshot(browser, f"web_map_first_load_{size[0]}.png")
        assert severe_errors(browser) == []


# ------------------------------------------------------------------ colours

ALTITUDES: list[Any] = ["ground", 500, 3000, 7000, 10000, 20000, 30000, 38000, 45000, None]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280x800", "412x900"])
def test_aircraft_take_tar1090s_altitude_colours(browser, size: tuple[int, int]) -> None:
    traffic = [aircraft(f"4000{i:02x}", 40 * math.sin(i), 40 * math.cos(i),
                        flight=f"ALT{i}", **({} if alt is None else {"alt_baro": alt}))
               for i, alt in enumerate(ALTITUDES)]
    with serving(traffic) as (url, _, _service):
        open_page(browser, url, size, len(traffic))
        browser.execute_script("map.setView([52.3086, 4.7639], 7)")
        fills = wait_for(browser, """const m = [...document.querySelectorAll('.ac-marker')];
            return m.length === %d && Object.fromEntries(m.map(x => [x.dataset.hex,
              getComputedStyle(x.querySelector('.ac-plane path')).fill]))""".replace(
            "%d", str(len(traffic))))
        colours = [rgb(fills[a["hex"]]) for a in traffic]
        assert len(set(colours)) == len(ALTITUDES), colours  # each altitude its own
        for altitude, colour in zip(ALTITUDES, colours, strict=True):
            expected = tar1090_rgb(altitude)
            assert all(abs(c - e) <= 2 for c, e in zip(colour, expected, strict=True)), (
                altitude, colour, expected)
        # The legend: the scale's colours under their altitudes.
        legend = browser.execute_script("""return [...document.querySelectorAll(
            '.altitude-legend .legend-tick')].map(t => [t.innerText, t.dataset.altitude,
              getComputedStyle(t).borderTopColor])""")
        assert [t[0] for t in legend] == ["gnd", "0", "4k", "8k", "10k", "20k", "30k", "40k"]
        for _, altitude, colour in legend:
            expected = tar1090_rgb("ground" if altitude == "ground" else int(altitude))
            assert all(abs(c - e) <= 2 for c, e in zip(rgb(colour), expected, strict=True))
        screenshot(browser, f"web_map_colours_{size[0]}.png")


def test_a_trail_takes_the_colours_of_its_altitudes(browser) -> None:
    """A climbing aircraft, selected: its trail is drawn in stretches, each in the colour
    of its altitude."""
    climbing = [aircraft("484c5b", 2 + 3 * i, 2 + 2 * i, flight="TRA6123 ", alt_baro=alt,
                         track=35.0) for i, alt in enumerate((750, 3000, 6500, 12000, 25000))]
    with serving([climbing[0]]) as (url, publish, _service):
        open_page(browser, url, DESKTOP, 1)
        browser.execute_script("document.querySelector('#aircraft tbody tr').click()")
        for step in climbing[1:]:
            publish([step])
            wait_for(browser, "return state.aircraft.get('484c5b').data.alt_baro === "
                     f"{step['alt_baro']}")
        strokes = wait_for(browser, """const t = [...document.querySelectorAll('path.trail')]
            .map(p => getComputedStyle(p).stroke); return t.length >= 4 && t""")
        expected = [tar1090_rgb(step["alt_baro"]) for step in climbing[:-1]]
        got = [rgb(s) for s in strokes]
        assert len(set(got)) == 4
        for colour, want in zip(got, expected, strict=True):
            assert all(abs(c - e) <= 3 for c, e in zip(colour, want, strict=True)), (got,
                                                                                     expected)
        screenshot(browser, "web_map_trail.png")


# ------------------------------------------------------------------ labels

LABEL_BOXES = """return [...document.querySelectorAll('.ac-marker')].map(m => {
    const l = m.querySelector('.ac-label');
    return {hex: m.dataset.hex, visible: getComputedStyle(l).visibility === 'visible',
            box: l.getBoundingClientRect().toJSON()}})"""


PLACE = "if (typeof placeLabels === 'function') placeLabels()"  # (as zoomend calls it)


def overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    shown = [x for x in labels if x["visible"]]
    pairs = []
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            p, q = a["box"], b["box"]
            if (p["left"] < q["right"] and q["left"] < p["right"] and p["top"] < q["bottom"]
                    and q["top"] < p["bottom"]):
                pairs.append((a["hex"], b["hex"]))
    return pairs


def test_labels_do_not_overlap(browser) -> None:
    """Twenty aircraft crowding the airport: at every zoom the labels shown are pairwise
    disjoint; the nearest aircraft's label is among them; zoomed in, all are shown."""
    crowd = [aircraft(f"48{i:04x}", 3 * math.sin(i * 2.4) * (1 + i / 6),
                      3 * math.cos(i * 2.4) * (1 + i / 6), flight=f"KLM{100 + i}",
                      alt_baro=500 * i) for i in range(20)]
    with serving(crowd) as (url, _, _service):
        open_page(browser, url, DESKTOP, len(crowd))
        for zoom in (8, 10, 12, 14):
            browser.execute_script(f"map.setView([52.3086, 4.7639], {zoom}, "
                                   "{animate: false}); " + PLACE)
            time.sleep(0.3)
            labels = browser.execute_script(LABEL_BOXES)
            assert len(labels) == len(crowd)
            assert overlapping(labels) == [], zoom
            shown = {x["hex"] for x in labels if x["visible"]}
            assert "480000" in shown  # the nearest: first served
            if zoom == 8:
                screenshot(browser, "web_map_labels.png")
                assert len(shown) < len(crowd)  # crowded: some wait for room
        assert len(shown) == len(crowd)  # zoom 14: room for all


def test_labels_of_the_sample_do_not_overlap(start_server, browser) -> None:
    """The bundled sample around Schiphol, as the issue saw it."""
    server = start_server("replay", str(SAMPLE), *SAMPLE_ARGS, "--http", "0", "--no-db")
    browser.set_window_size(*DESKTOP)
    browser.get(server.url)
    wait_for(browser, "return document.querySelectorAll('.ac-marker').length === 8")
    for zoom in (7, 8, 9):
        browser.execute_script(f"map.setView([52.3086, 4.7639], {zoom}, {{animate: false}});"
                               + PLACE)
        time.sleep(0.3)
        labels = browser.execute_script(LABEL_BOXES)
        assert overlapping(labels) == [], zoom
        assert "484506" in {x["hex"] for x in labels if x["visible"]}  # watched: first
    assert server.stop()[0] == 0


# ------------------------------------------------------------------ the table

def distance_km(a: dict[str, Any]) -> float | None:
    if "lat" not in a:
        return None
    rad = math.pi / 180
    d_lat, d_lon = (a["lat"] - EHAM[0]) * rad, (a["lon"] - EHAM[1]) * rad
    h = (math.sin(d_lat / 2) ** 2
         + math.cos(EHAM[0] * rad) * math.cos(a["lat"] * rad) * math.sin(d_lon / 2) ** 2)
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(h)))


# The columns, left to right: each one's sort value (None: unknown).
SORT_VALUES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "hex": lambda a: a["hex"],
    "flight": lambda a: a.get("flight", "").strip() or None,
    "r": lambda a: a.get("r"),
    "t": lambda a: a.get("t"),
    "squawk": lambda a: a.get("squawk"),
    "alt": lambda a: -1e6 if a.get("alt_baro") == "ground" else a.get("alt_baro"),
    "vrate": lambda a: a.get("baro_rate", a.get("geom_rate")),
    "gs": lambda a: a.get("gs"),
    "track": lambda a: a.get("track"),
    "dist": distance_km,
    "messages": lambda a: a.get("messages"),
    "seen": lambda a: a.get("seen"),
    "rssi": lambda a: a.get("rssi"),
}


def expected_order(traffic: list[dict[str, Any]], key: str, descending: bool) -> list[str]:
    value = SORT_VALUES[key]
    known = sorted((a for a in traffic if value(a) is not None), key=lambda a: a["hex"])
    known.sort(key=value, reverse=descending)  # stable: ties stay in hex order
    unknown = sorted((a for a in traffic if value(a) is None), key=lambda a: a["hex"])
    return [a["hex"] for a in known + unknown]


ORDER = "return [...document.querySelectorAll('#aircraft tbody tr')].map(r => r.dataset.hex)"


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280x800", "412x900"])
def test_the_table_sorts_by_every_column_both_ways(browser, size: tuple[int, int]) -> None:
    with serving(TRAFFIC) as (url, _, _service):
        open_page(browser, url, size, len(TRAFFIC))
        heads = browser.execute_script(
            "return [...document.querySelectorAll('#aircraft th')].map(t => t.dataset.key)")
        assert heads == list(SORT_VALUES)
        texts = browser.execute_script(
            "return [...document.querySelectorAll('#aircraft th')].map(t => t.innerText)")
        assert texts == ["hex", "flight", "reg", "type", "squawk", "alt ft", "v/s ft/min",
                         "speed kt", "track", "dist km", "msgs", "seen s", "rssi"]
        for key in SORT_VALUES:
            for descending in (False, True):
                # A real click on the header, scrolled into view as a user would.
                head = browser.find_element("css selector", f"#aircraft th[data-key='{key}']")
                browser.execute_script("arguments[0].scrollIntoView({block: 'nearest', "
                                       "inline: 'center'})", head)
                head.click()
                want = expected_order(TRAFFIC, key, descending)
                wanted = json.dumps(want, separators=(",", ":"))
                assert wait_for(browser, ORDER.replace("return ", "const o = ", 1)
                                + f"; return JSON.stringify(o) === '{wanted}' && o") == want
                assert browser.execute_script("return arguments[0].getAttribute('aria-sort')",
                                              head) == ("descending" if descending
                                                        else "ascending")
        # What the cells say of one aircraft.
        row = browser.execute_script("""return [...document.querySelector(
            '#aircraft tr[data-hex="4ca7b3"]').cells].map(c => c.textContent)""")
        assert row == ["4ca7b3", "RYR5TK", "EI-DWF", "B38M", "7700", "17250", "-2200", "381",
                       "12", f"{distance_km(TRAFFIC[4]):.1f}", "210", "7.5", "-31.0"]
        screenshot(browser, f"web_map_table_{size[0]}.png")


# ------------------------------------------------------------------ the selected aircraft

def test_the_selected_aircraft_panel_says_what_is_known(browser) -> None:
    with serving(TRAFFIC) as (url, publish, _service):
        open_page(browser, url, DESKTOP, len(TRAFFIC))
        browser.execute_script("document.querySelector('#aircraft tr[data-hex=\"4ca7b3\"]')"
                               ".click()")
        fields = wait_for(browser, """const d = [...document.querySelectorAll(
            '#selected-fields dd')]; return d.length && Object.fromEntries(
            d.map(x => [x.dataset.key, x.innerText]))""")
        assert fields["hex"] == "4ca7b3 (adsb_icao)"
        assert fields["flight"] == "RYR5TK"
        assert fields["r"] == "EI-DWF"
        assert fields["t"] == "B38M"
        assert fields["squawk"] == "7700 (emergency: general)"
        assert fields["alt_baro"] == "17250 ft"
        assert fields["vrate"] == "-2200 ft/min"
        assert fields["gs"] == "381 kt"
        assert fields["track"] == "12°"
        assert fields["position"].startswith(f"{TRAFFIC[4]['lat']:.4f}, "
                                             f"{TRAFFIC[4]['lon']:.4f} (60.")
        assert fields["rssi"] == "-31.0 dBFS"
        assert fields["messages"] == "210"
        assert browser.execute_script(
            "return document.getElementById('selected-title').innerText") == (
            "selected: 4ca7b3 RYR5TK")
        # Its track: the trail from the polls, drawn.
        moved = dict(TRAFFIC[4], lat=TRAFFIC[4]["lat"] + 0.05, track=14.0)
        publish([*TRAFFIC[:4], moved, *TRAFFIC[5:]])
        assert wait_for(browser, "return document.querySelectorAll('path.trail').length")
        assert wait_for(browser, "return document.querySelector("
                                 "'#selected-fields dd[data-key=track]').innerText") == "14°"
        screenshot(browser, "web_map_selected.png")
        assert severe_errors(browser) == []


# ------------------------------------------------------------------ scale and layout

@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280x800", "412x900"])
def test_a_scale_bar_and_a_layout_that_leaves_the_map_room(browser,
                                                          size: tuple[int, int]) -> None:
    with serving(TRAFFIC) as (url, _, _service):
        open_page(browser, url, size, len(TRAFFIC))
        layout = browser.execute_script("""const box = (s) =>
              document.querySelector(s).getBoundingClientRect().toJSON();
            return {map: box('#map'), table: box('#aircraft'), width: innerWidth,
              height: innerHeight, scroll: document.documentElement.scrollWidth,
              scales: [...document.querySelectorAll('.leaflet-control-scale-line')].map(
                x => [x.innerText, x.getBoundingClientRect().width])}""")
        assert layout["width"] == size[0]
        assert layout["map"]["width"] > (600 if size == DESKTOP else 400), layout
        assert layout["map"]["height"] > 300, layout
        assert layout["scroll"] <= layout["width"]  # the page itself does not scroll sideways
        (metric, metric_px), (nautical, nautical_px) = layout["scales"]
        assert re.fullmatch(r"\d+ k?m", metric) and re.fullmatch(r"[\d.]+ nm", nautical)
        assert metric_px > 20 and nautical_px > 20
        # The table is on the page, and its rows take a click.
        row = browser.find_element("css selector", '#aircraft tr[data-hex="3c6444"]')
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
        hit = browser.execute_script("""const r = arguments[0].cells[0]
            .getBoundingClientRect(); const hit = document.elementFromPoint(
            r.left + r.width / 2, r.top + r.height / 2); return hit && hit.closest('tr') ===
            arguments[0]""", row)
        assert hit
        row.click()
        assert wait_for(browser, "return state.selected") == "3c6444"
        screenshot(browser, f"web_map_layout_{size[0]}.png")


# ------------------------------------------------------------------ no data

def test_a_banner_says_when_no_answer_comes(browser) -> None:
    with serving(TRAFFIC) as (url, _, service):
        open_page(browser, url, DESKTOP, len(TRAFFIC))
        assert browser.execute_script(
            "return document.getElementById('no-data').classList.contains('hidden')")
        service.stop()
        banner = wait_for(browser, "const b = document.getElementById('no-data'); return "
                                   "getComputedStyle(b).display !== 'none' && b.innerText")
        assert re.fullmatch(r"no answer from adsbwatch since \d\d:\d\d:\d\d UTC", banner)
        box = browser.execute_script(
            "return document.getElementById('no-data').getBoundingClientRect().toJSON()")
        map_box = browser.execute_script(
            "return document.getElementById('map').getBoundingClientRect().toJSON()")
        assert map_box["left"] <= box["left"] and box["right"] <= map_box["right"]
        screenshot(browser, "web_map_no_answer.png")


# ------------------------------------------------------------------ detailed background

EHAM_RUNWAYS = {"04/22", "06/24", "09/27", "18C/36C", "18L/36R", "18R/36L"}


def test_airport_zoom_shows_coastlines_and_runways(browser) -> None:
    with serving(TRAFFIC) as (url, _, _service):
        open_page(browser, url, DESKTOP, len(TRAFFIC))
        browser.execute_script("map.setView([52.3086, 4.7639], 12, {animate: false})")
        drawn = wait_for(browser, """const view = map.getBounds();
            const names = background.runways.map(([r]) => r)
              .filter(r => view.intersects(r.getBounds())).map(r => r.runwayName);
            return names.length >= 6 && names""")
        assert set(drawn) >= EHAM_RUNWAYS
        found = browser.execute_script("""const mapBox = document.getElementById('map')
              .getBoundingClientRect();
            const inside = (b) => b.right > mapBox.left && b.left < mapBox.right &&
              b.bottom > mapBox.top && b.top < mapBox.bottom;
            const label = [...document.querySelectorAll('.airport-label')]
              .find(l => l.innerText === 'EHAM');
            return {runways: [...document.querySelectorAll('path.runway')]
                .filter(p => inside(p.getBoundingClientRect())).length,
              land: document.querySelectorAll('path.detail-land').length,
              lakes: document.querySelectorAll('path.detail-lake').length,
              coarse: map.hasLayer(background.coarse),
              eham: !!label && inside(label.getBoundingClientRect())}""")
        assert found["runways"] >= 6 and found["land"] >= 1 and found["lakes"] >= 1, found
        assert not found["coarse"]  # the 1:110m land would spill over the fine coast
        assert found["eham"]
        screenshot(browser, "web_map_airport.png")
        # Zoomed out, the world's outline again.
        browser.execute_script("map.setView([52.3086, 4.7639], 4, {animate: false})")
        assert wait_for(browser, "return map.hasLayer(background.coarse)")
        assert {u for u in requested_urls(browser) if not u.startswith(url)} == set()
        assert severe_errors(browser) == []
