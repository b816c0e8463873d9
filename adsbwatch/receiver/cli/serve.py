"""`adsbwatch serve`: the web map's history view of a store, with no receiver running.

The page is the one `--http` serves; its live part finds an aircraft.json with no
aircraft. aiohttp and the store are imported when the command runs."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.aircraft_db import registry_lookup
from adsbwatch.receiver.cli.opening import given_position
from adsbwatch.receiver.cli.station_options import option_type
from adsbwatch.receiver.config import values
from adsbwatch.receiver.defaults import DEFAULT_BIND, MAX_CLIENTS
from adsbwatch.receiver.errors import UserError

if TYPE_CHECKING:
    from aiohttp import web

    from adsbwatch.decoder.registry.info import InfoLookup


def _receiver(args: argparse.Namespace, db: str) -> tuple[float, float] | None:
    """--lat/--lon, else where the store's newest run with a position was. The store is
    opened here whatever: one that is not there or not readable is a one-line error now,
    not on the first page."""
    from adsbwatch.receiver.store.errors import StoreError
    from adsbwatch.receiver.store.opening import open_history

    given = given_position(args)
    with open_history(db) as history:
        if given is not None:
            return given
        try:
            positions = history.receiver_positions(None)
        except StoreError as exc:
            raise UserError(str(exc)) from None
    return (positions[0].lat, positions[0].lon) if positions else None


def build_app(db: str, receiver: tuple[float, float] | None,
              tiles: str | None, info_of: InfoLookup | None = None) -> web.Application:
    """The station's app with nothing live: aircraft.json empty (its `now` 0, which the
    page takes as "no receiver"), receiver.json fixed."""
    from adsbwatch.receiver.outputs.http.app import Published, make_app
    from adsbwatch.receiver.outputs.http.documents import encode, receiver_json

    published = Published()
    published.documents = {
        "aircraft.json": encode({"now": 0, "messages": 0, "aircraft": []}),
        "receiver.json": encode(receiver_json(receiver, 0)),
    }
    return make_app(published, None, db_path=db, receiver=receiver, tiles=tiles,
                    info_of=info_of)


def cmd_serve(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.store.opening import store_location

    db = store_location(args.db)
    tiles = args.map_tiles
    receiver = _receiver(args, db)
    try:
        app = build_app(db, receiver, tiles, registry_lookup(args))
    except ImportError as exc:
        raise UserError(f"serve needs {exc.name}, which is not installed: "
                        "pip install 'adsbwatch[web]'") from None
    # The station's own server and signals, with no station: Ctrl-C or SIGTERM ends it.
    from adsbwatch.receiver.core.network import NetworkThread
    from adsbwatch.receiver.outputs.http.service import HttpService
    from adsbwatch.receiver.outputs.net.limits import ClientLimits
    from adsbwatch.receiver.station.signals import StopSignals

    network = NetworkThread()
    try:
        service = HttpService(network, app, args.net_bind, args.http,
                              limits=ClientLimits(args.max_clients), hosts=args.http_host)
        with StopSignals() as signals:
            signals.wait_for_signal(None if args.quiet else lambda: print(
                f"adsbwatch: serving {service.url} until Ctrl-C", file=sys.stderr, flush=True))
        service.stop()
    finally:
        network.stop()
    return 0


def add_parser(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "serve", parents=[db_parent],
        help="serve the web map's history view of a store, with no receiver running")
    parser.add_argument("--http", type=option_type(values.port), required=True, metavar="PORT",
                        help="the port of the web map (0: any free port)")
    parser.add_argument("--net-bind", metavar="ADDR", default=DEFAULT_BIND,
                        type=option_type(values.bind_address),
                        help=f"the address to listen on (default {DEFAULT_BIND}; 0.0.0.0 "
                             "for every interface)")
    parser.add_argument("--http-host", metavar="NAME", action="append", default=[],
                        type=option_type(values.http_host),
                        help="a name the server answers to besides IP addresses, localhost "
                             "and this machine's name (repeatable; * for any)")
    parser.add_argument("--max-clients", metavar="N", default=MAX_CLIENTS,
                        type=option_type(values.client_limit),
                        help=f"connections it takes at once (default {MAX_CLIENTS})")
    parser.add_argument("--map-tiles", metavar="URL", type=option_type(values.tile_url),
                        help="a base-map tile URL template, e.g. "
                             "https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: "
                             "none, land and country outlines only)")
    parser.add_argument("--lat", type=option_type(values.degrees),
                        help="the receiver's latitude, for the range rings (default: the "
                             "store's newest run's)")
    parser.add_argument("--lon", type=option_type(values.degrees), help="the receiver's longitude")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="do not print the address served")
    parser.set_defaults(handler=cmd_serve)
