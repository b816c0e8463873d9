"""`adsbwatch store restore FILE`: write the rows of an unsaved-rows file (which a run
that could not write to its database left, and named) into the store.
`adsbwatch store prune --keep-points DAYS`: thin (or delete) old track points of
unwatched aircraft now, as `live --keep-points` does every hour."""

from __future__ import annotations

import argparse
from pathlib import Path

from adsbwatch.receiver.cli.station_options import option_type, warn
from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.config.values import days, old_points
from adsbwatch.receiver.errors import RuntimeFailure

# The store is imported by the commands: this module is imported whatever the command.


def cmd_restore(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.store.opening import restore_unsaved, shown_location

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


def cmd_prune(args: argparse.Namespace) -> int:
    import time

    from adsbwatch.receiver.store.opening import open_pruner, shown_location
    from adsbwatch.receiver.store.pruning import keeping_rule, prune_summary

    rule = keeping_rule(args.keep_points, args.old_points == "delete", time.time())
    with open_pruner(args.db) as pruner:  # a store that is not there: exit status 2
        result = pruner.prune(rule)
    write_stdout(f"{prune_summary(result, rule)} in {shown_location(args.db)}\n")
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
    prune = ssub.add_parser(
        "prune", parents=[db_parent],
        help="thin (or delete) old track points of unwatched aircraft now, in short "
             "transactions (a running station waits at most one); watched visits keep "
             "every point, every visit its row")
    prune.add_argument("--keep-points", type=option_type(days), required=True,
                       metavar="DAYS", help="keep every point of the last DAYS days")
    prune.add_argument("--old-points", type=option_type(old_points), default="thin",
                       metavar="{thin,delete}",
                       help="older points of unwatched visits: thin (one a minute of each "
                            "visit, default) or delete (and those visits' older events)")
    prune.set_defaults(handler=cmd_prune)
