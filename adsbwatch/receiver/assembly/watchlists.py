"""Watchlist files named on the command line or in the config, read and checked: any
problem is one line naming the file (and the line)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from adsbwatch.decoder.messages.watchlist import (
    WatchEntry,
    WatchlistError,
    parse_watchlist_lines,
)
from adsbwatch.receiver.errors import UserError


def load_numbered_watchlist(name: str | Path) -> list[tuple[int, WatchEntry]]:
    """A watchlist file's rules with their line numbers (duplicates and all)."""
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{name}: cannot read watchlist ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise UserError(f"{name}: not a text file (expected UTF-8 watchlist)") from None
    try:
        return parse_watchlist_lines(text, str(name))
    except WatchlistError as exc:
        raise UserError(str(exc)) from None


def load_watchlist_files(paths: Iterable[str | Path]) -> list[WatchEntry]:
    """Every file's rules (a Watchlist keeps the later label of a rule listed twice)."""
    return [entry for name in paths for _, entry in load_numbered_watchlist(name)]
