"""Running a built station as a command: the signals, the view, serving a replay's final
state over HTTP until Ctrl-C, closing every consumer, and the closing lines; the exit
status."""

from __future__ import annotations

import sys
from contextlib import nullcontext

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.receiver.assembly.build import BuiltStation
from adsbwatch.receiver.core.abilities import PeerStates, SummaryLines
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.locations import shown
from adsbwatch.receiver.station.signals import StopSignals, Terminated
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.station.stats import KEPT_MINUTES
from adsbwatch.receiver.ui.losses import away_text
from adsbwatch.receiver.wording import count


def run_built(built: BuiltStation) -> int:
    """Run the station to its end (or a stop), close it, say how it went."""
    station = built.station
    view = built.view
    with StopSignals(on_stop=station.request_stop) as signals:
        try:
            with view if view is not None else nullcontext():
                if view is not None:
                    view.run(station.run)  # --interactive: in a worker thread
                else:
                    station.run()
            if station.run_state.ended == "input ended":
                _serve_on(built, signals)
        except (KeyboardInterrupt, Terminated):
            pass
        finally:
            signals.shutting_down()  # a second Ctrl-C must not cut the store's commit
            station.close()
            if built.network is not None:
                built.network.stop()  # after every consumer that used it has closed
    watch = built.stdout_watch
    quietly_over = watch is not None and watch.reader_left and not watch.recording
    interrupted = signals.exit_status != 0
    consumers = station.consumers
    if built.outlet.open:
        _final_table(built, interrupted)
    fatal = watch.fatal if watch is not None else None
    # A run that failed, or whose only reader left, ends without a summary.
    quiet = built.config.outputs.quiet or bool(consumers.failures) or quietly_over \
        or fatal is not None or station.run_state.ended == "no consumer left"
    _closing_lines(built, quiet, interrupted)
    for failure in [*consumers.unreported, *([fatal] if fatal else [])]:
        print(f"adsbwatch: error: {failure}", file=sys.stderr)
    failed = consumers.failures or fatal or (watch is not None and watch.failure)
    return signals.exit_status or (1 if failed else 0)


def _serve_on(built: BuiltStation, signals: StopSignals) -> None:
    """A replay with --http serves its final state until Ctrl-C or SIGTERM (then it
    closes as usual and exits 0); a live run that ended has nothing left to show."""
    network = built.network
    if network is None or network.http is None or built.station.info.live:
        return
    url = network.http.url
    signals.wait_for_signal(
        lambda: print(f"adsbwatch: serving {url} until Ctrl-C", file=sys.stderr, flush=True))


def _final_table(built: BuiltStation, interrupted: bool) -> None:
    """The aircraft table at the end, unless the live view already shows it."""
    if built.console is None or built.config.outputs.raw or built.watchlist is None:
        return
    view = built.view
    if view is None or interrupted or not view.leaves_table:
        from adsbwatch.receiver.ui.live import run_table

        built.console.print(run_table(built.station, built.watchlist, built.console.width))


def demod_summary(station: Station, real_time: bool) -> str:
    """Frames, repairs, rejections and samples of a run from IQ samples; `real_time`:
    samples came as they were taken (a dongle, rtl_tcp): how fast it ran says nothing."""
    total = station.stats.total
    info = station.info
    by_df = ", ".join(f"DF{df} {int(n)}" for df, n in enumerate(total.by_df.tolist()) if n)
    s = station.demod_counts()
    samples = station.totals.samples
    signal_s = samples / info.rate
    wall = station.run_state.wall_seconds
    if real_time:  # waiting for samples is not work: no "times real time"
        totals = station.totals
        pace = (f"{signal_s:.1f} s of signal in {wall:.1f} s, dropped "
                f"{totals.dropped_samples} samples")
        away = away_text(totals.away_samples, totals.reconnects, info.rate)
        if away is not None:
            pace += f", {away}"
    else:
        speed = signal_s / wall if wall > 0 else 0.0
        pace = (f"{samples} samples ({signal_s:.3f} s at {info.rate / 1e6:g} MS/s) "
                f"in {wall:.2f} s, {speed:.1f}x real time")
    return (
        f"adsbwatch: {total.frames} frames ({by_df or 'none'}); "
        f"repaired {s.get('repaired_1bit', 0)} (1 bit) + {s.get('repaired_2bit', 0)} "
        f"(2 bits); rejected {s.get('rejected', 0)} candidates (among their tries "
        f"{s.get('unknown_address', 0)} gave an address not heard, "
        f"{s.get('repair_refused', 0)} a repair refused); {pace}")


def _closing_lines(built: BuiltStation, quiet: bool, interrupted: bool) -> None:
    station = built.station
    info = station.info
    if any(isinstance(source, PeerStates) for source in station.inputs):
        if not quiet:  # frames from other decoders: a line per input, and the refusals
            for line in input_lines(station):
                print(line, file=sys.stderr)
    else:
        totals = station.totals
        if totals.leftover_bytes:
            print(f"adsbwatch: warning: {info.name} ends with {totals.leftover_bytes} bytes "
                  f"that do not make a whole {info.fmt} sample ({info.bytes_per_sample} "
                  "bytes each); ignored them", file=sys.stderr)
        if totals.samples == 0 and not interrupted and not station.stop_requested:
            raise UserError(f"{info.name} holds no {info.fmt} samples (empty input)")
        if not quiet:
            print(demod_summary(station, built.config.command == "live"), file=sys.stderr)
        if (built.config.command == "replay" and totals.samples and not interrupted
                and station.stats.total.frames == 0):
            print(nothing_decoded(info.name, info.fmt, info.rate), file=sys.stderr)
    if station.pipeline is not None and not quiet:
        print(decoding_summary(built), file=sys.stderr)
    late = station.stats.total.late_frames
    if late:  # counted in the totals; said, not lost silently
        print(f"adsbwatch: warning: {late} frames came more than {KEPT_MINUTES} minutes "
              "after their time: in the run's totals, in no minute's row", file=sys.stderr)


def nothing_decoded(name: str, fmt: str, rate: int) -> str:
    """What to check when a recording gave no frame at all: most often it was read at
    the wrong sample rate or in the wrong format (the extension decides, else cu8)."""
    return (f"adsbwatch: warning: no frame decoded from {name}, read as {fmt} samples at "
            f"{rate / 1e6:g} MS/s: if it was recorded otherwise, give --rate (2.0M or "
            f"2.4M) and --format ({', '.join(sorted(FORMATS))})")


def input_lines(station: Station) -> list[str]:
    """Each input's closing line (what it read, what became of it), then why frames
    of other decoders were refused."""
    lines = [line for source, counts in zip(station.inputs, station.merge.counts, strict=True)
             if isinstance(source, SummaryLines) for line in source.summary_lines(counts)]
    refused = station.merge.refused
    if refused:
        why = ", ".join(f"{reason} {n}" for reason, n in refused.most_common())
        lines.append(f"adsbwatch: network frames refused: {why}")
    return lines


def decoding_summary(built: BuiltStation) -> str:
    station = built.station
    assert station.pipeline is not None
    total = station.stats.total
    where = ""
    if built.store_name is not None:
        where = f" into {shown(built.store_name)}"  # a URL without its password
        status = built.recorder.status
        notes = []
        if status.retries:
            notes.append(f"{status.retries} writes retried: database busy or full")
        if status.lost:
            notes.append(f"{status.lost} rows lost")
        if notes:
            where += f" ({'; '.join(notes)})"
    failures = station.pipeline.totals.failures
    failed = f", {failures} failed" if failures else ""
    return (f"adsbwatch: {count(total.messages, 'message')} decoded ({total.undecodable} "
            f"without a decoder{failed}), {count(total.positions, 'position')} "
            f"({total.rejected_positions} rejected as implausible), "
            f"{count(station.pipeline.totals.sightings, 'sighting')}; recorded{where}")
