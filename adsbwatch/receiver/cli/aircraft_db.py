"""`adsbwatch db import FILE | update [--url URL] | info`: the aircraft database (tar1090-db's
aircraft.csv(.gz), as readsb and tar1090 read it), kept beside the store unless
--aircraft-db says where. The registry package is imported when a command runs."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.core.lines import warn_on_stderr
from adsbwatch.receiver.defaults import AIRCRAFT_DB_URL, default_aircraft_db_path
from adsbwatch.receiver.errors import RuntimeFailure, UserError

if TYPE_CHECKING:
    from adsbwatch.decoder.registry.info import InfoLookup
    from adsbwatch.receiver.registry import Registry


def aircraft_db_path(args: argparse.Namespace) -> Path:
    """--aircraft-db, else aircraft.db beside the store (--db)."""
    return _given(args) or default_aircraft_db_path(getattr(args, "db", None))


def _given(args: argparse.Namespace) -> Path | None:
    given = getattr(args, "aircraft_db", None)
    return Path(given) if given else None


def chosen_registry(args: argparse.Namespace, warn: Callable[[str], None] = warn_on_stderr
                    ) -> Registry:
    """The aircraft database a command that reads it names (--aircraft-db, --db); opened
    at the first lookup."""
    from adsbwatch.receiver.registry import open_chosen_registry

    return open_chosen_registry(_given(args), getattr(args, "db", None), warn)


def registry_lookup(args: argparse.Namespace) -> InfoLookup:
    """The aircraft database's lookup for a command that reads it."""
    return chosen_registry(args).info


def cmd_import(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.registry.importing import ImportFailure, import_file

    source = Path(args.file)
    if not source.is_file():
        raise UserError(f"{source}: no such file (give tar1090-db's aircraft.csv or "
                        "aircraft.csv.gz)")
    target = aircraft_db_path(args)
    try:
        summary = import_file(source, target)
    except ImportFailure as exc:
        raise RuntimeFailure(f"{exc}; the aircraft database is left as it was") from None
    write_stdout(summary.text(str(source), target) + "\n")
    flush_stdout()
    return 0


class _DownloadBar:
    """A progress bar on stderr when it is a terminal (tqdm, as replay's)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.bar = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            if not sys.stderr.isatty():
                return
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="B", unit_scale=True, desc="download",
                            leave=False, file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_update(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.registry.importing import ImportFailure
    from adsbwatch.receiver.registry.updating import update

    target = aircraft_db_path(args)
    bar = _DownloadBar(args.url)
    try:
        summary = update(target, args.url, bar)
    except ImportFailure as exc:
        raise RuntimeFailure(f"{exc}; the aircraft database is left as it was") from None
    finally:
        bar.close()
    write_stdout(summary.text(args.url, target) + "\n")
    flush_stdout()
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.registry.database import AircraftDatabase, DatabaseError

    target = aircraft_db_path(args)
    if not target.exists():
        raise UserError(f"no aircraft database at {target}: make one with `adsbwatch db "
                        "update` or `adsbwatch db import FILE`")
    try:
        database = AircraftDatabase(target)
    except DatabaseError as exc:
        raise RuntimeFailure(str(exc)) from None
    about = database.about
    database.close()
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(about.imported))
    write_stdout(f"{target}: {about.aircraft} aircraft, imported {when} from "
                 f"{about.source}" + (f" ({about.skipped} lines of it skipped)" if about.skipped
                                      else "") + "\n")
    flush_stdout()
    return 0


def aircraft_db_parent() -> argparse.ArgumentParser:
    """--aircraft-db, for every command that reads or writes the aircraft database."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--aircraft-db", metavar="PATH",
                        help="the aircraft database (default aircraft.db beside the store)")
    return parent


def add_parser(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser,  # type: ignore[type-arg]
               aircraft_parent: argparse.ArgumentParser) -> None:
    parents = [db_parent, aircraft_parent]
    db = sub.add_parser("db", help="the aircraft database: registrations, types, operators")
    dsub = db.add_subparsers(dest="action", required=True)
    imp = dsub.add_parser("import", parents=parents,
                          help="make it from tar1090-db's aircraft.csv (plain or .gz)")
    imp.add_argument("file")
    imp.set_defaults(handler=cmd_import)
    upd = dsub.add_parser("update", parents=parents,
                          help="download tar1090-db's aircraft.csv.gz and make it anew "
                               "(the old one kept if anything fails)")
    upd.add_argument("--url", default=AIRCRAFT_DB_URL,
                     help=f"where from (default {AIRCRAFT_DB_URL})")
    upd.set_defaults(handler=cmd_update)
    info = dsub.add_parser("info", parents=parents,
                           help="how many aircraft it holds, when and where it came from")
    info.set_defaults(handler=cmd_info)
