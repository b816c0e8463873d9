"""Sinks of the TCP outputs: Beast, AVR and SBS servers, push connectors.

Off unless asked (the config's OutputsConfig says which, on which ports: --net and
its defaults are applied there). They listen on --net-bind (127.0.0.1 unless the user
says otherwise), as does --http."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adsbwatch.receiver.cli.output_context import OutputContext
    from adsbwatch.receiver.outputs.net.server import TcpServer
    from adsbwatch.receiver.station.fanout import Sink

# OutputsConfig's port -> (its option, what it serves)
SERVERS = {
    "beast_port": ("--beast-port", "Beast output"),
    "avr_port": ("--avr-port", "AVR output"),
    "sbs_port": ("--sbs-port", "SBS output"),
}


def sinks(context: OutputContext) -> list[Sink]:
    """Start the servers and connectors asked for (a port that cannot be had is a
    one-line error before the station runs) and return their sinks."""
    outputs = context.args.station.outputs
    wanted = outputs.servers
    if not wanted and not outputs.net_push:
        return []
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
            option, what = SERVERS[dest]
            server = TcpServer(what, option, outputs.net_bind, port, heartbeats[dest],
                               context.warn)
            server.start(context.network)
            started.append(server)
            context.network_clients.append(lambda server=server: server.clients)
            if dest == "beast_port":
                made.append(FramesSink(server, beast_bytes))
            elif dest == "avr_port":
                stamped = outputs.avr_timestamps
                made.append(FramesSink(
                    server, lambda batch, s=stamped: avr_text(batch, s).encode("ascii")))
            else:
                assert context.decoding is not None  # the config decodes for SBS
                made.append(SbsSink(server, context.decoding.pipeline))
    except BaseException:
        for server in started:  # free the ports already had before the error is shown
            server.close(0.0)
        raise
    for spec in outputs.net_push:
        push = BeastPush(spec, context.warn)
        push.start(context.network)
        made.append(PushSink(push))
    return made
