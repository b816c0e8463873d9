"""The web map's detailed background (static/outlines/detail/, made by
scripts/make_detail.py): the geometry the script cuts tiles with, and what ships: tiles
the index lists, Schiphol's runways where they are, a size the wheel can carry."""

from __future__ import annotations

import importlib.util
import json
import struct
import sys
from pathlib import Path
from typing import Any

from support import REPO

from adsbwatch.receiver.outputs.web.routes import STATIC_DIR

DETAIL = STATIC_DIR / "outlines" / "detail"


def load_make_detail() -> Any:
    sys.path.insert(0, str(REPO / "scripts"))  # it imports make_outlines beside it
    try:
        spec = importlib.util.spec_from_file_location("make_detail",
                                                      REPO / "scripts" / "make_detail.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        sys.path.remove(str(REPO / "scripts"))
    return module


def area(ring: list[list[float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2)
                   in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def test_a_ring_is_clipped_to_its_tile() -> None:
    make = load_make_detail()
    square = [[-5.0, -5.0], [5.0, -5.0], [5.0, 5.0], [-5.0, 5.0], [-5.0, -5.0]]
    assert area(make.clip_ring(square, (0, 0, 10, 10))) == 25  # one quarter inside
    assert make.clip_ring(square, (20, 20, 30, 30)) == []
    # A ring around the whole tile: the tile itself.
    big = [[-50.0, -50.0], [50.0, -50.0], [50.0, 50.0], [-50.0, 50.0]]
    assert area(make.clip_ring(big, (0, 0, 10, 10))) == 100
    # A concave "U" whose arms leave the tile: the part inside keeps its area.
    u_shape = [[0.0, 0.0], [3.0, 0.0], [3.0, 12.0], [2.0, 12.0], [2.0, 1.0], [1.0, 1.0],
               [1.0, 12.0], [0.0, 12.0]]
    assert area(make.clip_ring(u_shape, (-1, -1, 9, 9))) == 3 + 2 * 8


def test_lines_keep_what_touches_the_tile() -> None:
    make = load_make_detail()
    line = [[-2.0, 5.0], [-1.0, 5.0], [1.0, 5.0], [2.0, 5.0], [12.0, 5.0], [13.0, 5.0]]
    assert make.clip_line(line, (0, 0, 10, 10)) == [line[1:5]]
    assert make.clip_line(line, (20, 20, 30, 30)) == []


def test_rings_are_packed_as_differences_of_whole_ten_thousandths() -> None:
    make = load_make_detail()
    packed = make.packed([[4.76389, 52.30861], [4.76401, 52.30861], [4.76401, 52.30861],
                          [4.7, 52.3]])
    assert packed == [47639, 523086, 1, 0, -640, -86]  # the repeated point dropped
    x = y = 0
    points = []
    for dx, dy in zip(packed[::2], packed[1::2], strict=True):
        x, y = x + dx, y + dy
        points.append((x / make.SCALE, y / make.SCALE))
    assert points[-1] == (4.7, 52.3)


def test_a_shapefile_of_polygons_is_read(tmp_path: Path) -> None:
    """A two-record .shp (a null shape, then a square with a square hole) as the ESRI
    layout has it: header, big-endian record headers, little-endian bodies."""
    make = load_make_detail()
    outer = [(0.0, 0.0), (0.0, 4.0), (4.0, 4.0), (4.0, 0.0), (0.0, 0.0)]
    hole = [(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)]
    points = outer + hole
    body = (struct.pack("<i4d2i", 5, 0, 0, 4, 4, 2, len(points)) + struct.pack("<2i", 0, 5)
            + b"".join(struct.pack("<2d", *p) for p in points))
    null = struct.pack("<i", 0)
    records = (struct.pack(">2i", 1, len(null) // 2) + null
               + struct.pack(">2i", 2, len(body) // 2) + body)
    header = struct.pack(">7i", 9994, 0, 0, 0, 0, 0, (100 + len(records)) // 2)
    header += struct.pack("<2i4d4d", 1000, 5, 0, 0, 4, 4, 0, 0, 0, 0)
    shp = tmp_path / "x.shp"
    shp.write_bytes(header + records)
    assert make.shapefile_polygons(shp) == [[[list(p) for p in outer],
                                            [list(p) for p in hole]]]


def test_simplify_keeps_the_ends_and_the_corners() -> None:
    make = load_make_detail()
    line = [[0.0, 0.0], [1.0, 0.00001], [2.0, 0.0], [2.0, 1.0], [2.0, 2.0]]
    assert make.simplify(line, 0.001) == [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0]]


def test_the_shipped_tiles_hold_schiphol_and_the_dutch_coast() -> None:
    index = json.loads((DETAIL / "index.json").read_text())
    assert (index["tile"], index["scale"]) == (10, 10_000)
    files = {p.stem for p in DETAIL.glob("*_*.json")}
    assert files == set(index["tiles"]) and len(files) > 300
    tile = json.loads((DETAIL / "50_0.json").read_text())
    runways = {r[5]: r for r in tile["runways"]}
    assert {"04/22", "06/24", "09/27", "18C/36C", "18L/36R", "18R/36L"} <= set(runways)
    lat1, lon1, lat2, lon2, width, _ = runways["18R/36L"]  # the Polderbaan
    assert 52.32 < lat2 < lat1 < 52.37
    assert 4.70 < lon1 < 4.72 and 4.70 < lon2 < 4.72 and width == 60
    (eham,) = [a for a in tile["airports"] if a[2] == "EHAM"]
    assert eham[3] == "Amsterdam Airport Schiphol" and eham[4] == "large"
    # Land near Schiphol, sea off the coast at Zandvoort (the Natural Earth 1:10m coast
    # runs between them: 4.53 E at 52.37 N).
    land = outer_rings(tile["land"], index["scale"])
    assert any(inside((4.76, 52.31), ring) for ring in land)
    assert not any(inside((4.45, 52.37), ring) for ring in land)
    # The Markermeer and the IJsselmeer, lakes over that land; Schiphol is none.
    lakes = outer_rings(tile["lakes"], index["scale"])
    assert any(inside((5.25, 52.55), ring) for ring in lakes)
    assert any(inside((5.3, 52.8), ring) for ring in lakes)
    assert not any(inside((4.76, 52.31), ring) for ring in lakes)
    total = sum(p.stat().st_size for p in DETAIL.glob("*.json"))
    assert total < 6_500_000


def outer_rings(polygons: list[list[list[int]]], scale: int) -> list[list[tuple[float, float]]]:
    rings = []
    for polygon in polygons:
        x = y = 0
        ring = []
        for dx, dy in zip(polygon[0][::2], polygon[0][1::2], strict=True):
            x, y = x + dx, y + dy
            ring.append((x / scale, y / scale))
        rings.append(ring)
    return rings


def inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    """Even-odd rule: a ray to the east crosses the ring an odd number of times."""
    x, y = point
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1
