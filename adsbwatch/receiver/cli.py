"""The `adsbwatch` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..decoder.iqformats import FORMATS
from .avr import avr_text
from .errors import RuntimeFailure, UserError
from .replay import ReplayTotals, demodulate_source
from .sources import parse_rate, resolve_source


def _warn(message: str) -> None:
    print(f"adsbwatch: warning: {message}", file=sys.stderr)


def _summary(totals: ReplayTotals, rate: int) -> str:
    signal_s = totals.samples / rate
    speed = signal_s / totals.wall_seconds if totals.wall_seconds > 0 else 0.0
    by_df = ", ".join(f"DF{df} {n}" for df, n in sorted(totals.frames_by_df.items()))
    s = totals.demod_stats
    return (
        f"adsbwatch: {totals.frames} frames ({by_df or 'none'}); "
        f"repaired {s['repaired_1bit']} (1 bit) + {s['repaired_2bit']} (2 bits); "
        f"rejected {s['rejected']} candidates ({s['unknown_address']} unknown address, "
        f"{s['repair_refused']} repairs refused); "
        f"{totals.samples} samples ({signal_s:.3f} s at {rate / 1e6:g} MS/s) "
        f"in {totals.wall_seconds:.2f} s, {speed:.1f}x real time"
    )


def _detach_stdout() -> None:
    """Point stdout at /dev/null: what it still buffers can then be flushed at exit
    without a second failure (and a traceback) after the first was reported."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _stdout_failure(exc: OSError) -> RuntimeFailure:
    """A write to stdout failed for a reason other than a reader leaving (a full disk)."""
    _detach_stdout()
    return RuntimeFailure(f"cannot write frames to stdout ({exc.strerror or exc})")


def _progress_bar(spec_path: str, quiet: bool):
    """A tqdm bar on a terminal for a file of known size; None otherwise."""
    if quiet or spec_path == "-" or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=os.path.getsize(spec_path), unit="B", unit_scale=True,
                desc="replay", leave=False, file=sys.stderr)


def cmd_replay(args: argparse.Namespace) -> int:
    if not args.raw:
        raise UserError("replay decodes aircraft in a later release; use --raw to print frames")
    rate = parse_rate(args.rate) if args.rate is not None else None
    spec = resolve_source(args.file, args.format, rate)
    bar = _progress_bar(spec.data_path, args.quiet)
    out = sys.stdout

    def write(batch) -> None:
        try:
            out.write(avr_text(batch))
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _stdout_failure(exc) from None

    def progress(done: int) -> None:
        bar.update(done - bar.n)

    try:
        totals = demodulate_source(spec, write, fix=args.fix,
                                   on_progress=progress if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    try:
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _stdout_failure(exc) from None
    name = "stdin" if spec.data_path == "-" else spec.data_path
    if totals.leftover_bytes:
        _warn(f"{name} ends with {totals.leftover_bytes} bytes that do not make a whole "
              f"{spec.fmt} sample ({spec.bytes_per_sample} bytes each); ignored them")
    if totals.samples == 0:
        raise UserError(f"{name} holds no {spec.fmt} samples (empty input)")
    if not args.quiet:
        print(_summary(totals, spec.rate), file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adsbwatch", description="1090 MHz Mode S / ADS-B receiver with a watchlist")
    parser.add_argument("--version", action="version", version=f"adsbwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    replay = sub.add_parser("replay", help="demodulate a recorded IQ file (or - for stdin)")
    replay.add_argument("file", help="IQ recording, a SigMF .sigmf-meta/.sigmf-data, or -")
    replay.add_argument("--raw", action="store_true",
                        help="print every valid frame as an AVR line (*HEX;) on stdout")
    replay.add_argument("--format", choices=sorted(FORMATS),
                        help="sample format (default: from SigMF or extension, else cu8)")
    replay.add_argument("--rate", help="sample rate, e.g. 2.4M or 2000000 "
                                       "(default: from SigMF, else 2.4M)")
    replay.add_argument("--fix", type=int, choices=(0, 1, 2), default=1,
                        help="bits to repair: 1 for DF11/17/18 (default), 2 adds 2-bit "
                             "repair of DF17/18, 0 repairs nothing")
    replay.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar and no closing summary on stderr")
    replay.set_defaults(handler=cmd_replay)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (UserError, RuntimeFailure) as exc:
        print(f"adsbwatch: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        _detach_stdout()
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
