"""`adsbwatch report`: plots of what the receiver heard, from the store."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    pass
