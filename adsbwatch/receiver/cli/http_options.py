"""Options and sinks of the HTTP side: dump1090-fa's JSON, /metrics, the web map."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.net_args import port_number
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.outputs.web.tiles import tile_url

if TYPE_CHECKING:
    from adsbwatch.receiver.cli.output_context import OutputContext
    from adsbwatch.receiver.outputs.http.json_sink import JsonSink
    from adsbwatch.receiver.outputs.http.service import HttpService
    from adsbwatch.receiver.station.fanout import Sink
    from adsbwatch.receiver.station.signals import StopSignals

WEB_EXTRA = "pip install 'adsbwatch[web]'"

def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("HTTP and JSON (dump1090-fa's formats)")
    group.add_argument("--http", type=port_number, metavar="PORT",
                       help="serve the web map, /data/aircraft.json, receiver.json, "
                            "stats.json, history_N.json (as tar1090 reads them) and "
                            "/metrics on PORT (0: any free port), bound to --net-bind; "
                            "a replay serves on after the file ends, until Ctrl-C")
    group.add_argument("--write-json", metavar="DIR",
                       help="write aircraft.json, receiver.json, stats.json and "
                            "history_N.json into DIR every second (each atomically)")
    group.add_argument("--map-tiles", metavar="URL", type=tile_url,
                       help="a base-map tile URL template for the web map, e.g. "
                            "https://tile.openstreetmap.org/{z}/{x}/{y}.png, for users "
                            "who are online (default: none, land and country outlines "
                            "only)")


def needs_decoding(args: argparse.Namespace) -> bool:
    return getattr(args, "http", None) is not None or bool(getattr(args, "write_json", None))


def sinks(context: OutputContext) -> list[Sink]:
    args = context.args
    if not needs_decoding(args):
        return []
    decoding = context.decoding
    if decoding is None:  # needs_decoding() made the run decode: not expected
        raise UserError("--http and --write-json need the decoding pipeline")
    from adsbwatch.receiver.outputs.http.files import check_json_dir
    from adsbwatch.receiver.outputs.http.json_sink import JsonSink

    write_dir = check_json_dir(args.write_json) if args.write_json else None
    metrics = service = None
    if args.http is not None:
        check_web_extra()
        from adsbwatch.receiver.outputs.http.metrics import RunMetrics

        metrics = RunMetrics(context.network_clients)
    sink = JsonSink(decoding.pipeline, context.source, context.totals, decoding.receiver,
                    write_dir=write_dir, warn=context.warn, metrics=metrics)
    if args.http is not None:
        from adsbwatch.receiver.outputs.http.app import make_app
        from adsbwatch.receiver.outputs.http.service import HttpService

        store = decoding.store
        app = make_app(sink.published, metrics,
                       db_path=store.location if store is not None else None,
                       receiver=decoding.receiver, tiles=args.map_tiles,
                       watchlist=decoding.watchlist)
        host = getattr(args, "net_bind", None) or "127.0.0.1"
        service = HttpService(context.network, app, host, args.http)
        if context.source.info.live and not args.quiet:
            print(f"adsbwatch: serving {service.url}", file=sys.stderr, flush=True)
    if service is not None:
        sink.on_close = service.stop
    context.when_source_ends.append(lambda signals: _serve_on(context, sink, service, signals))
    return [sink]


def check_web_extra(option: str = "--http") -> None:
    """A one-line error (exit 2) when the `web` extra is not installed; `adsbwatch serve`
    calls it too."""
    try:
        import aiohttp  # noqa: F401
        import prometheus_client  # noqa: F401
    except ImportError as exc:
        raise UserError(f"{option} needs {exc.name}, which is not installed: "
                        f"{WEB_EXTRA}") from None


def _serve_on(context: OutputContext, sink: JsonSink, service: HttpService | None,
              signals: StopSignals) -> None:
    """The source ended: the final state built; a replay with --http serves it until
    Ctrl-C or SIGTERM (then the run closes as usual and exits 0); a live run that ended
    has nothing left to show."""
    sink.build(final=True)  # the final state, with the demodulator's totals
    if service is None or context.source.info.live:
        return
    url = service.url
    signals.wait_for_signal(
        lambda: print(f"adsbwatch: serving {url} until Ctrl-C", file=sys.stderr, flush=True))
