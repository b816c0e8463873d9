#!/usr/bin/env python3
"""Convert world-atlas' Natural Earth TopoJSON (land-110m.json, countries-110m.json) to
the GeoJSON outlines the web map ships (adsbwatch/receiver/outputs/web/static/outlines/).

Run once, when the outlines are to be refreshed:

    cd /tmp && npm pack world-atlas && tar xzf world-atlas-*.tgz
    python scripts/make_outlines.py /tmp/package

TopoJSON keeps each shared border once, as an "arc": a list of quantized points, each
after the first stored as the difference from the one before. A ring lists the arcs it
is made of (~i: arc i walked backwards). Converting means undoing the deltas, scaling by
the file's transform and joining each ring's arcs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent.parent / "adsbwatch/receiver/outputs/web/static/outlines"
DIGITS = 2  # ~1 km: finer than the 1:110m data itself
SOURCES = {"land": "land-110m.json", "countries": "countries-110m.json"}

Point = list[float]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc in degrees: deltas summed, then the transform applied."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform is None:  # an unquantized topology holds degrees already
            arcs.append([[float(x), float(y)] for x, y, *_ in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append([x * sx + tx, y * sy + ty])
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    """One closed ring from its arcs; each arc after the first starts where the last
    ended, so that shared point is taken once."""
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return [[round(x, DIGITS), round(y, DIGITS)] for x, y in points]


def geometry(obj: dict[str, Any], arcs: list[list[Point]]) -> dict[str, Any] | None:
    kind = obj["type"]
    if kind == "Polygon":
        return {"type": kind, "coordinates": [ring(r, arcs) for r in obj["arcs"]]}
    if kind == "MultiPolygon":
        return {"type": kind,
                "coordinates": [[ring(r, arcs) for r in polygon] for polygon in obj["arcs"]]}
    if kind is None:
        return None
    raise ValueError(f"geometry type {kind} is not expected in world-atlas' files")


def features(obj: dict[str, Any], arcs: list[list[Point]]) -> list[dict[str, Any]]:
    members = obj["geometries"] if obj["type"] == "GeometryCollection" else [obj]
    out = []
    for member in members:
        shape = geometry(member, arcs)
        if shape is not None:
            name = member.get("properties", {}).get("name")
            out.append({"type": "Feature", "properties": {"name": name} if name else {},
                        "geometry": shape})
    return out


def convert(topojson: Path, name: str) -> dict[str, Any]:
    topology = json.loads(topojson.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    return {"type": "FeatureCollection", "features": features(topology["objects"][name], arcs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked world-atlas npm package")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, filename in SOURCES.items():
        collection = convert(args.package / filename, name)
        target = args.out / f"{name}.geojson"
        target.write_text(json.dumps(collection, separators=(",", ":")) + "\n",
                          encoding="utf-8")
        print(f"{target}: {len(collection['features'])} features, "
              f"{target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
