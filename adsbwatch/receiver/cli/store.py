"""`adsbwatch store restore FILE`: write the rows of an unsaved-rows file (which a run
that could not write to its database left, and named) into the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from adsbwatch.receiver.cli.opening import open_store
from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.errors import RuntimeFailure


def cmd_restore(args: argparse.Namespace) -> int:
    source = Path(args.file)
    with open_store(args.db) as store:  # a bad file: UnsavedFileError, exit status 2
        restored, left_out = store.restore_unsaved(source)
        where = store.path
    if left_out:
        raise RuntimeFailure(
            f"restored {restored} rows from {source} into {where}, but not {left_out} "
            f"points and events: their visit is in neither {source} nor the store "
            "(restore the file that holds it first, then this one again)")
    write_stdout(f"restored {restored} rows from {source} into {where}\n")
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
