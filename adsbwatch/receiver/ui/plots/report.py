"""The report: read the store once (the big tables in chunks), fold the rows into each
plot's data, draw the plots that have something to show, and write the page that links
them. A plot with nothing to show is left out and the page says why."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from adsbwatch.receiver.store.protocols import History
from adsbwatch.receiver.store.rows import ReceiverPosition
from adsbwatch.receiver.ui.plots import (
    altitude,
    coverage,
    messages,
    page,
    signal,
    style,
    visits,
)
from adsbwatch.receiver.when import table_time

COVERAGE_PNG = "coverage.png"
MESSAGES_PNG = "messages-per-minute.png"
SIGNAL_PNG = "signal-levels.png"
VISITS_PNG = "watched-visits.png"
FIXED_NAMES = (COVERAGE_PNG, MESSAGES_PNG, SIGNAL_PNG, VISITS_PNG)


@dataclass(frozen=True)
class Receiver:
    lat: float
    lon: float
    origin: str  # where the position came from, for the page
    site: str | None = None  # the site it is of, when the report has one per site


@dataclass(frozen=True)
class ReportData:
    """What the plots show, folded from the store."""

    period: tuple[float, float] | None
    receivers: list[Receiver]  # one; or one per site when several sites stored positions
    coverages: list[coverage.Coverage]  # of each receiver, from its site's points
    minutes: messages.MinuteSeries
    levels: signal.LevelHistogram
    visits: list  # watched VisitRows, oldest first
    receiver_note: str | None = None
    visit_sites: list = field(default_factory=list)  # SiteParts of the watched visits

    @property
    def per_site(self) -> bool:
        return len(self.receivers) > 1


def _stored_receiver(p: ReceiverPosition, site: str | None = None) -> Receiver:
    return Receiver(p.lat, p.lon, f"as stored by the run of {p.source} started "
                    f"{table_time(p.session_started)} UTC", site)


def find_receivers(history: History, since: float | None, given: tuple[float, float] | None
                   ) -> tuple[list[Receiver], str | None]:
    """--lat/--lon; else, when the period's runs name several sites, each site's newest
    stored position (its coverage is measured from there); else the newest stored one.
    And a note when one site's runs were in more than one place."""
    if given is not None:
        return [Receiver(given[0], given[1], "given with --lat/--lon")], None
    found = history.receiver_positions(since)
    if not found:
        return [], None
    newest_by_site: dict[str | None, ReceiverPosition] = {}
    for p in found:  # newest first
        newest_by_site.setdefault(p.site, p)
    if len(newest_by_site) > 1:
        return [_stored_receiver(p, site) for site, p in
                sorted(newest_by_site.items(), key=lambda item: item[0] or "")], None
    places = {(round(p.lat, 4), round(p.lon, 4)) for p in found}
    note = None
    if len(places) > 1:
        note = (f"The runs in this period stored {len(places)} receiver positions; ranges "
                "are measured from the newest one. Give --lat/--lon to choose.")
    return [_stored_receiver(found[0])], note


def _coverages(history: History, since: float | None, receivers: list[Receiver],
               advance: Callable[[int], None]) -> list[coverage.Coverage]:
    """Each receiver's coverage: of every point, or (one per site) of its site's."""
    if not receivers:
        return []
    counters = {r.site: coverage.CoverageCounter((r.lat, r.lon)) for r in receivers}
    for rows in history.track_point_chunks(since):
        if len(receivers) == 1:
            counters[receivers[0].site].add([row[:3] for row in rows])
        else:
            by_site: dict[str | None, list] = {}
            for row in rows:
                by_site.setdefault(row[3], []).append(row[:3])
            for site, site_rows in by_site.items():
                if site in counters:
                    counters[site].add(site_rows)
        advance(len(rows))
    return [counters[r.site].result() for r in receivers]


def read_data(history: History, since: float | None, given: tuple[float, float] | None,
              advance: Callable[[int], None] = lambda rows: None) -> ReportData:
    """Everything the plots need; `advance(rows)` after each chunk read (progress)."""
    receivers, note = find_receivers(history, since, given)
    covers = _coverages(history, since, receivers, advance)
    minute_counter, levels = messages.MinuteCounter(), signal.LevelHistogram()
    for minute_rows in history.minute_chunks(since):
        minute_counter.add(minute_rows)
        levels.add(minute_rows)
        advance(len(minute_rows))
    return ReportData(history.period_bounds(since), receivers, covers,
                      minute_counter.result(), levels, history.watched_visits(since), note,
                      history.watched_visit_sites(since))


def _period_text(data: ReportData, since: float | None) -> str:
    if data.period is None:
        return "nothing recorded" + (f" since {table_time(since)} UTC" if since else "")
    first, last = data.period
    return (f"{table_time(first)} to {table_time(last)} UTC "
            f"({style.duration_text(last - first)})")


def _remove_old_plots(out: Path) -> None:
    """Plots of an earlier report in the same folder would be linked by no page."""
    for path in [*(out / name for name in FIXED_NAMES), *out.glob("altitude-*.png"),
                 *out.glob("coverage-*.png")]:
        path.unlink(missing_ok=True)


def write_report(history: History, out: Path, since: float | None,
                 given: tuple[float, float] | None, max_profiles: int,
                 advance: Callable[[int], None] = lambda rows: None) -> Path:
    """Draw the plots into `out` (which must exist) and write the page; its path."""
    data = read_data(history, since, given, advance)
    _remove_old_plots(out)
    period = _period_text(data, since)
    facts = [f"Period: {period}" + (f" (asked: since {table_time(since)} UTC)"
                                    if since is not None else ".")]
    for r in data.receivers:
        facts.append(f"{_site_title(r)}: {r.lat:.5f}, {r.lon:.5f}, {r.origin}.")
    if not data.receivers:
        facts.append("Receiver position: unknown (record with --lat/--lon, or give them "
                     "to the report).")
    report = page.Page("adsbwatch report: what the receiver heard", facts)
    if data.receiver_note:
        report.notes.append(data.receiver_note)
    if data.period is None:
        report.notes.append(
            "Nothing recorded yet in this period. Record with `adsbwatch live --db DB` "
            "or `adsbwatch replay FILE --db DB`, then make the report again.")
        return page.write(report, out)
    listened = style.duration_text(float(data.minutes.seconds.sum()))
    facts.append(f"Heard: {data.minutes.total_frames:,} frames with a valid CRC, "
                 f"{data.minutes.total_messages:,} of them decoded, in "
                 f"{style.count(len(data.minutes.minutes), 'minute')} ({listened} of "
                 f"listening); {style.count(len(data.visits), 'visit')} of watched "
                 "aircraft.")
    _add_coverage(report, data, out, period)
    _add_sites_table(report, data)
    _add_minutes(report, data, out, period)
    _add_visits(report, data, out, period, max_profiles, history)
    return page.write(report, out)


def _site_title(r: Receiver) -> str:
    return "Receiver" if r.site is None else f"Site {r.site}"


def coverage_file(r: Receiver, per_site: bool) -> str:
    """coverage.png; one per site: coverage-SITE.png (the name made safe for a file)."""
    if not per_site:
        return COVERAGE_PNG
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", r.site or "no-site").strip("-.") or "site"
    return f"coverage-{slug}.png"


def _add_coverage(report: page.Page, data: ReportData, out: Path, period: str) -> None:
    if not data.coverages:
        report.notes.append("No coverage plot: it needs the receiver's position "
                            "(--lat/--lon when recording, or given to the report).")
        return
    for r, cover in zip(data.receivers, data.coverages, strict=True):
        whose = f" by site {r.site or '(none)'}" if data.per_site else ""
        if cover.max_km is None:
            report.notes.append(f"No coverage plot{whose}: no positions were stored in "
                                "this period (only watched aircraft's are, unless the "
                                "receiver ran with --record-all).")
            continue
        name = coverage_file(r, data.per_site)
        coverage.draw(cover, out / name, period + (f"; site {r.site}" if r.site else ""))
        unknown = (f" {cover.without_altitude:,} positions without an altitude (on the "
                   "ground) count in the lowest band." if cover.without_altitude else "")
        report.plots.append(page.Plot(
            name, f"Coverage{' of site ' + (r.site or '(none)') if data.per_site else ''}",
            f"The farthest position heard{whose} in each {coverage.SECTOR_DEG}° sector of "
            "bearing from its receiver (north up, clockwise), for each altitude band, with "
            f"range rings in km. From {cover.positions:,} stored positions: watched "
            "aircraft only, unless the receiver ran with --record-all. The farthest was "
            f"{cover.max_km:.1f} km away.{unknown}"))


def _add_sites_table(report: page.Page, data: ReportData) -> None:
    """Which site heard each watched visit first, and which others heard it, when more
    than one site did."""
    by_visit: dict[int, list] = {}
    for part in data.visit_sites:
        by_visit.setdefault(part.visit_id, []).append(part)
    if len({p.site for p in data.visit_sites}) < 2:
        return
    rows = []
    for v in data.visits:
        parts = sorted(by_visit.get(v.id, []), key=lambda p: p.first_seen)
        if not parts:
            continue
        rows.append((visits.aircraft_name(v), f"{table_time(v.first_seen)} UTC",
                     parts[0].site or "(none)",
                     ", ".join(f"{p.site or '(none)'} ({p.messages:,} messages)"
                               for p in parts)))
    report.tables.append(page.Table(
        "Watched visits by site",
        "Each watched visit of the period, the site that heard it first and every site "
        "that heard it (one visit across all sites), with the messages each received.",
        ("Aircraft", "First heard", "First heard by", "Heard by"), rows))


def _add_minutes(report: page.Page, data: ReportData, out: Path, period: str) -> None:
    if not len(data.minutes.minutes):
        report.notes.append("No message or signal plots: this period has no minute "
                            "statistics (a store recorded before its schema version 3 "
                            "has none).")
        return
    messages.draw(data.minutes, out / MESSAGES_PNG, period)
    span = (data.minutes.minutes[-1] - data.minutes.minutes[0]) / 60 + 1
    width = messages.bin_minutes(span)
    binning = ("Each bar is one minute." if width == 1 else
               f"Each bar is {width} minutes: the mean per minute over the minutes heard.")
    report.plots.append(page.Plot(
        MESSAGES_PNG, "Messages per minute",
        "Frames with a valid CRC per minute, all aircraft, stacked by kind: ADS-B "
        "broadcasts, all-call replies, replies to ground radars. "
        f"{binning} A gap is time without reception; a run's first and last minutes may "
        "be heard in part only."))
    levels = data.levels
    signal.draw(levels, out / SIGNAL_PNG, period)
    noise = levels.median_noise_dbfs
    noise_text = f" The noise floor's median was {noise:.1f} dBFS." if noise is not None else ""
    report.plots.append(page.Plot(
        SIGNAL_PNG, "Signal levels",
        f"Frames by signal level in 1-dB bins (dBFS: 0 is the dongle's full scale).{noise_text}"
        f" {levels.strong_share:.1%} of frames were at {signal.STRONG_DBFS:g} dBFS or more; "
        "a large share means the gain is too high."))


def _add_visits(report: page.Page, data: ReportData, out: Path, period: str,
                max_profiles: int, history: History) -> None:
    if not data.visits:
        report.notes.append("No visit timeline or altitude profiles: no watched aircraft "
                            "was seen in this period.")
        return
    assert data.period is not None
    rows = visits.timeline_rows(data.visits)
    visits.draw(rows, out / VISITS_PNG, period, data.period)
    report.plots.append(page.Plot(
        VISITS_PNG, "Watched aircraft",
        f"Each watched aircraft's visits, as bars from first to last message: "
        f"{style.count(len(data.visits), 'visit')} of {len(rows)} aircraft"
        + (f" (the {visits.MAX_ROWS} seen last are drawn)." if len(rows) > visits.MAX_ROWS
           else ".") + " A mark stands for a visit too short to draw as a bar."))
    drawn, without = 0, 0
    for v in reversed(data.visits):  # newest first
        if drawn >= max_profiles:
            break
        points = history.visit_altitudes(v.id)
        if not points:
            without += 1
            continue
        name = altitude.file_name(v)
        altitude.draw(v, points, out / name)
        report.profiles.append(page.Plot(name, altitude.title(v),
                                         f"{len(points):,} positions with an altitude."))
        drawn += 1
    left = len(data.visits) - drawn - without
    report.profiles_caption = (
        "One plot per watched visit, newest first: altitude (ft) over time (UTC) from the "
        "visit's stored positions."
        + (f" {style.count(left, 'older visit')} not drawn (at most {max_profiles}: "
           "--max-profiles N draws more, --since fewer)." if left > 0 else "")
        + (f" {style.count(without, 'visit')} stored no altitudes." if without else ""))
