"""Retention, the same for every backend: old track points of unwatched visits thinned
to one a minute (or deleted), in transactions of at most a few thousand rows (fewer
while one takes longer than HOLD_S), with a pause after each, so that a station writing
to the same store meanwhile waits at most one short transaction. The backend (a
PruneTarget) reads the candidates and removes what this loop chose; which points go is
decided here, once."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from adsbwatch.receiver.store.protocols import PruneResult, PruneRule, PruneTarget, Removal

BATCH_ROWS = 2000  # rows per transaction at most: tens of milliseconds of the write lock
FEWEST_ROWS = 100  # ... and at the least, on a slow disk
HOLD_S = 0.1  # a transaction that holds the lock longer halves the next ones (a Pi's card)
VISIT_PAGE = 500  # visit ids read at a time
SHORTEST_PAUSE_S = 0.02  # after a transaction: the station's writer takes its turn
THIN_TO_S = 60.0  # an old point of an unwatched visit a minute
DAY_S = 86_400.0


def keeping_rule(days: float, delete: bool, now: float) -> PruneRule:
    """Every point of the last `days` days kept; older ones of unwatched visits thinned
    to one a minute, or deleted."""
    return PruneRule(before=now - days * DAY_S, every_s=None if delete else THIN_TO_S)


def megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


def prune_summary(result: PruneResult, rule: PruneRule) -> str:
    """What a prune did, in one line: `pruned 1234 points ...`."""
    how = "deleted" if rule.every_s is None else f"thinned to one every {rule.every_s:g} s"
    line = (f"pruned {result.points} points and {result.events} events of "
            f"{result.visits} unwatched visits ({how}) in {result.transactions} "
            f"transactions, the longest holding the store {result.longest_lock_s:.2f} s")
    if result.freed_bytes is not None:
        line += f"; freed {megabytes(result.freed_bytes)}"
        if result.returned_bytes is None:
            line += " inside the file, for the rows to come"
        else:
            line += f", of it {megabytes(result.returned_bytes)} given back to the disk"
    elif result.returned_bytes is not None:  # PostgreSQL: VACUUM frees, and tells no more
        line += (f"; vacuumed, {megabytes(result.returned_bytes)} given back to the disk "
                 "and the rest of the space kept for the rows to come")
    if result.stopped:
        line += "; stopped before the end"
    return line


def doomed_points(points: list[tuple[float, float, float]], every_s: float | None,
                  ) -> list[tuple[float, float, float]]:
    """Which of a visit's old points (t, lat, lon, in time order) go: all of them, or
    all but the first in each `every_s` of the clock. Clock-aligned slots make pruning
    again change nothing."""
    if every_s is None:
        return list(points)
    doomed = []
    slot = None
    for point in points:
        here = math.floor(point[0] / every_s)
        if here == slot:
            doomed.append(point)
        slot = here
    return doomed


class BatchedPruner:
    """A Pruner over any backend's PruneTarget."""

    def __init__(self, target: PruneTarget,
                 pause: Callable[[float], None] = time.sleep) -> None:
        self.target = target
        self.location = target.location
        self._pause = pause
        self._size = BATCH_ROWS  # rows of the next transaction
        self._sizes = (FEWEST_ROWS, BATCH_ROWS)

    def prune(self, rule: PruneRule, *, since: float | None = None,
              batch: int = BATCH_ROWS, stopping: Callable[[], bool] = lambda: False,
              ) -> PruneResult:
        result = PruneResult()
        self._size = batch
        self._sizes = (min(batch, FEWEST_ROWS), batch)
        before = self.target.used_bytes()
        points: list[tuple[int, float, float, float]] = []
        event_visits: list[int] = []
        after = -1
        while not result.stopped:
            ids = self.target.old_visits(rule.before, since, after, VISIT_PAGE)
            for visit_id in ids:
                result.visits += 1
                old = self.target.old_points(visit_id, rule.before)
                points += [(visit_id, *p) for p in doomed_points(old, rule.every_s)]
                if rule.every_s is None:
                    event_visits.append(visit_id)
                while len(points) >= self._size or len(event_visits) >= self._size:
                    size = self._size
                    self._remove(rule, points[:size], event_visits[:size], result)
                    del points[:size], event_visits[:size]
                if stopping():
                    result.stopped = True
                    break
            if len(ids) < VISIT_PAGE:
                break
            after = ids[-1]
        if points or event_visits:  # what was chosen goes, also when asked to stop
            self._remove(rule, points, event_visits, result)
        if not result.stopped:
            result.returned_bytes, held_s = self.target.give_back(stopping)
            result.longest_lock_s = max(result.longest_lock_s, held_s)
        after_bytes = self.target.used_bytes()
        if before is not None and after_bytes is not None:
            result.freed_bytes = max(before - after_bytes, 0)
        return result

    def _remove(self, rule: PruneRule, points: list[tuple[int, float, float, float]],
                event_visits: list[int], result: PruneResult) -> None:
        removed_points, removed_events, held_s = self.target.remove(
            Removal(points, event_visits, rule.before))
        result.points += removed_points
        result.events += removed_events
        result.transactions += 1
        result.longest_lock_s = max(result.longest_lock_s, held_s)
        fewest, most = self._sizes
        if held_s > HOLD_S:
            self._size = max(fewest, self._size // 2)
        elif held_s < HOLD_S / 4:
            self._size = min(most, self._size * 2)
        self._pause(max(SHORTEST_PAUSE_S, held_s))

    def close(self) -> None:
        self.target.close()

    def __enter__(self) -> BatchedPruner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
