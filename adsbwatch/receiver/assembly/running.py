"""Running a built station as a command: the signals, the view, serving a replay's final
state over HTTP until Ctrl-C, closing every consumer, and the closing lines; the exit
status."""

from __future__ import annotations

import sys
from contextlib import nullcontext

from adsbwatch.receiver.assembly.build import BuiltStation
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.station.signals import StopSignals, Terminated
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.ui.losses import away_text


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
    interrupted = signals.exit_status != 0
    consumers = station.consumers
    _final_table(built, interrupted)
    # A run that failed, or whose only reader left, ends without a summary.
    quiet = built.config.outputs.quiet or bool(consumers.failures) \
        or station.run_state.ended == "no consumer left"
    _closing_lines(built, quiet, interrupted)
    for failure in consumers.unreported:
        print(f"adsbwatch: error: {failure}", file=sys.stderr)
    return signals.exit_status or (1 if consumers.failures else 0)


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

        built.console.print(run_table(built.station, built.watchlist))


def demod_summary(station: Station) -> str:
    """Frames, repairs, rejections and samples of a run from IQ samples."""
    total = station.stats.total
    info = station.info
    by_df = ", ".join(f"DF{df} {int(n)}" for df, n in enumerate(total.by_df.tolist()) if n)
    s = station.demod_counts()
    samples = station.totals.samples
    signal_s = samples / info.rate
    wall = station.run_state.wall_seconds
    if info.live:  # waiting for samples is not work: no "times real time"
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
    summary_lines = getattr(station.input, "summary_lines", None)
    if summary_lines is not None:  # frames from other decoders: no samples, no rate
        if not quiet:
            for line in summary_lines():
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
            print(demod_summary(station), file=sys.stderr)
    if station.pipeline is not None and not quiet:
        print(decoding_summary(built), file=sys.stderr)


def decoding_summary(built: BuiltStation) -> str:
    station = built.station
    assert station.pipeline is not None
    total = station.stats.total
    where = ""
    if built.store_name is not None:
        where = f" into {built.store_name}"
        status = built.recorder.status
        notes = []
        if status.retries:
            notes.append(f"{status.retries} writes retried: database busy or full")
        if status.lost:
            notes.append(f"{status.lost} rows lost")
        if notes:
            where += f" ({'; '.join(notes)})"
    return (f"adsbwatch: {total.messages} messages decoded ({total.undecodable} without a "
            f"decoder), {total.positions} positions ({total.rejected_positions} rejected "
            f"as implausible), {station.pipeline.totals.sightings} sightings; recorded{where}")
