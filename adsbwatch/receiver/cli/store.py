"""`adsbwatch store restore FILE`: write the rows of an unsaved-rows file (which a run
that could not write to its database left, and named) into the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from adsbwatch.receiver.cli.station_options import warn
from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.store.opening import restore_unsaved, shown_location


def cmd_restore(args: argparse.Namespace) -> int:
    source = Path(args.file)
    where = shown_location(args.db)
    done = restore_unsaved(args.db, source)  # a bad file: UnsavedFileError, exit status 2
    if done.cut_off is not None:
        warn(f"{source}:{done.cut_off}: left out this last line, cut off (the run that "
             "saved the file was stopped while writing it)")
    if done.left_out:
        raise RuntimeFailure(
            f"restored {done.rows} rows from {source} into {where}, but not "
            f"{done.left_out} points and events: their visit is in neither {source} nor "
            "the store (restore the file that holds it first, then this one again)")
    write_stdout(f"restored {done.rows} rows from {source} into {where}\n")
    flush_stdout()
    return 0


def add_parser(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    store = sub.add_parser("store", help="look after the store")
    ssub = store.add_subparsers(dest="action", required=True)
    restore = ssub.add_parser(
        "restore", parents=[db_parent],
        help="write the rows of a DB.unsaved-*.jsonl file into the store (again is harmless)")
    restore.add_argument("file", help="the .unsaved-*.jsonl file a run named")
    restore.set_defaults(handler=cmd_restore)
