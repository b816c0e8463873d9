"""The JSON files of a run, as bytes by name ("aircraft.json", "history_3.json", ...):
built in the station's thread, then handed as a whole new dict to whoever serves or
writes them. Nothing is changed after the hand-over, so readers need no lock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from adsbwatch import __version__

REFRESH_MS = 1000  # how often aircraft.json is rebuilt (tar1090 polls at this interval)
HISTORY_EVERY_S = 30.0  # dump1090-fa's defaults: a snapshot every 30 s, 120 kept
HISTORY_SIZE = 120


@dataclass
class Published:
    """What the station publishes for the HTTP server: `documents` is replaced whole,
    never changed."""

    documents: dict[str, bytes] = field(default_factory=dict)


def encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()


def receiver_json(position: tuple[float, float] | None, history: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"version": f"adsbwatch {__version__}", "refresh": REFRESH_MS,
                           "history": history}
    if position is not None:
        doc["lat"], doc["lon"] = round(position[0], 6), round(position[1], 6)
    return doc


class HistoryRing:
    """history_0.json ... history_119.json, written in a cycle as dump1090-fa does:
    history_0 is overwritten after history_119, so readers sort them by their `now`."""

    def __init__(self, size: int = HISTORY_SIZE, every_s: float = HISTORY_EVERY_S) -> None:
        self.size = size
        self.every_s = every_s
        self.files: dict[str, bytes] = {}
        self._next = 0  # the slot written next
        self._due: float | None = None  # clock time of the next snapshot
        self._last: float | None = None  # clock time of the newest one

    @property
    def count(self) -> int:
        """How many history files are valid (receiver.json's `history`)."""
        return len(self.files)

    def offer(self, now: float, aircraft: bytes, final: bool = False) -> str | None:
        """Keep `aircraft` (aircraft.json's bytes) if a snapshot is due (`final`: the
        run's last state, unless the last snapshot was of this same time); its name, or
        None."""
        if final:
            if self._last == now:
                return None
        elif self._due is not None and now < self._due:
            return None
        self._last = now
        name = f"history_{self._next}.json"
        self.files[name] = aircraft
        self._next = (self._next + 1) % self.size
        self._due = now + self.every_s
        return name
