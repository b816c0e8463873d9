"""`adsbwatch serve`: the web map's history view of a store, with no receiver running."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    pass
