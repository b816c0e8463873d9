"""Options of the network inputs (--net-connect): frames from another decoder."""

from __future__ import annotations

import argparse


def add_options(parser: argparse.ArgumentParser) -> None:
    pass
