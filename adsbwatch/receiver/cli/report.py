"""`adsbwatch report`: plots of what the receiver heard, from the store: PNG files and one
HTML page that links them. matplotlib (the `plots` extra) and the plot modules are
imported by the command only, so every other command starts without them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.history import since_option
from adsbwatch.receiver.cli.opening import given_position
from adsbwatch.receiver.errors import RuntimeFailure, UserError

if TYPE_CHECKING:
    from adsbwatch.receiver.store.protocols import History

DEFAULT_OUT = "adsbwatch-report"
DEFAULT_PROFILES = 24  # the altitude profiles drawn, newest visits first
LARGE_STORE_ROWS = 200_000  # rows to read before a progress bar is worth showing


def _need_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("adsbwatch report draws with matplotlib, which is not installed: "
                        "pip install 'adsbwatch[plots]'") from None


def _out_folder(text: str) -> Path:
    out = Path(text)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"--out {out}: is a file, not a folder") from None
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the folder ({exc.strerror or exc})"
                        ) from None
    return out


@contextmanager
def _progress(history: History, since: float | None) -> Iterator[Callable[[int], None]]:
    """A tqdm bar on stderr while a large store is read, on a terminal only."""
    total = history.rows_to_read(since) if sys.stderr.isatty() else 0
    if total < LARGE_STORE_ROWS:
        yield lambda rows: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=" rows", unit_scale=True, desc="reading the store",
              leave=False, file=sys.stderr) as bar:
        yield bar.update


def cmd_report(args: argparse.Namespace) -> int:
    since = since_option(args.since)
    given = given_position(args)
    if args.max_profiles < 0:
        raise UserError(f"--max-profiles {args.max_profiles}: give 0 or more")
    _need_matplotlib()
    out = _out_folder(args.out)
    from adsbwatch.receiver.store.opening import open_history
    from adsbwatch.receiver.ui.plots.report import write_report

    with open_history(args.db) as history, _progress(history, since) as advance:
        try:
            index = write_report(history, out, since, given, args.max_profiles, advance)
        except OSError as exc:
            raise RuntimeFailure(f"cannot write the report into {out}: "
                                 f"{exc.strerror or exc}") from None
    print(f"adsbwatch: report written to {index}")
    return 0


def add_parser(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    report = sub.add_parser(
        "report", parents=[db_parent],
        help="plots of what the receiver heard: PNGs and an HTML page",
        description="Coverage by bearing and altitude, messages per minute, signal levels, "
                    "the watched aircraft's visits and their altitude profiles, drawn from "
                    "the store into PNG files and one index.html linking them.")
    report.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                        help=f"folder for the page and plots (default ./{DEFAULT_OUT})")
    report.add_argument("--since", metavar="WHEN",
                        help="only what was heard since then: 7d, 12h, 30m, 2026-11-24, "
                             "today (default: everything stored)")
    report.add_argument("--lat", type=float, help="the receiver's latitude, instead of the "
                        "one the store recorded (the coverage plot measures from it)")
    report.add_argument("--lon", type=float, help="the receiver's longitude")
    report.add_argument("--max-profiles", type=int, default=DEFAULT_PROFILES, metavar="N",
                        help="altitude profiles drawn, newest visits first "
                             f"(default {DEFAULT_PROFILES})")
    report.set_defaults(handler=cmd_report)
