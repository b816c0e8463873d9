"""The track export formats, named apart from export.py so that the command line's
parser lists them without loading the exporters (XML and CSV writers)."""

from __future__ import annotations

EXPORT_FORMATS = ("geojson", "kml", "csv", "gpx")
