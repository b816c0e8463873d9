"""Counts in words as a person writes them: `1 sighting`, `2 sightings`, `1,200 frames`."""

from __future__ import annotations


def count(n: int, thing: str, things: str | None = None, grouped: bool = False) -> str:
    """`n` and `thing`, plural unless n is 1 (`things`: an irregular plural); `grouped`:
    thousands separated (a page's text; the closing lines keep bare numbers, which
    scripts read)."""
    number = f"{n:,}" if grouped else str(n)
    return f"{number} {thing}" if n == 1 else f"{number} {things or thing + 's'}"
