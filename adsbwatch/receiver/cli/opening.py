"""Opening what the user names, any failure a one-line UserError: watchlist files and
the store. Light on imports (SQLite is loaded when a store is opened): every
command's parser module uses it, and `replay --raw` needs neither."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adsbwatch.decoder.messages.watchlist import WatchEntry, WatchlistError, parse_watchlist
from adsbwatch.receiver.defaults import default_db_path
from adsbwatch.receiver.errors import UserError

if TYPE_CHECKING:
    from adsbwatch.receiver.store.sqlite import Store


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
    from adsbwatch.receiver.store.sqlite import Store, StoreError

    path = Path(db) if db else default_db_path()
    try:
        return Store(path)
    except StoreError as exc:
        raise UserError(str(exc)) from None
