"""The `adsbwatch` command."""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import signal
import sys
from collections.abc import Sequence

from adsbwatch import __version__
from adsbwatch.receiver.cli import (
    aircraft_db,
    history,
    live,
    notify_test,
    replay,
    report,
    serve,
    simulate,
    watchlist,
)
from adsbwatch.receiver.cli import store as store_cmd
from adsbwatch.receiver.cli.numba_cache import prepare_kernel_cache
from adsbwatch.receiver.cli.stdout import detach_stdout
from adsbwatch.receiver.core.collector import command_over, command_starting
from adsbwatch.receiver.core.open_files import raise_open_files_limit
from adsbwatch.receiver.defaults import default_db_path
from adsbwatch.receiver.errors import RuntimeFailure, UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adsbwatch", description="1090 MHz Mode S / ADS-B receiver with a watchlist")
    parser.add_argument("--version", action="version", version=f"adsbwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    db_parent = argparse.ArgumentParser(add_help=False)
    db_parent.add_argument("--db", help=f"the store: a SQLite file or a postgresql:// URL "
                           f"(default {default_db_path()})")
    aircraft_parent = aircraft_db.aircraft_db_parent()
    # The commands that show aircraft read the aircraft database beside the store.
    db_and_aircraft = argparse.ArgumentParser(add_help=False,
                                              parents=[db_parent, aircraft_parent])
    replay.add_parser(sub)
    live.add_parser(sub)
    watchlist.add_parser(sub, db_parent)
    history.add_parsers(sub, db_and_aircraft)
    store_cmd.add_parser(sub, db_parent)
    simulate.add_parser(sub)
    serve.add_parser(sub, db_and_aircraft)
    aircraft_db.add_parser(sub, db_parent, aircraft_parent)
    report.add_parser(sub, db_parent)
    notify_test.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    prepare_kernel_cache()  # before a command imports a kernel: Numba needs a cache folder
    # Each network client is an open file; a service starts with a soft limit of 1024.
    raise_open_files_limit()
    # `kill -USR1 PID` prints every thread's stack to stderr: how a stuck receiver is
    # diagnosed without stopping it.
    with contextlib.suppress(OSError, ValueError):  # stderr without a descriptor (tests)
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    parser = build_parser()
    args = parser.parse_args(argv)
    # The command's imports make most of what lives for the run; called with no argv,
    # this process is the command and ends with it.
    command_starting(owns_process=argv is None)
    try:
        return args.handler(args)
    except (UserError, RuntimeFailure) as exc:
        print(f"adsbwatch: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        detach_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        command_over()


if __name__ == "__main__":
    sys.exit(main())
