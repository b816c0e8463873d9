"""What a run of `replay` or `live` is asked for, typed: frozen dataclasses, checked as
they are made. `load_station_config` makes one from the command line and a TOML file;
a test may make one directly."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from adsbwatch.receiver.addresses import NetSpec, PushSpec
from adsbwatch.receiver.defaults import (
    AIRCRAFT_EXPIRY_S,
    DEFAULT_BIND,
    MAX_CLIENTS,
    SIGHTING_WAIT_S,
    VISIT_GAP_S,
    default_aircraft_db_path,
)
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.rates import DEFAULT_RATE
from adsbwatch.receiver.tuner import TunerSettings

Command = Literal["live", "replay"]
COMMANDS: tuple[Command, ...] = ("live", "replay")
DEFAULT_DEVICE = "0"  # the dongle opened when none is named
# dump1090-fa's ports, which --net serves on
NET_PORTS = {"beast_port": 30005, "avr_port": 30002, "sbs_port": 30003}


class ConfigError(UserError):
    """Settings that do not go together; `settings` names them, so that the loader can
    say where a file set them."""

    def __init__(self, message: str, settings: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.settings = settings


class Position(NamedTuple):
    """The receiver's place in degrees; a tuple, as the tracker and views take it."""

    lat: float
    lon: float


def receiver_position(lat: float | None = None, lon: float | None = None) -> Position | None:
    """--lat and --lon, both or neither."""
    if (lat is None) != (lon is None):
        raise ConfigError("give both --lat and --lon (the receiver's position), or neither",
                          ("lat", "lon"))
    return None if lat is None or lon is None else Position(lat, lon)


@dataclass(frozen=True)
class RecordingSourceConfig:
    """A recording to replay."""

    path: str  # a file, either file of a SigMF pair, or "-" for stdin
    fmt: str | None = None  # None: SigMF's, else the extension's, else cu8
    rate: int | None = None  # samples/s; None: SigMF's, else 2.4 MS/s
    start_time: str | None = None  # as given; None: SigMF's, else the file's time
    throttle: bool = False  # in real time

    def __post_init__(self) -> None:
        if not self.path:
            raise ConfigError("name the recording to replay (a file, or - for stdin)")


@dataclass(frozen=True)
class LiveSourceConfig:
    """A dongle, an rtl_tcp server, other decoders' frames, or a dongle and peers."""

    device: str | None = None  # an index or serial:SERIAL; None: not named
    rtl_tcp: tuple[str, int] | None = None
    rate: int = DEFAULT_RATE
    tuner: TunerSettings = TunerSettings()
    reopen: bool = True  # a dongle or server gone is waited for, not the end
    net_connect: tuple[NetSpec, ...] = ()

    def __post_init__(self) -> None:
        if self.device is not None and self.rtl_tcp is not None:
            raise ConfigError("give --device or --rtl-tcp, not both", ("device", "rtl-tcp"))

    @property
    def reads_iq(self) -> bool:
        """Whether a dongle or rtl_tcp is read: peers alone need neither."""
        return self.device is not None or self.rtl_tcp is not None or not self.net_connect

    @property
    def dongle(self) -> str:
        return self.device if self.device is not None else DEFAULT_DEVICE


@dataclass(frozen=True)
class DecodingConfig:
    """The watchlist, visits and alerts."""

    watchlists: tuple[Path, ...] = ()  # files watched in this run, beside the store's list
    record_all: bool = False  # every aircraft into the store, not only watched ones
    visit_gap_s: float = VISIT_GAP_S
    aircraft_expiry_s: float = AIRCRAFT_EXPIRY_S  # silence after which an aircraft leaves
    sighting_wait_s: float = SIGHTING_WAIT_S
    on_sighting: tuple[str, ...] | None = None  # argv run for each sighting
    notify: tuple[str, ...] = ()  # Apprise URLs each sighting is pushed to


@dataclass(frozen=True)
class StoreConfig:
    db: str | None = None  # None: the user's default store
    enabled: bool = True  # False: --no-db
    keep_points_days: float | None = None  # prune points older than this; None: keep all
    old_points: str = "thin"  # what pruning does with them: thin or delete


@dataclass(frozen=True)
class OutputsConfig:
    """Where frames and aircraft go besides the terminal."""

    raw: bool = False  # AVR lines on stdout, and nothing else there
    quiet: bool = False  # no progress bar, no closing summary
    beast_port: int | None = None  # each server: its port, None: off
    avr_port: int | None = None
    sbs_port: int | None = None
    net_bind: str = DEFAULT_BIND
    avr_timestamps: bool = False
    net_push: tuple[PushSpec, ...] = ()
    http_port: int | None = None  # 0: any free port
    http_hosts: tuple[str, ...] = ()  # names the HTTP server answers to besides its own
    max_clients: int = MAX_CLIENTS  # per port
    write_json: Path | None = None
    map_tiles: str | None = None

    @classmethod
    def from_settings(cls, net: bool = False, **settings: object) -> OutputsConfig:
        """--net serves every server on dump1090-fa's port unless its own option says;
        a port of 0 is off."""
        for name, default in NET_PORTS.items():
            port = settings.get(name)
            settings[name] = default if port is None and net else (port or None)
        return cls(**settings)  # type: ignore[arg-type]

    @property
    def net(self) -> bool:
        """Whether the servers are those --net starts."""
        return all(getattr(self, name) == port for name, port in NET_PORTS.items())

    @property
    def servers(self) -> dict[str, int]:
        """The servers on: `NET_PORTS`' names -> port."""
        return {name: getattr(self, name) for name in NET_PORTS
                if getattr(self, name) is not None}

    @property
    def read_aircraft(self) -> bool:
        """Whether an output reads decoded aircraft (SBS, JSON, the map)."""
        return self.sbs_port is not None or self.http_port is not None \
            or self.write_json is not None


@dataclass(frozen=True)
class ViewConfig:
    interactive: bool = False  # the textual table
    stats_every_s: float = 0.0  # a stats line on stderr this often; 0: none


@dataclass(frozen=True)
class StationConfig:
    """One run of a station command. Made, it has been checked: settings that do not go
    together raise a ConfigError here and nowhere later."""

    command: Command
    source: RecordingSourceConfig | LiveSourceConfig
    fix: int = 1  # bits to repair
    site: str | None = None  # --site; None: the host name (see site_name)
    receiver: Position | None = None
    decoding: DecodingConfig = field(default_factory=DecodingConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    outputs: OutputsConfig = field(default_factory=OutputsConfig)
    view: ViewConfig = field(default_factory=ViewConfig)
    aircraft_db: Path | None = None  # None: aircraft.db beside the store, if there

    def __post_init__(self) -> None:
        wanted = LiveSourceConfig if self.command == "live" else RecordingSourceConfig
        if not isinstance(self.source, wanted):
            raise ConfigError(f"adsbwatch {self.command} takes a {wanted.__name__}")
        if self.receiver is not None:
            lat, lon = self.receiver
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ConfigError(f"--lat {lat} --lon {lon} is not a position on Earth",
                                  ("lat", "lon"))
        if self.store.keep_points_days is not None and not self.store.enabled:
            raise ConfigError("--keep-points prunes the store: leave out --no-db",
                              ("keep-points", "no-db"))
        if self.view.interactive and self.outputs.raw:
            raise ConfigError("--interactive shows the aircraft on the terminal: leave out "
                              "--raw (its AVR lines need stdout)", ("interactive", "raw"))

    @property
    def records(self) -> bool:
        """Whether --raw was asked to decode and record as well."""
        d = self.decoding
        return bool(d.watchlists or self.store.db or d.record_all or d.on_sighting
                    or d.notify)

    @property
    def decodes(self) -> bool:
        """Whether the decoding pipeline runs: --raw alone only prints frames."""
        return not self.outputs.raw or self.records or self.outputs.read_aircraft

    @property
    def opens_store(self) -> bool:
        """--raw decodes for outputs that read aircraft without a store, unless a
        recording option asks for one."""
        return self.store.enabled and (not self.outputs.raw or self.records)

    @property
    def site_name(self) -> str:
        """The site the store's rows name: --site, else this machine's name (read when
        asked, so that a config file written here does not pin another host to it)."""
        return self.site if self.site is not None else socket.gethostname()

    @property
    def aircraft_db_path(self) -> Path:
        """--aircraft-db, else aircraft.db beside the store."""
        if self.aircraft_db is not None:
            return self.aircraft_db
        return default_aircraft_db_path(self.store.db)
