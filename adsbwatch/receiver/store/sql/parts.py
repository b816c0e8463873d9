"""What one site heard of a visit (a row of `site_visits`, schema v8), and the visit as the
sum of its sites' parts.

A station saves its own visit's state (rows.py's visit tuple, with its own running
counts) again and again; stored as a part keyed by (its visit id, its site), a save
replaces that part only, so two sites saving the same visit never add up a count twice
nor take back each other's. The visit's row is then their union: the earliest first
seen, the latest last seen, messages summed, callsigns in the order first heard."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from adsbwatch.receiver.store.rows import PART_COLUMNS, VISIT_COLUMNS

_VISIT_STATE = VISIT_COLUMNS[1:-1]  # icao ... country: what a part holds of its visit
PART_FIELDS = {name: i for i, name in enumerate(PART_COLUMNS)}

V8_PARTS_FROM_VISITS = (
    f"INSERT INTO site_visits ({', '.join(PART_COLUMNS)}) "
    f"SELECT id, coalesce(first_site, ''), id, {', '.join(_VISIT_STATE)} FROM visits")

PartKey = tuple[int, str]  # (the station's visit id, its site or '')


def part_key(visit: Sequence) -> PartKey:
    """A visit tuple's part: its id and the site that saved it."""
    return visit[0], visit[-1] or ""


def row_key(row: Sequence) -> PartKey:
    """A point's or an event's part: its visit id and its site (both rows end so)."""
    return row[0], row[-1] or ""


def part_values(visit: Sequence, visit_id: int) -> tuple:
    """The part row of a station's visit tuple, joined to `visit_id`."""
    return (visit[0], visit[-1] or "", visit_id, *visit[1:-1])


def _joined_words(texts: Sequence[str]) -> str:
    """Space-separated words of several parts, each once, in the order given (one part's:
    as it is)."""
    if len(texts) == 1:
        return texts[0]
    seen: dict[str, None] = {}
    for text in texts:
        for word in text.split():
            seen.setdefault(word)
    return " ".join(seen)


def _least(values: Iterable) -> object:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _most(values: Iterable) -> object:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _first(values: Iterable) -> object:
    return next((v for v in values if v is not None), None)


def merged_visit(visit_id: int, parts: Sequence[Sequence], first_site: str | None) -> tuple:
    """The visit's row (VISIT_COLUMNS) from its parts (PART_COLUMNS rows, any order).
    Its label is the first watched part's (else the first part's); what the aircraft
    database said, the first known."""
    f = PART_FIELDS
    parts = sorted(parts, key=lambda p: (p[f["first_seen"]], p[f["id"]]))
    watched = [p for p in parts if p[f["watched"]]]

    def column(name: str, among: Sequence[Sequence] = parts) -> list:
        return [p[f[name]] for p in among]

    return (visit_id, parts[0][f["icao"]], _first(column("label", watched or parts)),
            int(bool(watched)), min(column("first_seen")), max(column("last_seen")),
            _joined_words(column("callsigns")), _joined_words(column("squawks")),
            _least(column("min_alt")), _most(column("max_alt")),
            _least(column("closest_km")), sum(column("messages")),
            _most(column("max_dbfs")),
            _first(reversed(column("emergency"))),  # the latest said
            *(_first(column(name)) for name in ("registration", "type_code", "operator",
                                                "country")),
            first_site)
