"""What the rest of the program asks of a store, whatever holds it (SQLite or PostgreSQL):
a running station's writes (`Recorder`), the commands' reads (`History`), the watched
addresses (`WatchlistStore`), thinning old track points (`Pruner`), and what a backend
hands the shared writer thread (`WriteTarget`) and the shared pruning loop
(`PruneTarget`). The rows are those of rows.py; times are UNIX seconds (UTC). Get one
from opening.py, never from a backend's module."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, TypeVar

from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.cross_site import CrossSite, SiteAnswers
from adsbwatch.receiver.store.rows import (
    EventRow,
    MinuteRow,
    PointRow,
    ReceiverPosition,
    SessionRow,
    SitePart,
    TrackRow,
    VisitRow,
    VisitSummary,
)


class Closing(Protocol):
    """Closed at the end of a `with` (a class may inherit these two from here)."""

    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@dataclass(frozen=True)
class RecorderStatus:
    """How a recorder's writing goes, for the summary, stats and the web page."""

    problem: str | None  # why writing fails now; None while it works
    waiting: int  # rows received and not yet in the store (nor in a file)
    spilled: int  # rows saved to unsaved-rows files instead (see spill_files)
    lost: int  # rows dropped because even the writer could not take them
    retries: int  # failed tries to write
    behind: bool  # writing fails, or lags more than a few seconds
    spill_files: tuple[Path, ...] = ()


class Recorder(Protocol):
    """What a running station writes. Every method but close() only buffers and returns
    at once: a slow, locked or full store never holds up reception. Not thread-safe:
    one thread (the station's) calls it."""

    location: str  # the store as messages name it (--db; a URL without its password)
    site: str | None  # the station's --site, which its rows carry; None: no site

    def save_visit(self, v: VisitRow) -> None:
        """The visit's current state (a later save of the same id replaces it)."""

    def add_point(self, visit_id: int, p: PointRow) -> None:
        """A point of a visit, checked (it may come before its visit is saved)."""

    def add_tracked_point(self, visit_id: int, t: float, lat: float, lon: float,
                          alt: int | None, gs: float | None, track: float | None,
                          vrate: int | None, on_ground: bool) -> None:
        """A point of the decoding pipeline, whose values are plain numbers already:
        unchecked, the cheap path for hundreds of points a second."""

    def add_event(self, visit_id: int, t: float, kind: str, value: str) -> None: ...

    def save_session(self, s: SessionRow) -> None:
        """The run's record so far (replaces the row with its id)."""

    def save_minute(self, m: MinuteRow) -> None:
        """A minute's counts so far (replaces the row of that minute and run)."""

    def commit(self) -> None:
        """Hand what is buffered to the writer; returns at once (about once a second)."""

    def close(self, within_s: float | None = None) -> None:
        """Write everything, waiting a bounded time (all of it within `within_s`, the
        save to a file included, when given); what cannot be written then is saved to an
        unsaved-rows file and a StoreError (one line) says where."""

    @property
    def closed(self) -> bool: ...

    @property
    def status(self) -> RecorderStatus: ...

    @property
    def shared(self) -> bool:
        """Whether other stations may write to the store (a server's database)."""

    def cross_site(self, visit_id: int) -> CrossSite | None:
        """Of this station's watched visit: None until a write of it as watched worked."""


class History(Closing, Protocol):
    """What the commands, the web map and the report read. Read-only; a failure is a
    StoreError saying what could not be read."""

    location: str

    def sightings(self, icao: int | None = None, since: float | None = None,
                  site: str | None = None, watched: bool = False) -> list[VisitRow]:
        """Visits (of `icao`, or all) still under way at or after `since`, newest first;
        with `site`, those it heard (it has a part of them); `watched`: of watched
        aircraft only (a store recorded with --record-all holds every aircraft's)."""

    def track(self, icao: int, since: float | None = None,
              site: str | None = None) -> list[TrackRow]:
        """Every point of every visit of `icao` (at or after `since`; `site`'s only), in
        time order."""

    def events(self, visit_id: int) -> list[EventRow]: ...

    def sessions(self) -> list[SessionRow]:
        """Every run, oldest first."""

    # ---------------------------------------------------------------- the web map's

    def visit_summaries(self, since: float | None = None,
                        limit: int = 100) -> list[VisitSummary]:
        """Watched visits still under way at or after `since`, newest first."""

    def visit(self, visit_id: int) -> VisitRow | None: ...

    def latest_visits(self, icao: int, count: int) -> list[VisitRow]:
        """The `count` most recent visits of `icao`, newest first."""

    def visit_points_page(self, visit_id: int, start: int, count: int) -> list[TrackRow]:
        """Up to `count` of a visit's points in time order, from its `start`-th on (0:
        the first): a long visit is read a page at a time, never whole."""

    def watched_labels(self) -> dict[int, str]:
        """Address -> label of every aircraft a run recorded as watched."""

    # ---------------------------------------------------------------- the report's

    def rows_to_read(self, since: float | None) -> int:
        """Track points and minute rows in the period (a progress bar's total)."""

    def period_bounds(self, since: float | None) -> tuple[float, float] | None:
        """The first and last time anything was heard in the period."""

    def track_point_chunks(self, since: float | None,
                           ) -> Iterator[list[tuple[float, float, int | None, str | None]]]:
        """(lat, lon, alt, site) of every point (of any visit) in the period, in chunks."""

    def minute_chunks(self, since: float | None) -> Iterator[list[MinuteRow]]:
        """The minute rows (of every run) overlapping the period, in chunks."""

    def watched_visits(self, since: float | None) -> list[VisitRow]:
        """Watched visits still under way at or after `since`, oldest first."""

    def visit_altitudes(self, visit_id: int) -> list[tuple[float, int]]:
        """(time, feet) of a visit's points that have an altitude."""

    def receiver_positions(self, since: float | None) -> list[ReceiverPosition]:
        """Where the receiver was, newest run first."""

    def watched_visit_sites(self, since: float | None) -> list[SitePart]:
        """Which sites heard each watched visit under way in the period: their parts,
        by visit, earliest first."""


T = TypeVar("T")


class StoreReads(Protocol):
    """Reads for a program that reads the store again and again (the web map's history),
    from any thread: each a query on a History or the watchlist (see reads.py)."""

    def history(self, query: Callable[[History], T]) -> T: ...

    def watchlist(self, query: Callable[[WatchlistStore], T]) -> T: ...

    def close(self) -> None: ...


class WatchlistStore(Closing, Protocol):
    """The watchlist's rules kept in the store (`adsbwatch watchlist`)."""

    location: str

    def watch_entries(self) -> list[WatchEntry]:
        """The stored watchlist: addresses and blocks by address, then the other rules
        by their text."""

    def add_watch(self, entries: Iterable[WatchEntry]) -> int:
        """Add rules at once, relabelling rules already there; how many were new."""

    def remove_watch(self, entry: WatchEntry) -> bool:
        """Remove the rule `entry` is (its label aside); False if there was none."""


class WriteTarget(Protocol):
    """A backend as the shared writer thread (writer.py) sees it."""

    location: str
    spill_folder: Path | None  # where unsaved rows go first (None: the working folder)
    spill_name: str  # their file's name before `.unsaved-TIME.jsonl`
    shared: bool  # other stations may write to it (Recorder.shared)
    answers: SiteAnswers  # what each write said of the station's watched visits

    def write(self, batch: RowBatch) -> RowBatch:
        """Write the batch at once (all or nothing), waiting a short while for a lock;
        return the points and events left out because their visit is not stored yet.
        WriteFailed says why it could not."""

    def close(self) -> None: ...


# ---------------------------------------------------------------------- retention


@dataclass(frozen=True)
class PruneRule:
    """Which track points go: those of unwatched visits from before `before` (UNIX time).
    `every_s`: each such visit keeps the first of its points in every `every_s` of the
    clock (60: one a minute, so that old traffic still shows where it flew); None: all of
    them go, with the events of those visits before `before`. Watched visits keep every
    point; every visit keeps its row and its summary (closest, altitudes, messages)."""

    before: float
    every_s: float | None = 60.0

    def __post_init__(self) -> None:
        if self.every_s is not None and not self.every_s > 0:
            raise ValueError(f"thinning to one point every {self.every_s} s")


@dataclass
class PruneResult:
    """What one prune removed, and what it cost the store's other writers."""

    visits: int = 0  # unwatched visits looked at
    points: int = 0  # track points removed
    events: int = 0  # events removed (only when points are deleted, not thinned)
    transactions: int = 0
    longest_lock_s: float = 0.0  # the longest any one transaction held the write lock
    freed_bytes: int | None = None  # space the removed rows held; None: cannot tell
    returned_bytes: int | None = None  # of it, given back to the disk (the file shrank)
    stopped: bool = False  # asked to stop before it was done


@dataclass(frozen=True)
class Removal:
    """One transaction's worth of removal: points by their key (visit, t, lat, lon),
    and each visit whose events before `events_before` go."""

    points: list[tuple[int, float, float, float]]
    event_visits: list[int]
    events_before: float


class Pruner(Closing, Protocol):
    """Thins or deletes old points of unwatched visits in small transactions, each
    holding the write lock briefly, so that a station writing meanwhile never waits long
    (see pruning.py)."""

    location: str

    def prune(self, rule: PruneRule, *, since: float | None = None,
              batch: int = 2000, stopping: Callable[[], bool] = lambda: False,
              ) -> PruneResult:
        """Prune now. `since`: only visits still under way at or after it (a prune that
        knows the visits before were done); `batch`: rows per transaction; `stopping`
        asked between transactions. A failure is a StoreError."""


class PruneTarget(Protocol):
    """A backend as the shared pruning loop (pruning.py) sees it. Reads take no write
    lock; remove() is one transaction."""

    location: str

    def old_visits(self, before: float, since: float | None, after: int,
                   limit: int) -> list[int]:
        """Up to `limit` ids above `after`, ascending, of unwatched visits begun before
        `before` (and, with `since`, still under way at or after it)."""

    def old_points(self, visit_id: int, before: float) -> list[tuple[float, float, float]]:
        """(t, lat, lon) of the visit's points before `before`, in time order."""

    def remove(self, removal: Removal) -> tuple[int, int, float]:
        """In one transaction: the points and events of `removal` whose visit is still
        unwatched (a visit watched meanwhile keeps them). (points, events, seconds the
        write lock was held)."""

    def used_bytes(self) -> int | None:
        """The space the rows take now (None: the backend cannot tell)."""

    def give_back(self, stopping: Callable[[], bool]) -> tuple[int | None, float]:
        """Return free space to the disk where that can be done in small steps: the bytes
        returned (None: not done) and the longest any one step held the write lock."""

    def close(self) -> None: ...
