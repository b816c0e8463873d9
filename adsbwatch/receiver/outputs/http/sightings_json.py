"""sightings.json: the run's latest sightings, for the web map's banner and desktop
notification (the page polls it with aircraft.json). Not one of dump1090-fa's files:
served under /data/ beside them, never written to --write-json's folder."""

from __future__ import annotations

from collections import deque
from typing import Any

from adsbwatch.receiver.outputs.sighting_text import SightingFacts, body, title

KEPT = 50  # the newest sightings the page can learn of


class SightingsFeed:
    """The newest sightings, each with a number of its own (the page's key)."""

    def __init__(self, kept: int = KEPT) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=kept)
        self._next = 1

    def add(self, facts: SightingFacts) -> None:
        self._entries.append({
            "id": self._next, "hex": facts.icao.lower(), "label": facts.label,
            "callsign": facts.callsign, "registration": facts.registration,
            "type": facts.type_code, "time": facts.time, "title": title(facts),
            "text": body(facts)})
        self._next += 1

    def document(self, now: float) -> dict[str, Any]:
        return {"now": now, "sightings": list(self._entries)}
