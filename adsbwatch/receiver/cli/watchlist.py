"""`adsbwatch watchlist add|remove|list|import|export|test`: the watchlist's rules in the
store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.aircraft_db import aircraft_db_parent
from adsbwatch.receiver.cli.opening import watch_rule, write_output
from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.errors import UserError

if TYPE_CHECKING:
    from adsbwatch.decoder.messages.watchlist import WatchEntry
    from adsbwatch.receiver.registry import Registry

# The store, the rules and the watchlist files are imported by the commands that use
# them: this module is imported whatever the command, for its options.


def cmd_watch_add(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.store.opening import open_watchlist_store

    entry = watch_rule(args.rule, args.label)
    with open_watchlist_store(args.db) as store:
        store.add_watch([entry])
    write_stdout(f"watching {entry.text()}\n")
    flush_stdout()
    return 0


def cmd_watch_remove(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.store.opening import open_watchlist_store

    entry = watch_rule(args.rule, None)  # a label given is not part of the rule
    with open_watchlist_store(args.db) as store:
        if not store.remove_watch(entry):
            raise UserError(f"{entry.rule()} is not on the watchlist")
    write_stdout(f"no longer watching {entry.rule()}\n")
    flush_stdout()
    return 0


# A user who ran with --watchlist FILE expects its rules in the store's list.
FILES_ARE_NOT_STORED = ("rules in a file given with --watchlist FILE are read by each run "
                        "and not stored: `adsbwatch watchlist import FILE` stores them, "
                        "`adsbwatch watchlist add HEX LABEL` one rule")


def _store_entries(db: str | None) -> list[WatchEntry] | None:
    """The store's watchlist; None when there is no store yet (said on stderr, and
    nothing is created: reading never writes)."""
    from adsbwatch.receiver.store.errors import NoStoreError
    from adsbwatch.receiver.store.opening import open_watchlist_store, shown_location

    try:
        store = open_watchlist_store(db, read_only=True)
    except NoStoreError:
        print(f"adsbwatch: no store at {shown_location(db)} yet: the watchlist is empty; "
              f"{FILES_ARE_NOT_STORED}", file=sys.stderr)
        return None
    with store:
        return store.watch_entries()


def _stored_entries(db: str | None) -> list[WatchEntry]:
    return _store_entries(db) or []


def cmd_watch_list(args: argparse.Namespace) -> int:
    from adsbwatch.decoder.messages.watchlist import format_watchlist

    entries = _store_entries(args.db)
    write_output(format_watchlist(entries or []), None)
    if entries == []:  # said after the list: a stdout that fails is the one line said
        print(f"adsbwatch: the store's watchlist is empty; {FILES_ARE_NOT_STORED}",
              file=sys.stderr)
    return 0


def cmd_watch_import(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.assembly.watchlists import load_watchlist_files
    from adsbwatch.receiver.store.opening import open_watchlist_store

    entries = load_watchlist_files([args.file])  # all or nothing: parsed before writing
    with open_watchlist_store(args.db) as store:
        count = store.add_watch(entries)
    write_stdout(f"imported {count} entries from {args.file}\n")
    flush_stdout()
    return 0


def cmd_watch_export(args: argparse.Namespace) -> int:
    from adsbwatch.decoder.messages.watchlist import format_watchlist

    write_output(format_watchlist(_stored_entries(args.db)), args.file)
    return 0


def _numbered_rules(args: argparse.Namespace) -> list[tuple[str, WatchEntry]]:
    """The rules to test, each with where it is written: the --watchlist files' lines,
    else the store's rules as `watchlist list` prints them (line N of its output)."""
    from adsbwatch.receiver.assembly.watchlists import load_numbered_watchlist

    if args.watchlist:
        return [(f"{name}:{number}", entry) for name in args.watchlist
                for number, entry in load_numbered_watchlist(name)]
    return [(f"line {n}", entry) for n, entry in enumerate(_stored_entries(args.db), 1)]


def _tested_address(text: str, registry: Registry, where: Path) -> int:
    """HEX, or a registration the aircraft database (or the N-number rule) knows."""
    from adsbwatch.decoder.messages.watchlist import parse_address

    try:
        lo, hi = parse_address(text)
    except ValueError:
        address = registry.address_of(text)
        if address is None:
            raise UserError(f"{text!r} is neither a 6-digit hex address nor a registration "
                            f"in the aircraft database at {where} (nor a US N-number)"
                            ) from None
        return address
    if lo != hi:
        raise UserError(f"{text!r} is a block: give one address or a registration")
    return lo


def cmd_watch_test(args: argparse.Namespace) -> int:
    from adsbwatch.decoder.messages.watchexplain import describe, explain
    from adsbwatch.decoder.messages.watchrules import Seen
    from adsbwatch.receiver.cli.aircraft_db import chosen_registry

    squawk = args.squawk
    if squawk is not None and not (len(squawk) == 4 and set(squawk) <= set("01234567")):
        raise UserError(f"--squawk {squawk}: a squawk is 4 octal digits 0-7, e.g. 7700")
    callsign = None if args.callsign is None else args.callsign.strip().upper()
    rules = _numbered_rules(args)
    registry = chosen_registry(args)
    try:
        address = _tested_address(args.aircraft, registry, registry.path)
        seen = Seen(address, registry.info(address), callsign or None, squawk)
    finally:
        registry.close()
    lines = [describe(seen)]
    verdicts = explain(rules, seen)
    lines += [f"  {v.text()}" for v in verdicts]
    if not verdicts:
        lines.append("  the watchlist is empty")
    write_stdout("\n".join(lines) + "\n")
    flush_stdout()
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
    test = wsub.add_parser("test", parents=[db_parent, aircraft_db_parent()],
                           help="which rules would match an aircraft, and why")
    test.add_argument("aircraft", metavar="HEX|REG",
                      help="an address (484506) or a registration (PH-GOV)")
    test.add_argument("--callsign", help="as if it sent this callsign (for callsign: rules)")
    test.add_argument("--squawk", help="as if it squawked this code (for squawk: rules)")
    test.add_argument("--watchlist", action="append", metavar="FILE",
                      help="test this file's rules instead of the store's (repeatable)")
    test.set_defaults(handler=cmd_watch_test)
