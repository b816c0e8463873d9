"""Rows on their way to the store: what a station buffered since its last commit, or what
the writer holds until it is written. The rows are the checked value tuples of rows.py,
in the store's column order. Visits, sessions and minutes are states that a later save
replaces (one row each, however often saved); points and events only add up."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RowBatch:
    visits: dict[int, tuple] = field(default_factory=dict)  # the latest state per id
    points: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    sessions: dict[int, tuple] = field(default_factory=dict)  # the latest state per id
    minutes: dict[tuple, tuple] = field(default_factory=dict)  # by minute_key

    @property
    def rows(self) -> int:
        return (len(self.visits) + len(self.points) + len(self.events) + len(self.sessions)
                + len(self.minutes))

    def merge(self, later: RowBatch) -> None:
        """Add a later batch: its states replace these, its points and events follow."""
        self.visits.update(later.visits)
        self.points.extend(later.points)
        self.events.extend(later.events)
        self.sessions.update(later.sessions)
        self.minutes.update(later.minutes)

    def take_tracks(self) -> RowBatch:
        """Move the visits, points and events (the bulk) out into a batch of their own;
        sessions and minutes (a few states per run) stay."""
        taken = RowBatch(self.visits, self.points, self.events)
        self.visits, self.points, self.events = {}, [], []
        return taken


def minute_key(values: tuple) -> tuple:
    """A minute row's key: (minute, run_start, site), its first two and last values."""
    return values[0], values[1], values[-1]
