"""Track exports: each format parsed back, with the coordinates and times it was given."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET

import pytest
from store_support import recorder

from adsbwatch.receiver.store.export import (
    CSV_HEADER,
    EXPORT_FORMATS,
    GPX_NS,
    GX_NS,
    KML_NS,
    export_track,
)
from adsbwatch.receiver.store.opening import open_history
from adsbwatch.receiver.store.rows import PointRow, TrackRow, VisitRow

T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z
A, B = 2**62 + 12345, 77  # a 63-bit id (beyond JavaScript's exact integers) and a small one

ROWS = [
    TrackRow(A, T0, 51.5, -0.25, 38000, 450.0, 270.0, -64, False),
    TrackRow(A, T0 + 1.5, 51.51, -0.26, 37975, 451.25, 271.5, -128, False),
    TrackRow(A, T0 + 3, 51.52, -0.27, None, None, None, None, True),  # a surface position
    TrackRow(B, T0 + 3600, 52.0, 0.1, 1000, 120.0, 90.0, 0, False),
]
NASTY = 'Ops <&"\'> \x01 ]]> label'
NAMES = {"icao": "3C6DD4", "label": "Lufthansa", "callsign": "DLH4AB"}
K, GX, G = f"{{{KML_NS}}}", f"{{{GX_NS}}}", f"{{{GPX_NS}}}"


def iso(t: float) -> str:
    """UTC time with milliseconds, computed independently of the exporter."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{round(t % 1 * 1000):03d}Z"


def test_iso_helper_matches_a_known_time() -> None:
    assert iso(T0 + 1.5) == "2026-11-18T11:06:41.500Z"


def test_formats_and_unknown_format() -> None:
    assert EXPORT_FORMATS == ("geojson", "kml", "csv", "gpx")
    with pytest.raises(ValueError, match="unknown export format 'shp': use one of geojson"):
        export_track(ROWS, "shp", **NAMES)


# ------------------------------------------------------------------------------ GeoJSON

def test_geojson_lines_per_visit_and_points_with_properties() -> None:
    doc = json.loads(export_track(ROWS, "geojson", **NAMES))
    assert doc["type"] == "FeatureCollection"
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    # visit B has one point: no LineString (it needs two), but its Point is there
    assert len(lines) == 1
    assert lines[0]["geometry"]["coordinates"] == [
        [-0.25, 51.5, 11582.4], [-0.26, 51.51, 11574.8], [-0.27, 51.52]]
    assert lines[0]["properties"] == {
        "visit_id": str(A), "icao": "3C6DD4", "label": "Lufthansa", "callsign": "DLH4AB",
        "registration": "", "type": "", "operator": "", "country": "",
        "start": "2026-11-18T11:06:40.000Z", "end": "2026-11-18T11:06:43.000Z"}
    assert [p["geometry"]["coordinates"][:2] for p in points] == [
        [r.lon, r.lat] for r in ROWS]
    assert [p["properties"]["t"] for p in points] == [iso(r.t) for r in ROWS]
    assert points[1]["properties"] == {
        "visit_id": str(A), "t": "2026-11-18T11:06:41.500Z", "alt": 37975, "gs": 451.25,
        "track": 271.5, "vrate": -128, "on_ground": False}
    assert points[2]["properties"]["alt"] is None
    assert points[2]["properties"]["on_ground"] is True
    assert points[3]["geometry"]["coordinates"] == [0.1, 52.0, 304.8]


def test_geojson_has_no_nan() -> None:
    row = TrackRow(B, T0, 1.0, 2.0, 100, float("nan"), float("inf"), None, False)
    text = export_track([row], "geojson", **NAMES)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["features"][0]["properties"]["gs"] is None


# ------------------------------------------------------------------------------ KML

def test_kml_one_placemark_per_visit_with_timed_absolute_tracks() -> None:
    root = ET.fromstring(export_track(ROWS, "kml", **NAMES))
    assert root.tag == f"{K}kml"
    assert root.find(f"{K}Document/{K}name").text == "DLH4AB 3C6DD4 Lufthansa"
    placemarks = root.findall(f"{K}Document/{K}Placemark")
    assert len(placemarks) == 2
    assert placemarks[0].find(f"{K}name").text == "DLH4AB 2026-11-18T11:06:40.000Z"
    tracks = placemarks[0].findall(f"{GX}MultiTrack/{GX}Track")
    # airborne run with altitudes, then the surface run without
    assert [t.find(f"{K}altitudeMode").text for t in tracks] == ["absolute", "clampToGround"]
    assert [w.text for w in tracks[0].findall(f"{K}when")] == [iso(T0), iso(T0 + 1.5)]
    coords = [[float(x) for x in c.text.split()] for c in tracks[0].findall(f"{GX}coord")]
    assert coords == [[-0.25, 51.5, 11582.4], [-0.26, 51.51, 11574.8]]
    assert [c.text for c in tracks[1].findall(f"{GX}coord")] == ["-0.27 51.52 0"]
    (second,) = placemarks[1].findall(f"{GX}MultiTrack/{GX}Track")
    assert [w.text for w in second.findall(f"{K}when")] == [iso(T0 + 3600)]
    # Google Earth pairs each <when> with a <gx:coord>
    for track in (*tracks, second):
        assert len(track.findall(f"{K}when")) == len(track.findall(f"{GX}coord"))


def test_kml_coordinates_are_rounded_lon_lat_metres() -> None:
    """Numbers worked out by hand: 6 decimals of degrees in plain decimal form (KML
    has no exponents), feet times 0.3048 to 0.1 m, a surface run clamped to 0 m."""
    rows = [
        TrackRow(9, T0, 52.308601234, 4.763889876, 1234, None, None, None, False),
        TrackRow(9, T0 + 0.25, -33.9461499, -0.0000123, -250, None, None, None, False),
        TrackRow(9, T0 + 2, 52.3, 4.76, None, None, None, None, True),
        TrackRow(9, T0 + 3, -0.0000004, 0.0, None, None, None, None, True),
    ]
    root = ET.fromstring(export_track(rows, "kml", icao="484506", label="", callsign=""))
    (placemark,) = root.iter(f"{K}Placemark")
    runs = placemark.findall(f"{GX}MultiTrack/{GX}Track")
    assert [run.findtext(f"{K}altitudeMode") for run in runs] == ["absolute", "clampToGround"]
    coords = [[c.text for c in run.findall(f"{GX}coord")] for run in runs]
    assert coords == [["4.76389 52.308601 376.1", "-0.000012 -33.94615 -76.2"],
                      ["4.76 52.3 0", "0 0 0"]]
    whens = [[w.text for w in run.findall(f"{K}when")] for run in runs]
    assert whens == [["2026-11-18T11:06:40.000Z", "2026-11-18T11:06:40.250Z"],
                     ["2026-11-18T11:06:42.000Z", "2026-11-18T11:06:43.000Z"]]


# ------------------------------------------------------------------------------ GPX

def test_gpx_one_segment_per_visit_with_elevation_and_time() -> None:
    root = ET.fromstring(export_track(ROWS, "gpx", **NAMES))
    assert root.tag == f"{G}gpx"
    assert root.get("version") == "1.1"
    segments = root.findall(f"{G}trk/{G}trkseg")
    assert len(segments) == 2
    points = [p for s in segments for p in s.findall(f"{G}trkpt")]
    assert [(float(p.get("lat")), float(p.get("lon"))) for p in points] == [
        (r.lat, r.lon) for r in ROWS]
    assert [p.find(f"{G}time").text for p in points] == [iso(r.t) for r in ROWS]
    assert [p.findtext(f"{G}ele") for p in points] == ["11582.4", "11574.8", None, "304.8"]
    # the schema orders ele before time
    assert [child.tag for child in points[0]] == [f"{G}ele", f"{G}time"]


# ------------------------------------------------------------------------------ CSV

def test_csv_header_and_rows() -> None:
    table = list(csv.reader(io.StringIO(export_track(ROWS, "csv", **NAMES))))
    assert table[0] == list(CSV_HEADER) == [
        "time_utc", "icao", "lat", "lon", "alt_ft", "gs_kt", "track_deg", "vrate_fpm",
        "on_ground", "registration", "type", "operator", "country"]
    assert table[1] == ["2026-11-18T11:06:40.000Z", "3C6DD4", "51.5", "-0.25", "38000",
                        "450.0", "270.0", "-64", "0", "", "", "", ""]
    assert table[3] == [iso(T0 + 3), "3C6DD4", "51.52", "-0.27", "", "", "", "", "1",
                        "", "", "", ""]
    assert len(table) == 1 + len(ROWS)


# ------------------------------------------------------------------------------ the database

GOV = {"icao": "484506", "label": "Dutch government", "callsign": "NAF01",
       "registration": "PH-GOV", "type_code": "B737", "operator": "Dutch Government",
       "country": "NL"}


def test_every_format_carries_the_registration_type_operator_and_country() -> None:
    doc = json.loads(export_track(ROWS, "geojson", **GOV))
    line = next(f for f in doc["features"] if f["geometry"]["type"] == "LineString")
    assert {k: line["properties"][k] for k in ("registration", "type", "operator",
                                               "country")} == {
        "registration": "PH-GOV", "type": "B737", "operator": "Dutch Government",
        "country": "NL"}
    kml = ET.fromstring(export_track(ROWS, "kml", **GOV))
    assert kml.findtext(f"{K}Document/{K}name") == "NAF01 484506 PH-GOV B737 Dutch government"
    assert kml.findtext(f"{K}Document/{K}description") == \
        "Dutch government; PH-GOV, B737, Dutch Government, NL"
    assert [p.findtext(f"{K}description") for p in kml.iter(f"{K}Placemark")] == [
        "Dutch government; PH-GOV, B737, Dutch Government, NL"] * 2
    gpx = ET.fromstring(export_track(ROWS, "gpx", **GOV))
    assert gpx.findtext(f"{G}trk/{G}name") == "NAF01 484506 PH-GOV B737 Dutch government"
    assert gpx.findtext(f"{G}trk/{G}desc") == \
        "Dutch government; PH-GOV, B737, Dutch Government, NL"
    table = list(csv.reader(io.StringIO(export_track(ROWS, "csv", **GOV))))
    assert {tuple(row[-4:]) for row in table[1:]} == {
        ("PH-GOV", "B737", "Dutch Government", "NL")}


# ------------------------------------------------------------------------------ all formats

@pytest.mark.parametrize("fmt", ["kml", "gpx"])
def test_labels_with_markup_characters_stay_well_formed(fmt: str) -> None:
    text = export_track(ROWS, fmt, icao="3C6DD4", label=NASTY, callsign="<b>&")
    root = ET.fromstring(text)  # raises if not well-formed
    names = [e.text for e in root.iter() if e.tag.endswith(("}name", "}description", "}desc"))]
    assert "Ops <&\"'> \x01" not in " ".join(names)  # the control character is dropped
    assert any(n == "Ops <&\"'>  ]]> label" for n in names)
    assert any(n.startswith("<b>& 3C6DD4 Ops <&") for n in names)


def test_geojson_and_csv_keep_labels_verbatim() -> None:
    doc = json.loads(export_track(ROWS, "geojson", icao="3C6DD4", label=NASTY, callsign="x"))
    assert doc["features"][0]["properties"]["label"] == NASTY
    table = list(csv.reader(io.StringIO(export_track(ROWS, "csv", icao='3C"6,D', label="",
                                                     callsign=""))))
    assert table[1][1] == '3C"6,D'


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_an_empty_track_is_a_valid_empty_document(fmt: str) -> None:
    text = export_track([], fmt, icao="3C6DD4", label="", callsign="")
    if fmt == "geojson":
        assert json.loads(text) == {"type": "FeatureCollection", "features": []}
    elif fmt == "csv":
        assert text == ",".join(CSV_HEADER) + "\n"
    else:
        assert ET.fromstring(text).find(".//{*}trkpt") is None


def _recorded(db: str) -> list[TrackRow]:
    """Two points of visit A (a 63-bit id) and one of B, recorded, read back."""
    with recorder(db) as store:
        store.save_visit(VisitRow(id=A, icao=0x3C6DD4, first_seen=T0, last_seen=T0 + 2))
        store.save_visit(VisitRow(id=B, icao=0x3C6DD4, first_seen=T0 + 3600,
                                  last_seen=T0 + 3600))
        store.add_point(A, PointRow(T0 + 1, 48.1, 11.5, 3000, 180.0, 45.0, 1200))
        store.add_point(A, PointRow(T0 + 2.25, 48.2, 11.6, 3100, 181.0, 46.0, 1100))
        store.add_point(B, PointRow(T0 + 3600, -33.9461499, -0.0000123, None, on_ground=True))
    with open_history(db) as history:
        return history.track(0x3C6DD4)


def test_export_from_the_store(store_location: str) -> None:
    """Every format of a track read from either backend: the same document."""
    rows = _recorded(store_location)
    doc = json.loads(export_track(rows, "geojson", icao="3C6DD4", label="", callsign=""))
    assert doc["features"][0]["geometry"]["coordinates"] == [[11.5, 48.1, 914.4],
                                                            [11.6, 48.2, 944.9]]
    assert doc["features"][0]["properties"]["visit_id"] == str(A)
    assert doc["features"][-1]["geometry"]["coordinates"] == [-0.000012, -33.94615]
    table = list(csv.reader(io.StringIO(export_track(rows, "csv", icao="3C6DD4", label="",
                                                     callsign=""))))
    assert table[1:] == [
        ["2026-11-18T11:06:41.000Z", "3C6DD4", "48.1", "11.5", "3000", "180.0", "45.0",
         "1200", "0", "", "", "", ""],
        ["2026-11-18T11:06:42.250Z", "3C6DD4", "48.2", "11.6", "3100", "181.0", "46.0",
         "1100", "0", "", "", "", ""],
        ["2026-11-18T12:06:40.000Z", "3C6DD4", "-33.94615", "-0.000012", "", "", "", "",
         "1", "", "", "", ""]]
    kml = ET.fromstring(export_track(rows, "kml", icao="3C6DD4", label="", callsign=""))
    assert [c.text for c in kml.iter(f"{GX}coord")] == [
        "11.5 48.1 914.4", "11.6 48.2 944.9", "-0.000012 -33.94615 0"]
    gpx = ET.fromstring(export_track(rows, "gpx", icao="3C6DD4", label="", callsign=""))
    assert [(p.get("lat"), p.get("lon"), p.findtext(f"{G}time"))
            for p in gpx.iter(f"{G}trkpt")] == [
        ("48.100000", "11.500000", "2026-11-18T11:06:41.000Z"),
        ("48.200000", "11.600000", "2026-11-18T11:06:42.250Z"),
        ("-33.946150", "-0.000012", "2026-11-18T12:06:40.000Z")]
