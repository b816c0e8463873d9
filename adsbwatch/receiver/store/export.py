"""Tracks from the store as GeoJSON, KML, CSV or GPX, named by the aircraft's callsign,
address, label and what the aircraft database says of it (registration, type, operator,
country).

Every visit becomes one line (a LineString, a KML Placemark, a GPX track segment). XML is
built with ElementTree, so labels and callsigns are escaped whatever they contain.
Altitudes are barometric feet in the store; the map formats want metres.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adsbwatch.decoder.messages.geo import FT_TO_M
from adsbwatch.receiver.store.formats import EXPORT_FORMATS
from adsbwatch.receiver.when import iso_utc

if TYPE_CHECKING:
    from adsbwatch.receiver.store.rows import TrackRow

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"
GPX_NS = "http://www.topografix.com/GPX/1/1"
CSV_HEADER = ("time_utc", "icao", "lat", "lon", "alt_ft", "gs_kt", "track_deg", "vrate_fpm",
              "on_ground", "registration", "type", "operator", "country")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot hold at all; ElementTree would write them and break the file.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("gx", GX_NS)


@dataclass(frozen=True)
class _Names:
    icao: str
    label: str
    callsign: str
    registration: str = ""
    type_code: str = ""
    operator: str = ""
    country: str = ""

    @property
    def title(self) -> str:
        return " ".join(part for part in (self.callsign, self.icao, self.registration,
                                          self.type_code, self.label) if part)

    @property
    def description(self) -> str:
        """The label, then what the aircraft database says: "LABEL; PH-GOV, B737,
        Dutch Government, NL"."""
        facts = ", ".join(part for part in (self.registration, self.type_code, self.operator,
                                            self.country) if part)
        return "; ".join(part for part in (self.label, facts) if part)

    @property
    def database(self) -> dict[str, str]:
        return {"registration": self.registration, "type": self.type_code,
                "operator": self.operator, "country": self.country}


def finite_or_none(x: float | int | None) -> float | int | None:
    """None for a missing or non-finite value (JSON and XML have no NaN)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return x


def _metres(alt_ft: int | None) -> float | None:
    alt = finite_or_none(alt_ft)
    return None if alt is None else round(alt * FT_TO_M, 1)


def _by_visit(rows: list[TrackRow]) -> list[list[TrackRow]]:
    """The rows of each visit, visits in order of their first row."""
    visits: dict[int, list[TrackRow]] = {}
    for row in rows:
        visits.setdefault(row.visit_id, []).append(row)
    return list(visits.values())


# ------------------------------------------------------------------------------ GeoJSON

def _position(row: TrackRow) -> list[float]:
    position = [round(row.lon, 6), round(row.lat, 6)]
    alt = _metres(row.alt)
    return position if alt is None else [*position, alt]


def _geojson(rows: list[TrackRow], names: _Names) -> str:
    features = []
    for visit in _by_visit(rows):
        if len(visit) >= 2:  # a LineString needs two positions
            features.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [_position(r) for r in visit]},
                "properties": {
                    # 63-bit ids as text: JSON readers in JavaScript round big numbers
                    "visit_id": str(visit[0].visit_id), "icao": names.icao,
                    "label": names.label, "callsign": names.callsign, **names.database,
                    "start": iso_utc(visit[0].t), "end": iso_utc(visit[-1].t),
                },
            })
        features.extend({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": _position(r)},
            "properties": {
                "visit_id": str(r.visit_id), "t": iso_utc(r.t), "alt": finite_or_none(r.alt),
                "gs": finite_or_none(r.gs), "track": finite_or_none(r.track),
                "vrate": finite_or_none(r.vrate),
                "on_ground": bool(r.on_ground),
            },
        } for r in visit)
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False) + "\n"


# ------------------------------------------------------------------------------ XML helpers

def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _child(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = _text(text)
    return element


def _xml(root: ET.Element, namespace: str | None = None) -> str:
    ET.indent(root)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode",
                                         default_namespace=namespace) + "\n"


# ------------------------------------------------------------------------------ KML

def _kml_runs(visit: list[TrackRow]) -> list[list[TrackRow]]:
    """Split a visit where altitude comes and goes (e.g. surface positions have none):
    each run gets its own altitude mode."""
    runs: list[list[TrackRow]] = []
    for row in visit:
        has_alt = finite_or_none(row.alt) is not None
        if runs and (finite_or_none(runs[-1][0].alt) is not None) == has_alt:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _degrees(x: float) -> str:
    """6 decimals, trailing zeros dropped, never in exponent form (KML has none): a
    longitude a metre from Greenwich is -0.000012, not -1.2e-05."""
    text = f"{round(x, 6) + 0.0:.6f}".rstrip("0").rstrip(".")  # + 0.0: no "-0"
    return "0" if text in ("", "-0") else text


def _kml_track(parent: ET.Element, run: list[TrackRow]) -> None:
    k, gx = f"{{{KML_NS}}}", f"{{{GX_NS}}}"
    track = _child(parent, f"{gx}Track")
    absolute = finite_or_none(run[0].alt) is not None
    _child(track, f"{k}altitudeMode", "absolute" if absolute else "clampToGround")
    for row in run:
        _child(track, f"{k}when", iso_utc(row.t))
    for row in run:
        alt = _metres(row.alt) if absolute else 0
        _child(track, f"{gx}coord", f"{_degrees(row.lon)} {_degrees(row.lat)} {alt}")


def _kml(rows: list[TrackRow], names: _Names) -> str:
    k, gx = f"{{{KML_NS}}}", f"{{{GX_NS}}}"
    root = ET.Element(f"{k}kml")
    document = _child(root, f"{k}Document")
    _child(document, f"{k}name", names.title or "adsbwatch track")
    if names.description:
        _child(document, f"{k}description", names.description)
    for visit in _by_visit(rows):
        placemark = _child(document, f"{k}Placemark")
        _child(placemark, f"{k}name",
               f"{names.callsign or names.icao} {iso_utc(visit[0].t)}".strip())
        if names.description:
            _child(placemark, f"{k}description", names.description)
        multi = _child(placemark, f"{gx}MultiTrack")
        for run in _kml_runs(visit):
            _kml_track(multi, run)
    return _xml(root, KML_NS)


# ------------------------------------------------------------------------------ GPX

def _gpx(rows: list[TrackRow], names: _Names) -> str:
    # Plain tags under an xmlns attribute: ElementTree's default_namespace option refuses
    # the unqualified attributes (lat, lon, version) that GPX requires.
    root = ET.Element("gpx", {"xmlns": GPX_NS, "version": "1.1", "creator": "adsbwatch"})
    trk = _child(root, "trk")
    _child(trk, "name", names.title or "adsbwatch track")
    if names.description:
        _child(trk, "desc", names.description)
    for visit in _by_visit(rows):
        segment = _child(trk, "trkseg")
        for row in visit:
            point = _child(segment, "trkpt", lat=f"{row.lat:.6f}", lon=f"{row.lon:.6f}")
            alt = _metres(row.alt)
            if alt is not None:
                _child(point, "ele", f"{alt}")  # GPX wants ele before time
            _child(point, "time", iso_utc(row.t))
    return _xml(root)


# ------------------------------------------------------------------------------ CSV

def _cell(x: float | int | None) -> str | float | int:
    value = finite_or_none(x)
    return "" if value is None else value


def _csv(rows: list[TrackRow], names: _Names) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    database = list(names.database.values())
    for r in rows:
        # Degrees as KML writes them: a spreadsheet reads -1.2e-05 as text, or not at all.
        writer.writerow([iso_utc(r.t), names.icao.upper(), _degrees(r.lat), _degrees(r.lon),
                         _cell(r.alt), _cell(r.gs), _cell(r.track), _cell(r.vrate),
                         int(bool(r.on_ground)), *database])
    return out.getvalue()


_WRITERS: dict[str, Callable[[list[TrackRow], _Names], str]] = dict(
    zip(EXPORT_FORMATS, (_geojson, _kml, _csv, _gpx), strict=True))


def export_track(rows: list[TrackRow], fmt: str, *, icao: str, label: str,
                 callsign: str, registration: str | None = None,
                 type_code: str | None = None, operator: str | None = None,
                 country: str | None = None) -> str:
    """The track `rows` (time order, as History.track returns them) in format `fmt`;
    the aircraft database's registration, type, operator and country where known.

    ValueError for a format other than EXPORT_FORMATS.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(_WRITERS)}")
    return writer(rows, _Names(icao, label or "", callsign or "", registration or "",
                               type_code or "", operator or "", country or ""))
