"""What the station hands its consumers after the frames: decoded batches, sightings and
ticks. Built by the station from the decoder's types (message, aircraft, visit); plain
data, read only by consumers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only annotations: a run without decoding never loads them
    from adsbwatch.decoder.messages.aircraft import Aircraft
    from adsbwatch.decoder.messages.tracker import AircraftUpdate
    from adsbwatch.decoder.messages.visits import Visit


@dataclass(frozen=True, slots=True)
class Tick:
    """The station's clock: `now` is data time (a recording's own; the wall clock's when
    live, which goes on while the source is away), `wall` the wall clock at the tick."""

    now: float
    wall: float
    live: bool
    # Wall time since when no data arrives (a live source gone); None: data arrives.
    away_since: float | None = None
    final: bool = False  # the run's last tick: write everything


@dataclass(slots=True)
class Recorded:
    """A decoded message of a recorded aircraft (watched, or any with --record-all),
    with the visit it belongs to."""

    visit: Visit
    update: AircraftUpdate


@dataclass(slots=True)
class Decoded:
    """What the decoding stage made of one batch of frames."""

    now: float  # the station's clock after the batch
    updates: list[AircraftUpdate] = field(default_factory=list)  # in time order
    recorded: list[Recorded] = field(default_factory=list)
    # Visits that ended since the last batch (replaced by a new visit of the same
    # aircraft, or silent longer than the visit gap): complete, none is heard again.
    ended: list[Visit] = field(default_factory=list)
    undecodable: int = 0  # valid frames without a decoder


@dataclass(frozen=True)
class Sighting:
    """A watched aircraft heard for the first time in a visit, or a rule that started to
    match it later in the visit (it began to squawk 7700)."""

    visit: Visit
    aircraft: Aircraft
    # The watchlist rules that raised it (their text, the first one naming it), and its
    # label: the first rule's label, or its text when it has none (empty for an address
    # alone). Empty: the visit's label names it.
    rules: tuple[str, ...] = ()
    label: str = ""
    at: float | None = None  # when its rule began to match; None: at the visit's start
    later: bool = False  # not the visit's first sighting: a rule began to match later

    @property
    def time(self) -> float:
        return self.visit.first_seen if self.at is None else self.at

    @property
    def name(self) -> str:
        """What the alerts call it: its label, else the visit's."""
        return self.label or self.visit.label or ""

    def as_dict(self) -> dict[str, object]:
        v, ac = self.visit, self.aircraft
        return {
            "icao": ac.hex, "label": self.name, "rules": list(self.rules),
            "callsign": ac.callsign or "",
            "squawk": ac.squawk or "", "time": self.time, "altitude_ft": ac.altitude,
            "lat": ac.lat, "lon": ac.lon, "signal_dbfs": v.signal_dbfs(1),
            "visit_id": v.visit_id,
        }
