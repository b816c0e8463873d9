"""Options and sinks of the TCP outputs: Beast, AVR and SBS servers, push connectors.

Off unless asked: `--net` turns the three servers on at dump1090-fa's ports; a port
option turns its server on by itself, and 0 turns it off (also under --net). They
listen on --net-bind (127.0.0.1 unless the user says otherwise), as does --http."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.net_args import DEFAULT_BIND, port_number

if TYPE_CHECKING:
    from adsbwatch.receiver.cli.output_context import OutputContext
    from adsbwatch.receiver.outputs.net.server import TcpServer
    from adsbwatch.receiver.station.fanout import Sink

# option dest -> (the option, dump1090-fa's port for it, what it serves)
SERVERS = {
    "beast_port": ("--beast-port", 30005, "Beast output"),
    "avr_port": ("--avr-port", 30002, "AVR output"),
    "sbs_port": ("--sbs-port", 30003, "SBS output"),
}


def push_spec(text: str) -> str:
    """HOST:PORT:beast checked and spelt in full: a string, so that --print-config
    writes it and --config reads it back as it is."""
    from adsbwatch.receiver.addresses import parse_push_spec

    try:
        return parse_push_spec(text).text
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--net", action="store_true",
                        help="serve AVR (30002), SBS (30003) and Beast (30005) as "
                             "dump1090-fa does; a port option of 0 turns one off")
    for dest, (option, default, what) in SERVERS.items():
        parser.add_argument(option, dest=dest, type=port_number, metavar="PORT",
                            help=f"serve {what} on PORT (with --net: {default}); 0: off")
    parser.add_argument("--net-bind", metavar="ADDR", default=DEFAULT_BIND,
                        help="the address the network outputs and --http listen on "
                             f"(default {DEFAULT_BIND}; 0.0.0.0 for every interface)")
    parser.add_argument("--avr-timestamps", action="store_true",
                        help="AVR lines as @ + the 12 MHz timestamp (12 hex digits) + "
                             "the frame, as dump1090-fa's --mlat")
    parser.add_argument("--net-push", type=push_spec, action="append", default=[],
                        metavar="HOST:PORT:beast",
                        help="send our Beast stream to an aggregator or another decoder's "
                             "Beast input, reconnecting when it goes; repeatable")


def ports(args: argparse.Namespace) -> dict[str, int]:
    """The servers asked for: option dest -> port (the ones off left out)."""
    wanted: dict[str, int] = {}
    for dest, (_, default, _) in SERVERS.items():
        port = getattr(args, dest, None)
        if port is None and getattr(args, "net", False):
            port = default
        if port:
            wanted[dest] = port
    return wanted


def needs_decoding(args: argparse.Namespace) -> bool:
    return "sbs_port" in ports(args)


def sinks(context: OutputContext) -> list[Sink]:
    """Start the servers and connectors asked for (a port that cannot be had is a
    one-line error before the station runs) and return their sinks."""
    args = context.args
    wanted = ports(args)
    pushes = getattr(args, "net_push", None) or []
    if not wanted and not pushes:
        return []
    from adsbwatch.receiver.addresses import parse_push_spec
    from adsbwatch.receiver.outputs.avr import AVR_HEARTBEAT, avr_text
    from adsbwatch.receiver.outputs.net.beast import HEARTBEAT, beast_bytes
    from adsbwatch.receiver.outputs.net.push import BeastPush
    from adsbwatch.receiver.outputs.net.sbs import SBS_HEARTBEAT
    from adsbwatch.receiver.outputs.net.server import TcpServer
    from adsbwatch.receiver.outputs.net.sinks import FramesSink, PushSink, SbsSink

    heartbeats = {"beast_port": HEARTBEAT, "avr_port": AVR_HEARTBEAT,
                  "sbs_port": SBS_HEARTBEAT}
    started: list[TcpServer] = []
    made: list[Sink] = []
    try:
        for dest, port in wanted.items():
            option, _, what = SERVERS[dest]
            server = TcpServer(what, option, args.net_bind, port, heartbeats[dest],
                               context.warn)
            server.start(context.network)
            started.append(server)
            context.network_clients.append(lambda server=server: server.clients)
            if dest == "beast_port":
                made.append(FramesSink(server, beast_bytes))
            elif dest == "avr_port":
                stamped = bool(args.avr_timestamps)
                made.append(FramesSink(
                    server, lambda batch, s=stamped: avr_text(batch, s).encode("ascii")))
            else:
                assert context.decoding is not None  # needs_decoding said so
                made.append(SbsSink(server, context.decoding.pipeline))
    except BaseException:
        for server in started:  # free the ports already had before the error is shown
            server.close(0.0)
        raise
    for text in pushes:
        push = BeastPush(parse_push_spec(text), context.warn)
        push.start(context.network)
        made.append(PushSink(push))
    return made
