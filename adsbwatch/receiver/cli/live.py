"""`adsbwatch live`: a dongle (pyrtlsdr) or an rtl_tcp server through the station, with
every output of `replay`, until Ctrl-C or SIGTERM; with --net-connect the frames of other
decoders instead of a dongle's (no dongle needed) or merged with them."""

from __future__ import annotations

import argparse
import math
from typing import Any

from adsbwatch.receiver.cli import net_inputs
from adsbwatch.receiver.cli.network import add_network_options
from adsbwatch.receiver.cli.running import run_outputs
from adsbwatch.receiver.cli.station_options import add_station_options, seconds
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.rates import parse_rate, scaled_number
from adsbwatch.receiver.tuner import ADSB_HZ, TunerSettings
from adsbwatch.receiver.ui.options import add_interactive_option

DEFAULT_STATS_S = 60.0
DEFAULT_DEVICE = "0"  # --device when none is given (None: not given, for --net-connect)


def host_port(text: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 address in brackets: [::1]:1234)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 192.168.1.20:1234)")
    return host.strip("[]"), int(port)


def frequency(text: str) -> int:
    """Hz from '1090M', '1090e6' or '1090000000'."""
    value = scaled_number(text, ("hz",))
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a frequency (e.g. 1090M)")
    hz = round(value)
    if not 24_000_000 <= hz <= 1_766_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is outside what an RTL-SDR tunes "
                                         "(24 MHz to 1766 MHz)")
    return hz


def gain_setting(text: str) -> str:
    """'auto', 'max' or a number of dB (the tuner's nearest step is checked on opening)."""
    cleaned = text.strip().lower()
    if cleaned in ("auto", "max"):
        return cleaned
    try:
        float(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use auto, max or a gain in dB") from None
    return cleaned


def tuner_settings(args: argparse.Namespace) -> TunerSettings:
    return TunerSettings(freq_hz=args.freq, gain=args.gain, ppm=args.ppm,
                         bias_tee=args.bias_tee)


def cmd_live(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.cli.station_options import warn

    check_live_args(args)
    rate = parse_rate(args.rate)
    settings = tuner_settings(args)
    source: Any
    if net_inputs.wanted(args) and args.rtl_tcp is None and args.device is None:
        # Frames from other decoders only: no dongle is opened, none is needed.
        from adsbwatch.receiver.sources.net.source import NetFrameSource

        source = NetFrameSource(net_inputs.specs(args), warn, reconnect=args.reopen)
    elif args.rtl_tcp is not None:
        from adsbwatch.receiver.sources.rtltcp import RtlTcpSource

        host, port = args.rtl_tcp
        source = RtlTcpSource(host, port, rate, settings, warn, reconnect=args.reopen)
    else:
        from adsbwatch.receiver.sources.rtlsdr import RtlSdrSource

        source = RtlSdrSource(args.device or DEFAULT_DEVICE, rate, settings, warn,
                              reopen=args.reopen)
    if net_inputs.wanted(args) and (args.rtl_tcp is not None or args.device is not None):
        # The dongle's frames and the peers' merged into one stream.
        from adsbwatch.receiver.sources.net.source import NetFrameSource

        source = NetFrameSource(net_inputs.specs(args), warn, reconnect=args.reopen,
                                iq=source, fix=args.fix)
    from adsbwatch.receiver.station.run import StationTotals

    totals = StationTotals()
    sinks = []
    if args.stats_every > 0:
        from adsbwatch.receiver.station.stats import StatsSink

        sinks.append(StatsSink(source, args.stats_every, totals=totals))
    return run_outputs(args, source, sinks, totals)


def device_choice(text: str) -> str:
    """An index (0, 1, ...) or serial:SERIAL."""
    if text.isdigit() or (text.startswith("serial:") and len(text) > len("serial:")):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: use a device index (0, 1, ...) or "
                                     "serial:SERIAL (rtl_test lists them)")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    live = sub.add_parser(
        "live", help="receive from an RTL-SDR dongle (or an rtl_tcp server, or other "
                     "decoders with --net-connect): aircraft, sightings, store")
    live.add_argument("--device", type=device_choice, default=None,
                      help=f"which dongle: an index or serial:SERIAL (default "
                           f"{DEFAULT_DEVICE}; none with --net-connect alone)")
    live.add_argument("--rtl-tcp", type=host_port, metavar="HOST:PORT",
                      help="read an rtl_tcp server instead of a local dongle")
    live.add_argument("--rate", default="2.4M", help="sample rate: 2.4M (default) or 2.0M")
    live.add_argument("--freq", type=frequency, default=ADSB_HZ,
                      help="centre frequency (default 1090M)")
    live.add_argument("--gain", type=gain_setting, default="auto",
                      help="auto (adaptive, default), max, or dB (the tuner's steps)")
    live.add_argument("--ppm", type=int, default=0, help="frequency correction in ppm")
    live.add_argument("--bias-tee", action="store_true",
                      help="power an LNA through the antenna cable")
    live.add_argument("--reopen", action=argparse.BooleanOptionalAction, default=True,
                      help="when the dongle or server goes, wait and reopen it (default); "
                           "--no-reopen exits 1, for a service manager to restart")
    live.add_argument("--stats-every", type=seconds, default=DEFAULT_STATS_S,
                      metavar="SECONDS",
                      help=f"a stats line on stderr this often (default {DEFAULT_STATS_S:g}; "
                           "0: none)")
    add_station_options(live)
    add_network_options(live)
    add_interactive_option(live)
    live.set_defaults(handler=cmd_live)


def check_live_args(args: argparse.Namespace) -> None:
    if args.rtl_tcp is not None and args.device is not None:
        raise UserError("give --device or --rtl-tcp, not both")
