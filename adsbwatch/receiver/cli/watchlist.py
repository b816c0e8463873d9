"""`adsbwatch watchlist add|remove|list|import|export|test`: the watchlist's rules in the
store."""

from __future__ import annotations

import argparse
import sys

from adsbwatch.decoder.messages.watchlist import WatchEntry, format_watchlist
from adsbwatch.receiver.assembly.watchlists import load_watchlist_files
from adsbwatch.receiver.cli.opening import watch_rule, write_output
from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.store.errors import NoStoreError
from adsbwatch.receiver.store.opening import open_watchlist_store, store_location


def cmd_watch_add(args: argparse.Namespace) -> int:
    entry = watch_rule(args.rule, args.label)
    with open_watchlist_store(args.db) as store:
        store.add_watch([entry])
    write_stdout(f"watching {entry.text()}\n")
    flush_stdout()
    return 0


def cmd_watch_remove(args: argparse.Namespace) -> int:
    entry = watch_rule(args.rule, None)  # a label given is not part of the rule
    with open_watchlist_store(args.db) as store:
        if not store.remove_watch(entry):
            raise UserError(f"{entry.rule()} is not on the watchlist")
    write_stdout(f"no longer watching {entry.rule()}\n")
    flush_stdout()
    return 0


def _stored_entries(db: str | None) -> list[WatchEntry]:
    """The store's watchlist. A store not made yet holds an empty one: said on stderr,
    and nothing is created (reading never writes)."""
    try:
        store = open_watchlist_store(db, read_only=True)
    except NoStoreError:
        print(f"adsbwatch: no store at {store_location(db)} yet: the watchlist is empty "
              "(add to it with `adsbwatch watchlist add HEX` or `import FILE`)",
              file=sys.stderr)
        return []
    with store:
        return store.watch_entries()


def cmd_watch_list(args: argparse.Namespace) -> int:
    write_output(format_watchlist(_stored_entries(args.db)), None)
    return 0


def cmd_watch_import(args: argparse.Namespace) -> int:
    entries = load_watchlist_files([args.file])  # all or nothing: parsed before writing
    with open_watchlist_store(args.db) as store:
        count = store.add_watch(entries)
    write_stdout(f"imported {count} entries from {args.file}\n")
    flush_stdout()
    return 0


def cmd_watch_export(args: argparse.Namespace) -> int:
    write_output(format_watchlist(_stored_entries(args.db)), args.file)
    return 0


def add_parser(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    watch = sub.add_parser("watchlist", help="the watchlist's rules in the store")
    wsub = watch.add_subparsers(dest="action", required=True)
    add = wsub.add_parser("add", parents=[db_parent],
                          help="watch a rule: an address, a block or conditions")
    add.add_argument("rule", nargs="+", metavar="RULE",
                     help="a watchlist line: HEX or HEX-HEX (e.g. 100000-1FFFFF: Russia) "
                          "and/or conditions (reg:RA-86496 type:IL62 country:RU "
                          "'operator:\"Russia - Air Force\"' military interesting "
                          "callsign:RFF* squawk:7500,7600,7700), then an optional label")
    add.add_argument("--label", help="the rule's label (instead of one after the rule)")
    add.set_defaults(handler=cmd_watch_add)
    rem = wsub.add_parser("remove", parents=[db_parent], help="stop watching a rule")
    rem.add_argument("rule", nargs="+", metavar="RULE", help="the rule, as added")
    rem.set_defaults(handler=cmd_watch_remove)
    lst = wsub.add_parser("list", parents=[db_parent], help="print the watchlist")
    lst.set_defaults(handler=cmd_watch_list)
    imp = wsub.add_parser("import", parents=[db_parent],
                          help="add a watchlist file's entries (all or none)")
    imp.add_argument("file")
    imp.set_defaults(handler=cmd_watch_import)
    exp = wsub.add_parser("export", parents=[db_parent], help="write the watchlist as a file")
    exp.add_argument("file", nargs="?", help="output file (default stdout)")
    exp.set_defaults(handler=cmd_watch_export)
