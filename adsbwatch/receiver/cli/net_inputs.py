"""Options of the network inputs (--net-connect): frames from another decoder.

A live-only option: `live --net-connect` reads peers instead of (or beside) a dongle;
a replay reads its file alone, so `replay` does not take it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from adsbwatch.receiver.addresses import parse_net_spec

if TYPE_CHECKING:
    from adsbwatch.receiver.addresses import NetSpec


def net_spec(text: str) -> str:
    """The option's value checked and spelt in full (HOST:PORT:FORMAT): a string, so
    that --print-config writes it and --config reads it back as it is."""
    try:
        spec = parse_net_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return spec.text


def specs(args: argparse.Namespace) -> list[NetSpec]:
    """The peers `--net-connect` names."""
    return [parse_net_spec(text) for text in getattr(args, "net_connect", None) or []]


def add_options(parser: argparse.ArgumentParser) -> None:
    if not parser.prog.endswith(" live"):
        return
    parser.add_argument(
        "--net-connect", type=net_spec, action="append", default=[],
        metavar="HOST:PORT[:beast|avr]",
        help="read the frames another decoder serves (dump1090's or readsb's Beast on "
             "30005, AVR on 30002; beast by default); repeatable. Without --device or "
             "--rtl-tcp no dongle is opened")


def needs_decoding(args: argparse.Namespace) -> bool:
    return False


def wanted(args: argparse.Namespace) -> bool:
    """Whether the run reads network inputs."""
    return bool(getattr(args, "net_connect", None))
