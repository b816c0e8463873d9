"""Which station announces a watched visit that several sites share: the one whose part
of it was first written as watched. The store's transactions on one visit are serial
(SQLite's writes are; on PostgreSQL the writer locks the visit's row before it reads
its parts), so exactly one part is first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from adsbwatch.receiver.store.cross_site import CrossSite
from adsbwatch.receiver.store.sql.parts import PART_FIELDS, PartKey


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
