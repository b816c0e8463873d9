"""What the store says of a station's watched visit among the sites that share the store
(see sql/announcing.py): the answer, and the answers a writer has given so far."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from adsbwatch.receiver.store.sql.parts import PartKey

_KEPT = 10_000  # answers kept: far more than the watched visits of a day


@dataclass(frozen=True)
class CrossSite:
    """What the store says of a station's watched visit among the sites that share the
    store: whether this station is the one to announce it (no other site's part of the
    visit was watched when it was first written), else which site did."""

    announce: bool
    by_site: str | None = None  # the site that announced it, when not this one


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
