"""Opening what the user names, any failure a one-line UserError: watchlist files,
addresses on the command line, and the files a command writes. Light on imports: every
command's parser module uses it, and `replay --raw` needs neither the store (which
store/opening.py opens) nor the watchlist's rules, so both are imported where used."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.errors import UserError

if TYPE_CHECKING:
    from adsbwatch.decoder.messages.watchlist import WatchEntry


def watch_entry(spec: str, label: str) -> WatchEntry:
    """One `HEX` or `HEX-HEX` (and a label) from the command line, checked like a
    watchlist line."""
    from adsbwatch.decoder.messages.watchlist import WatchEntry, parse_address

    try:
        lo, hi = parse_address(spec)
        return WatchEntry(lo, hi, label)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def watch_rule(words: list[str], label: str | None) -> WatchEntry:
    """A watchlist rule from the command line's words (joined as one watchlist line) and
    a label given apart, checked like a watchlist line."""
    from adsbwatch.decoder.messages.watchlist import parse_rule

    try:
        return parse_rule(" ".join(words), label)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def write_output(text: str, path: str | None) -> None:
    """To the file (whole or not at all: an earlier file stays if the write fails), or
    to stdout for none or '-'."""
    if path in (None, "-"):
        write_stdout(text)
        flush_stdout()
        return
    from adsbwatch.receiver.store.files import replace_file

    target = Path(path)
    try:
        replace_file(target, text)
    except OSError as exc:
        kept = "; the earlier file is left as it was" if target.is_file() else ""
        raise UserError(f"{path}: cannot write ({exc.strerror or exc}){kept}") from None


def given_position(args: Any) -> tuple[float, float] | None:
    """The receiver's --lat/--lon (both or neither, on Earth); None when not given."""
    if (args.lat is None) != (args.lon is None):
        raise UserError("give both --lat and --lon (the receiver's position), or neither")
    if args.lat is None:
        return None
    if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        raise UserError(f"--lat {args.lat} --lon {args.lon} is not a position on Earth")
    return (args.lat, args.lon)
