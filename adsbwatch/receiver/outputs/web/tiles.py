"""--map-tiles: the base-map tile URL template the web map hands to Leaflet. Light on
imports: the option parsers of `serve`, `replay` and `live` check it."""

from __future__ import annotations

EXAMPLE = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def tiles_problem(url: str) -> str | None:
    """Why `url` is not a Leaflet tile URL template (http(s) with {z}, {x} and {y});
    None when it is one."""
    if not url.startswith(("http://", "https://")):
        return "a tile URL starts with http:// or https://"
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in url]
    if missing:
        return ("a tile URL template holds {z}, {x} and {y}; this one lacks "
                + ", ".join(missing))
    return None


def tile_url(text: str) -> str:
    """--map-tiles (an argparse type): a bad template is a usage error naming the option."""
    import argparse

    problem = tiles_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem} (e.g. {EXAMPLE})")
    return text
