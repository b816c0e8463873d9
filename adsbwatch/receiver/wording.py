"""Counts in words as a person writes them: `1 sighting`, `2 sightings`, `1,200 frames`."""

from __future__ import annotations


def count(n: int, thing: str, things: str | None = None) -> str:
    """`n` and `thing`, plural unless n is 1 (`things`: an irregular plural)."""
    return f"{n:,} {thing}" if n == 1 else f"{n:,} {things or thing + 's'}"
