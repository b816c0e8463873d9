"""Opening what the user names, any failure a one-line UserError: watchlist files and
the store. Light on imports: every command's parser module uses it."""

from __future__ import annotations

from pathlib import Path

from ..decoder.watchlist import WatchEntry, WatchlistError, parse_watchlist
from .errors import UserError
from .store import Store, StoreError, default_db_path


def load_watchlist_files(paths: list[str]) -> list[WatchEntry]:
    entries: list[WatchEntry] = []
    for name in paths:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{name}: cannot read watchlist ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise UserError(f"{name}: not a text file (expected UTF-8 watchlist)") from None
        try:
            entries.extend(parse_watchlist(text, name))
        except WatchlistError as exc:
            raise UserError(str(exc)) from None
    return entries


def open_store(db: str | None) -> Store:
    path = Path(db) if db else default_db_path()
    try:
        return Store(path)
    except StoreError as exc:
        raise UserError(str(exc)) from None
