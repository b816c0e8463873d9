"""Which station announces a watched visit that several sites share: the one whose part
of it was first written as watched. The store's transactions on one visit are serial
(SQLite's writes are; on PostgreSQL the writer locks the visit's row before it reads
its parts), so exactly one part is first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from adsbwatch.receiver.store.protocols import CrossSite
from adsbwatch.receiver.store.sql.parts import PART_FIELDS, PartKey

_KEPT = 10_000  # answers kept: far more than the watched visits of a day


def answers_for(mine: Iterable[PartKey], parts: Sequence[Sequence]) -> dict[PartKey, CrossSite]:
    """For each of `mine` that is watched, among all `parts` of its visit (PART_COLUMNS
    rows, after this write): announce it unless another part was watched already."""
    f = PART_FIELDS
    watched = {(p[f["id"]], p[f["site"]]): p for p in parts if p[f["watched"]]}
    answers = {}
    for key in mine:
        if key not in watched:
            continue
        others = sorted((p for k, p in watched.items() if k != key),
                        key=lambda p: p[f["first_seen"]])
        answers[key] = (CrossSite(False, others[0][f["site"]] or None) if others
                        else CrossSite(True))
    return answers


class SiteAnswers:
    """The answer of each watched part as first written (a later write sees other sites'
    parts watched since: the first answer stands). Filled by the writer's thread after
    each commit, read by the station's."""

    def __init__(self) -> None:
        self._answers: OrderedDict[PartKey, CrossSite] = OrderedDict()
        self._lock = threading.Lock()

    def settle(self, answers: dict[PartKey, CrossSite]) -> None:
        with self._lock:
            for key, answer in answers.items():
                self._answers.setdefault(key, answer)
            while len(self._answers) > _KEPT:
                self._answers.popitem(last=False)

    def get(self, key: PartKey) -> CrossSite | None:
        with self._lock:
            return self._answers.get(key)
