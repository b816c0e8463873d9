"""Watchlist files named on the command line or in the config, read and checked: any
problem is one line naming the file (and the line)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from adsbwatch.decoder.messages.watchlist import WatchEntry, WatchlistError, parse_watchlist
from adsbwatch.receiver.errors import UserError


def load_watchlist_files(paths: Iterable[str | Path]) -> list[WatchEntry]:
    entries: list[WatchEntry] = []
    for name in paths:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{name}: cannot read watchlist ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise UserError(f"{name}: not a text file (expected UTF-8 watchlist)") from None
        try:
            entries.extend(parse_watchlist(text, str(name)))
        except WatchlistError as exc:
            raise UserError(str(exc)) from None
    return entries
