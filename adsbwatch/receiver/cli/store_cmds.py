"""The store's commands, registered together: `watchlist` (watchlist.py), `sightings`
and `track` (history.py), `store restore` (store.py)."""

from __future__ import annotations

import argparse

from adsbwatch.receiver.cli import history, watchlist
from adsbwatch.receiver.cli import store as store_cmd


def add_parsers(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    watchlist.add_parser(sub, db_parent)
    history.add_parsers(sub, db_parent)
    store_cmd.add_parser(sub, db_parent)
