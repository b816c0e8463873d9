"""The one table of the station commands' settings: the single place an option of
`replay` or `live` is defined. From it the command line's options are made (cli/), the
config file is read and --print-config writes one.

Each setting has its name (the long option, and the config file's key), where its value
goes in the StationConfig, the function that reads its value from text (ValueError with
the message), its default, its help and the commands that have it."""

from __future__ import annotations

import enum
import functools
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.receiver.addresses import parse_net_spec, parse_push_spec, where
from adsbwatch.receiver.config import values
from adsbwatch.receiver.config.model import COMMANDS, NET_PORTS, Command
from adsbwatch.receiver.defaults import (
    AIRCRAFT_EXPIRY_S,
    DEFAULT_BIND,
    MAX_CLIENTS,
    SIGHTING_WAIT_S,
    VISIT_GAP_S,
    default_db_path,
)
from adsbwatch.receiver.locations import shown
from adsbwatch.receiver.rates import DEFAULT_RATE
from adsbwatch.receiver.tuner import ADSB_HZ

DEFAULT_STATS_S = 60.0
HTTP_GROUP = "HTTP and JSON (dump1090-fa's formats)"


class Kind(enum.Enum):
    FLAG = "flag"  # --x: true when given
    SWITCH = "switch"  # --x / --no-x
    VALUE = "value"  # --x VALUE
    LIST = "list"  # --x VALUE, repeatable: a tuple
    ARGUMENT = "argument"  # positional, on the command line only


@dataclass(frozen=True)
class Setting:
    name: str  # the long option without its dashes; the config file's key
    place: str  # where it goes: a dotted path into StationConfig
    help: str
    parse: Callable[[str], Any] | None = None  # text -> value (ValueError); None: a flag
    default: Any = None
    commands: tuple[Command, ...] = COMMANDS
    kind: Kind = Kind.VALUE
    metavar: str | None = None
    short: str | None = None  # e.g. -q
    group: str | None = None  # a heading of its own in --help
    inverted: bool = False  # the config keeps the opposite (--no-db: store.enabled)
    show: Callable[[Any], Any] | None = None  # value (each item of a list) -> TOML's

    @property
    def dest(self) -> str:
        """The Namespace attribute argparse gives it."""
        return self.name.replace("-", "_")

    @property
    def keys(self) -> tuple[str, ...]:
        """What sets it in a config file (spelt with dashes)."""
        return (self.name, f"no-{self.name}") if self.kind is Kind.SWITCH else (self.name,)

    @property
    def in_files(self) -> bool:
        return self.kind is not Kind.ARGUMENT

    def shown(self, value: Any) -> Any:
        """The value as --print-config writes it, which `parse` reads back."""
        if value is None or self.show is None:
            return value
        if self.kind is Kind.LIST:
            return [self.show(item) for item in value]
        return self.show(value)


def rate_text(rate: int) -> str:
    return f"{rate / 1e6:g}M"


LIVE: tuple[Command, ...] = ("live",)
REPLAY: tuple[Command, ...] = ("replay",)
FLAG, SWITCH, LIST, ARGUMENT = Kind.FLAG, Kind.SWITCH, Kind.LIST, Kind.ARGUMENT

SETTINGS: tuple[Setting, ...] = (
    # --- live's source
    Setting("device", "source.device", parse=values.device, commands=LIVE,
            help="which dongle: an index or serial:SERIAL (default 0; none with "
                 "--net-connect alone)"),
    Setting("rtl-tcp", "source.rtl_tcp", parse=values.rtl_tcp_server, commands=LIVE,
            metavar="HOST[:PORT]", show=lambda address: where(*address),
            help="read an rtl_tcp server instead of a local dongle (port 1234 unless "
                 "given)"),
    Setting("rate", "source.rate", parse=values.sample_rate, default=DEFAULT_RATE,
            commands=LIVE, show=rate_text, help="sample rate: 2.4M (default) or 2.0M"),
    Setting("freq", "source.tuner.freq_hz", parse=values.frequency, default=ADSB_HZ,
            commands=LIVE, help="centre frequency (default 1090M)"),
    Setting("gain", "source.tuner.gain", parse=values.gain, default="auto", commands=LIVE,
            help="auto (adaptive, default), max, or dB (the tuner's steps)"),
    Setting("ppm", "source.tuner.ppm", parse=values.ppm, default=0, commands=LIVE,
            help=f"frequency correction in ppm (-{values.MAX_PPM} to {values.MAX_PPM})"),
    Setting("bias-tee", "source.tuner.bias_tee", kind=FLAG, default=False, commands=LIVE,
            help="power an LNA through the antenna cable"),
    Setting("reopen", "source.reopen", kind=SWITCH, default=True, commands=LIVE,
            help="when the dongle or server goes, wait and reopen it (default); "
                 "--no-reopen exits 1, for a service manager to restart"),
    Setting("stats-every", "view.stats_every_s", parse=values.stats_interval,
            default=DEFAULT_STATS_S, commands=LIVE, metavar="SECONDS",
            help=f"a stats line on stderr this often (default {DEFAULT_STATS_S:g}; 0: "
                 f"none; at least {values.MIN_STATS_S:g})"),
    # --- replay's source
    Setting("file", "source.path", parse=values.path_text, commands=REPLAY, kind=ARGUMENT,
            help="IQ recording, a SigMF .sigmf-meta/.sigmf-data, or -"),
    Setting("format", "source.fmt", parse=values.sample_format, commands=REPLAY,
            metavar="{" + ",".join(sorted(FORMATS)) + "}",
            help="sample format (default: from SigMF or extension, else cu8)"),
    Setting("rate", "source.rate", parse=values.sample_rate, commands=REPLAY,
            show=rate_text,
            help="sample rate, e.g. 2.4M or 2000000 (default: from SigMF, else 2.4M)"),
    Setting("start-time", "source.start_time", parse=values.start_time, commands=REPLAY,
            metavar="WHEN",
            help="when the recording began, e.g. 2026-11-24T10:00Z (default: SigMF "
                 "core:datetime, else the file's modification time less its length)"),
    Setting("throttle", "source.throttle", kind=FLAG, default=False, commands=REPLAY,
            help="play the recording in real time (as dump1090's --throttle), for "
                 "network clients and the map to follow it"),
    # --- what both do
    Setting("raw", "outputs.raw", kind=FLAG, default=False,
            help="print every valid frame as an AVR line (*HEX;) on stdout, and nothing "
                 "else there; decodes and records too with --watchlist, --db, "
                 "--record-all, --on-sighting or --notify"),
    Setting("fix", "fix", parse=values.repair_bits, default=1, metavar="{0,1,2}",
            help="bits to repair: 1 for DF11/17/18 (default), 2 adds 2-bit repair of "
                 "DF17/18, 0 repairs nothing"),
    Setting("quiet", "outputs.quiet", kind=FLAG, default=False, short="-q",
            help="no progress bar and no closing summary on stderr"),
    Setting("watchlist", "decoding.watchlists", parse=values.path, kind=LIST, default=(),
            metavar="FILE", show=str,
            help="also watch this file's entries in this run (repeatable)"),
    Setting("db", "store.db", parse=values.path_text, show=shown,  # never a password
            help=f"the store: a SQLite file or a postgresql:// URL (default "
                 f"{default_db_path()})"),
    Setting("aircraft-db", "aircraft_db", parse=values.path, metavar="PATH", show=str,
            help="the aircraft database (registrations, types, operators; made by "
                 "`adsbwatch db update` or `db import`; default aircraft.db beside the "
                 "store)"),
    Setting("no-db", "store.enabled", kind=FLAG, default=False, inverted=True,
            help="record nothing: only show aircraft and sightings"),
    Setting("keep-points", "store.keep_points_days", parse=values.days, metavar="DAYS",
            commands=LIVE,
            help="keep every track point DAYS days; older points of unwatched aircraft "
                 "are thinned to one a minute (see --old-points) once at the start and "
                 "every hour, in short transactions; watched visits keep every point, "
                 "every visit its row (as `adsbwatch store prune` does)"),
    Setting("old-points", "store.old_points", parse=values.old_points, default="thin",
            commands=LIVE, metavar="{thin,delete}",
            help="with --keep-points: thin (one point a minute of each visit, default) "
                 "or delete (every point and event of those visits)"),
    Setting("record-all", "decoding.record_all", kind=FLAG, default=False,
            help="record every aircraft in the store, not only watched ones"),
    Setting("site", "site", parse=values.site, metavar="NAME",
            help="this station's name in the store, which every row it writes carries, "
                 "for many stations sharing one store (default: the host name)"),
    Setting("lat", "receiver.lat", parse=values.degrees,
            help="receiver latitude (degrees north; default: SigMF core:geolocation)"),
    Setting("lon", "receiver.lon", parse=values.degrees,
            help="receiver longitude (degrees east)"),
    Setting("visit-gap", "decoding.visit_gap_s", parse=values.positive_seconds,
            default=VISIT_GAP_S, metavar="SECONDS",
            help="silence that ends a visit; the next message is a new sighting "
                 f"(default {VISIT_GAP_S:g})"),
    Setting("aircraft-expiry", "decoding.aircraft_expiry_s", parse=values.positive_seconds,
            default=AIRCRAFT_EXPIRY_S, metavar="SECONDS",
            help="silence after which an aircraft leaves the table, aircraft.json and the "
                 f"counts (default {AIRCRAFT_EXPIRY_S:g}, as dump1090's --interactive-ttl)"),
    Setting("sighting-wait", "decoding.sighting_wait_s", parse=values.seconds,
            default=SIGHTING_WAIT_S, metavar="SECONDS",
            help="how long a sighting waits for the aircraft's callsign "
                 f"(default {SIGHTING_WAIT_S:g}; 0: alert on the first message)"),
    Setting("on-sighting", "decoding.on_sighting", parse=values.command, metavar="CMD",
            show=shlex.join,
            help="run CMD (no shell) for each sighting of a watched aircraft, the "
                 "sighting as JSON on stdin, ADSBWATCH_ICAO/LABEL/CALLSIGN in its "
                 "environment"),
    Setting("notify", "decoding.notify", parse=values.notify_url, kind=LIST, default=(),
            metavar="URL",
            help="push each sighting to this Apprise URL (repeatable): ntfy://ntfy.sh/TOPIC, "
                 "tgram://BOTTOKEN/CHATID, pover://USER@TOKEN, discord://ID/TOKEN, "
                 "mailtos://USER:PASS@HOST, mqtt://HOST/TOPIC, json://HOST/PATH...; needs "
                 "pip install 'adsbwatch[notify]'; adsbwatch notify-test URL tries one"),
    # --- the network
    Setting("net", "outputs.net", kind=FLAG, default=False,
            help="serve AVR (30002), SBS (30003) and Beast (30005) as dump1090-fa does; "
                 "a port option of 0 turns one off"),
    *(Setting(f"{kind}-port", f"outputs.{kind}_port", parse=values.port, metavar="PORT",
              help=f"serve {what} on PORT (with --net: {NET_PORTS[f'{kind}_port']}); "
                   "0: off")
      for kind, what in (("beast", "Beast output"), ("avr", "AVR output"),
                         ("sbs", "SBS output"))),
    Setting("net-bind", "outputs.net_bind", parse=values.bind_address, default=DEFAULT_BIND,
            metavar="ADDR",
            help="the address the network outputs and --http listen on (default "
                 f"{DEFAULT_BIND}; 0.0.0.0 for every interface)"),
    Setting("max-clients", "outputs.max_clients", parse=values.client_limit,
            default=MAX_CLIENTS, metavar="N",
            help=f"clients each network port (Beast, AVR, SBS, HTTP) takes at once "
                 f"(default {MAX_CLIENTS}); more are turned away, as are any past what the "
                 "open-files limit allows all ports"),
    Setting("avr-timestamps", "outputs.avr_timestamps", kind=FLAG, default=False,
            help="AVR lines as @ + the 12 MHz timestamp (12 hex digits) + the frame, as "
                 "dump1090-fa's --mlat"),
    Setting("net-push", "outputs.net_push", parse=parse_push_spec, kind=LIST, default=(),
            metavar="HOST:PORT:beast", show=lambda spec: spec.text,
            help="send our Beast stream to an aggregator or another decoder's Beast "
                 "input, reconnecting when it goes; repeatable"),
    Setting("net-connect", "source.net_connect", parse=parse_net_spec, kind=LIST,
            default=(), commands=LIVE, metavar="HOST:PORT[:beast|avr]",
            show=lambda spec: spec.text,
            help="read the frames another decoder serves (dump1090's or readsb's Beast "
                 "on 30005, AVR on 30002; beast by default); repeatable. Without "
                 "--device or --rtl-tcp no dongle is opened"),
    Setting("http", "outputs.http_port", parse=values.port, metavar="PORT", group=HTTP_GROUP,
            help="serve the web map, /data/aircraft.json, receiver.json, stats.json, "
                 "history_N.json (as tar1090 reads them) and /metrics on PORT (0: any "
                 "free port), bound to --net-bind; a replay serves on after the file "
                 "ends, until Ctrl-C"),
    Setting("http-host", "outputs.http_hosts", parse=values.http_host, kind=LIST,
            default=(), metavar="NAME", group=HTTP_GROUP,
            help="a name the HTTP server answers to, as in the browser's address bar "
                 "(repeatable; * for any). IP addresses, localhost and this machine's name "
                 "always work; requests for other names get 421, against DNS rebinding"),
    Setting("write-json", "outputs.write_json", parse=values.path, metavar="DIR",
            group=HTTP_GROUP, show=str,
            help="write aircraft.json, receiver.json, stats.json and history_N.json into "
                 "DIR every second (each atomically)"),
    Setting("map-tiles", "outputs.map_tiles", parse=values.tile_url, metavar="URL",
            group=HTTP_GROUP,
            help="a base-map tile URL template for the web map, e.g. "
                 f"{values.TILES_EXAMPLE}, for users who are online (default: none, land "
                 "and country outlines only)"),
    # --- the view
    Setting("interactive", "view.interactive", kind=FLAG, default=False,
            help="a sortable, scrollable aircraft table, watched ones highlighted (needs "
                 "textual: pip install 'adsbwatch[tui]'); q quits"),
)


def settings_of(command: Command) -> tuple[Setting, ...]:
    """`command`'s settings, in the order of its --help."""
    return tuple(setting for setting in SETTINGS if command in setting.commands)


@functools.cache
def file_keys(command: Command) -> dict[str, Setting]:
    """The keys a config file may set for `command`, spelt with dashes."""
    return {key: setting for setting in settings_of(command) if setting.in_files
            for key in setting.keys}
