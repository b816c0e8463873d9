"""Running a station from the command line: the outputs as sinks of one fan-out, the
signals, the progress bar, the closing lines. Shared by `replay` and `live`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from functools import partial
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.network import OutputContext, after_station, network_sinks
from adsbwatch.receiver.cli.station_options import warn
from adsbwatch.receiver.errors import UserError

if TYPE_CHECKING:
    from adsbwatch.receiver.sources.base import IQSource
    from adsbwatch.receiver.station.fanout import Sink
    from adsbwatch.receiver.station.run import StationTotals


def summary(totals: StationTotals, rate: int) -> str:
    samples = totals.source.samples
    signal_s = samples / rate
    speed = signal_s / totals.wall_seconds if totals.wall_seconds > 0 else 0.0
    by_df = ", ".join(f"DF{df} {n}" for df, n in sorted(totals.frames_by_df.items()))
    s = totals.demod_stats
    return (
        f"adsbwatch: {totals.frames} frames ({by_df or 'none'}); "
        f"repaired {s['repaired_1bit']} (1 bit) + {s['repaired_2bit']} (2 bits); "
        f"rejected {s['rejected']} candidates (among their tries {s['unknown_address']} "
        f"gave an address not heard, {s['repair_refused']} a repair refused); "
        f"{samples} samples ({signal_s:.3f} s at {rate / 1e6:g} MS/s) "
        f"in {totals.wall_seconds:.2f} s, {speed:.1f}x real time"
    )


def _progress_bar(source: IQSource, quiet: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on a terminal for an input of known size; None otherwise."""
    size = source.info.size_bytes
    if quiet or size is None or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=size, unit="B", unit_scale=True, desc="replay", leave=False,
                file=sys.stderr)


def _closing_lines(totals: StationTotals, source: IQSource, quiet: bool,
                   interrupted: bool) -> None:
    from adsbwatch.receiver.sources.base import is_frame_source

    info = source.info
    if is_frame_source(source):  # frames from other decoders: no samples, no rate
        if not quiet:
            for line in source.summary_lines():  # type: ignore[attr-defined]
                print(line, file=sys.stderr)
        return
    leftover = totals.source.leftover_bytes
    if leftover:
        warn(f"{info.name} ends with {leftover} bytes that do not make a whole "
             f"{info.fmt} sample ({info.bytes_per_sample} bytes each); ignored them")
    if totals.source.samples == 0 and not interrupted:
        raise UserError(f"{info.name} holds no {info.fmt} samples (empty input)")
    if not quiet and totals.demod_stats:
        print(summary(totals, info.rate), file=sys.stderr)


def run_outputs(args: argparse.Namespace, source: IQSource,
                extra_sinks: Sequence[Sink] = (), totals: StationTotals | None = None) -> int:
    """Run `source` through the station to the outputs `args` ask for (AVR on stdout,
    the decoding pipeline) and `extra_sinks`; the command's exit status. `args`: the
    run's config as cli/namespace.py spells it (`args.station` the config itself)."""
    # Imported here, not at the top: `--help` and the other commands start without numpy.
    from adsbwatch.receiver.outputs.avr import AvrSink
    from adsbwatch.receiver.outputs.stdout import StdoutOutlet
    from adsbwatch.receiver.station.fanout import FanOut
    from adsbwatch.receiver.station.run import StationTotals, run_station
    from adsbwatch.receiver.station.signals import StopSignals, Terminated

    outlet = StdoutOutlet()
    fanout = FanOut([], warn)
    if args.raw:
        fanout.sinks.append(AvrSink(outlet))
    decoding = None
    if args.station.decodes:
        # Only now: --raw alone starts without pyModeS, rich and SQLite.
        from adsbwatch.receiver.cli.decoding import Decoding

        decoding = Decoding(args, source, None if args.raw else outlet, warn)
        fanout.sinks.extend(decoding.sinks)
    totals = totals if totals is not None else StationTotals()
    context = OutputContext(args, source, decoding, totals, warn)
    fanout.sinks.extend(network_sinks(context))
    fanout.sinks.extend(extra_sinks)
    # The interactive view shows the progress itself; a bar would write into its screen.
    bar = _progress_bar(source, args.quiet or getattr(args, "interactive", False))
    progress = (lambda done: bar.update(done - bar.n)) if bar is not None else None
    with StopSignals() as signals:
        try:
            with decoding.showing() if decoding is not None else nullcontext():
                # A live stream keeps the wall clock's time unless told its start.
                wall_clock = source.info.live and getattr(args, "start_time", None) is None
                station = partial(run_station, source, fix=args.fix, on_progress=progress,
                                  totals=totals, wall_clock=wall_clock,
                                  throttle=getattr(args, "throttle", False))
                if decoding is not None:
                    decoding.run(station, fanout)  # --interactive: in a worker thread
                else:
                    station(fanout)
                signals.shutting_down()
                if decoding is not None:
                    decoding.show_final()
                after_station(context, signals)  # e.g. --http serves on until Ctrl-C
        except (KeyboardInterrupt, Terminated):
            pass
        finally:
            signals.shutting_down()  # a second Ctrl-C must not cut the store's commit
            if bar is not None:
                bar.close()
            fanout.close()
            context.stop_network()  # after every sink that used it has closed
    interrupted = signals.exit_status != 0
    if decoding is not None:
        decoding.print_table(interrupted)
    # A run that failed, or whose only reader left, ends without a summary.
    quiet = args.quiet or bool(fanout.failures) or totals.stopped_early
    _closing_lines(totals, source, quiet, interrupted)
    if decoding is not None and not quiet:
        print(decoding.summary(), file=sys.stderr)
    for failure in fanout.unreported:
        print(f"adsbwatch: error: {failure}", file=sys.stderr)
    view_failed = decoding is not None and decoding.sink.view_failure is not None
    return signals.exit_status or (1 if fanout.failures or view_failed else 0)


