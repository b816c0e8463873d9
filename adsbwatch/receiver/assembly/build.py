"""The station of a `replay` or `live` run, built from its typed configuration: its inputs
(a recording; a dongle or an rtl_tcp server, other decoders' frames, or both), the
decoding stage with the watchlist and the store, and every consumer asked for. A test builds one the
same way, without the command line.

Heavy parts are imported where they are built: `--raw` alone starts without pyModeS,
rich and SQLite.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from adsbwatch.receiver.addresses import is_this_machine
from adsbwatch.receiver.core.consumer import Consumer
from adsbwatch.receiver.core.lines import warn_on_stderr
from adsbwatch.receiver.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from adsbwatch.decoder.messages.watchlist import Watchlist
    from adsbwatch.decoder.registry.info import InfoLookup
    from adsbwatch.receiver.addresses import NetSpec
    from adsbwatch.receiver.assembly.network import NetworkOutputs
    from adsbwatch.receiver.config.model import (
        LiveSourceConfig,
        OutputsConfig,
        RecordingSourceConfig,
        StationConfig,
    )
    from adsbwatch.receiver.outputs.notify.targets import NotifyTarget
    from adsbwatch.receiver.outputs.stdout import StdoutOutlet, StdoutWatch
    from adsbwatch.receiver.registry import Registry
    from adsbwatch.receiver.station.inputs import Input
    from adsbwatch.receiver.station.station import Station
    from adsbwatch.receiver.ui.interactive import InteractiveView
    from adsbwatch.receiver.ui.live import LiveTable

WIDE = 200  # columns of the table written to a file or pipe


@dataclass
class BuiltStation:
    """A station ready to run, with what its run needs around it."""

    config: StationConfig
    station: Station
    outlet: StdoutOutlet
    console: Console | None = None  # where the table and sightings go (decoding runs)
    watchlist: Watchlist | None = None
    view: LiveTable | InteractiveView | None = None
    network: NetworkOutputs | None = None
    stdout_watch: StdoutWatch | None = None  # what became of the table's stdout
    store_name: str | None = None  # where the store is (--db): the summary shows it
    recorder: Any = None
    registry: Registry | None = None  # the aircraft database (decoding runs)
    extra: list[Consumer] = field(default_factory=list)


def build_station(config: StationConfig,
                  warn: Callable[[str], None] = warn_on_stderr,
                  info_of: InfoLookup | None = None) -> BuiltStation:
    """The station `config` asks for, its consumers added; nothing runs yet. A problem
    the user can mend is a one-line UserError or RuntimeFailure. `info_of`: what the
    aircraft database says of an address (registration, type, operator, country)."""
    from adsbwatch.receiver.outputs.stdout import StdoutOutlet
    from adsbwatch.receiver.station.clock import start_epoch
    from adsbwatch.receiver.station.inputs import combined_info
    from adsbwatch.receiver.station.station import Station

    targets = _notify_targets(config)  # a URL Apprise does not know: said before anything
    inputs = _inputs(config, warn)
    info = combined_info(inputs)
    receiver = config.receiver if config.receiver is not None else info.position
    live = config.command == "live"
    start_time = None if live else config.source.start_time  # type: ignore[union-attr]
    recorder = watchlist = pipeline = built_registry = None
    if config.decodes:
        recorder = _open_recorder(config, warn) if config.opens_store else None
        if live and recorder is not None:
            _say_if_site_taken(config, warn)  # this run's session is written at its first commit
        watchlist = _watchlist(config, recorder)
        built_registry = _registry(config, warn)
        pipeline = _pipeline(config, receiver, watchlist,
                             info_of if info_of is not None else built_registry.info)
    station = Station(inputs, start_epoch=start_epoch(info, start_time),
                      pipeline=pipeline, warn=warn, receiver=receiver,
                      wall_clock=live and start_time is None,  # a live stream: wall time
                      throttle=not live and config.source.throttle)  # type: ignore[union-attr]
    built = BuiltStation(config, station, StdoutOutlet(), watchlist=watchlist,
                         recorder=recorder, registry=built_registry)
    if recorder is not None:
        from adsbwatch.receiver.store.opening import store_location

        built.store_name = store_location(config.store.db)
    if config.outputs.raw:
        from adsbwatch.receiver.outputs.avr import AvrOutput

        station.add(AvrOutput(built.outlet))
    if pipeline is not None:
        _decoding_consumers(config, built, warn)
    from adsbwatch.receiver.assembly.network import network_outputs

    built.network = network_outputs(config.outputs, station, watchlist,
                                    built.store_name, warn)
    for consumer in built.network.consumers:
        station.add(consumer)
    if pipeline is not None:
        _alerts(config, built, targets, warn)
    _views(config, built)
    return built


# ---------------------------------------------------------------------- the input


def _inputs(config: StationConfig, warn: Callable[[str], None]) -> list[Input]:
    """The run's inputs: a recording; or live, a dongle (first: its failure to open is
    the one said) and each `--net-connect` peer."""
    from adsbwatch.receiver.kernel_cache import say_if_compiling
    from adsbwatch.receiver.station.demodulation import DemodulatedInput

    if config.command == "replay":
        from adsbwatch.receiver.sources.resolve import recording_source

        recording: RecordingSourceConfig = config.source  # type: ignore[assignment]
        source = recording_source(recording.path, recording.fmt, recording.rate)
        say_if_compiling()
        return [DemodulatedInput(source, config.fix)]
    live: LiveSourceConfig = config.source  # type: ignore[assignment]
    inputs: list[Input] = []
    if live.reads_iq:
        inputs.append(DemodulatedInput(_live_iq_source(live, warn), config.fix,
                                       wall_clock=True))
        say_if_compiling()
    if live.net_connect:
        _refuse_own_outputs(live.net_connect, config.outputs)
        from adsbwatch.receiver.sources.net.peer import PeerSource
        from adsbwatch.receiver.station.frames_input import FramesInput

        inputs += [FramesInput(PeerSource(spec, warn, reconnect=live.reopen))
                   for spec in live.net_connect]
    return inputs


def _refuse_own_outputs(peers: Sequence[NetSpec], outputs: OutputsConfig) -> None:
    """A peer that is this station's own output would hand back every frame it sends,
    to be sent again: a loop (the station holds a peer's frames longer than it takes a
    copy for one)."""
    ports = {outputs.beast_port: "Beast", outputs.avr_port: "AVR", outputs.sbs_port: "SBS"}
    for spec in peers:
        name = ports.get(spec.port)
        if name is not None and is_this_machine(spec.host, outputs.net_bind):
            raise UserError(f"--net-connect {spec.where} is this station's own {name} "
                            "output: it would read back every frame it sends; connect to "
                            "another decoder's port")


def _live_iq_source(live: LiveSourceConfig, warn: Callable[[str], None]) -> Any:
    if live.rtl_tcp is not None:
        from adsbwatch.receiver.sources.rtltcp import RtlTcpSource

        host, port = live.rtl_tcp
        return RtlTcpSource(host, port, live.rate, live.tuner, warn, reconnect=live.reopen)
    from adsbwatch.receiver.sources.rtlsdr import RtlSdrSource

    return RtlSdrSource(live.dongle, live.rate, live.tuner, warn, reopen=live.reopen)


# ---------------------------------------------------------------------- decoding


def _open_recorder(config: StationConfig, warn: Callable[[str], None]) -> Any:
    from adsbwatch.receiver.store.opening import open_recorder

    return open_recorder(config.store.db, warn=warn, site=config.site_name,
                         visit_gap_s=config.decoding.visit_gap_s)


def _say_if_site_taken(config: StationConfig, warn: Callable[[str], None]) -> None:
    """Another live station runs as this one's site (site_check.py)?"""
    from adsbwatch.receiver.assembly.site_check import running_as, site_taken_warning
    from adsbwatch.receiver.store.errors import StoreError
    from adsbwatch.receiver.store.opening import open_history

    try:
        with open_history(config.store.db) as history:
            sessions = history.sessions()
    except StoreError:  # a check only: the recorder says what is wrong with the store
        return
    now = time.time()
    other = running_as(sessions, config.site_name, now)
    if other is not None:
        warn(site_taken_warning(other, config.site_name, now))


def _watchlist(config: StationConfig, recorder: Any) -> Watchlist:
    """The run's watchlist files, and the store's list when a store is open."""
    from adsbwatch.decoder.messages.watchlist import Watchlist
    from adsbwatch.receiver.assembly.watchlists import load_watchlist_files

    stored = []
    if recorder is not None:
        from adsbwatch.receiver.store.opening import open_watchlist_store

        with open_watchlist_store(config.store.db, read_only=True) as store:
            stored = store.watch_entries()
    return Watchlist([*stored, *load_watchlist_files(config.decoding.watchlists)])


def _pipeline(config: StationConfig, receiver: tuple[float, float] | None,
              watchlist: Watchlist, info_of: InfoLookup | None) -> Any:
    from adsbwatch.decoder.messages.tracker import TrackerConfig
    from adsbwatch.receiver.station.pipeline import Pipeline

    d = config.decoding
    return Pipeline(tracker_config=TrackerConfig(receiver=receiver,
                                                 expire_s=d.aircraft_expiry_s),
                    watchlist=watchlist,
                    record_all=d.record_all, visit_gap_s=d.visit_gap_s,
                    sighting_wait_s=d.sighting_wait_s, info_of=info_of)


def _registry(config: StationConfig, warn: Callable[[str], None]) -> Registry:
    """The aircraft database, opened at the first aircraft."""
    from adsbwatch.receiver.registry import open_chosen_registry

    return open_chosen_registry(config.aircraft_db, config.store.db, warn)


def _decoding_consumers(config: StationConfig, built: BuiltStation,
                        warn: Callable[[str], None]) -> None:
    from rich.console import Console

    station = built.station
    raw = config.outputs.raw
    if raw:  # stdout holds AVR lines only: sightings on stderr, no table
        console = Console(stderr=True, highlight=False)
    else:
        console = Console(file=built.outlet, highlight=False)  # type: ignore[arg-type]
        if not console.is_terminal:  # a file or pipe: no wrapping
            console = Console(file=built.outlet, highlight=False,  # type: ignore[arg-type]
                              width=WIDE)
    built.console = console
    if not raw:
        from adsbwatch.receiver.outputs.stdout import StdoutWatch

        d = config.decoding
        recording = built.recorder is not None or d.on_sighting is not None or bool(d.notify)
        built.stdout_watch = StdoutWatch(built.outlet, recording, station.request_stop, warn)
        station.add(built.stdout_watch)
    if built.recorder is not None:
        station.add(_recording(config, built))
        if config.store.keep_points_days is not None:
            station.add(_pruning(config, warn))


def _pruning(config: StationConfig, warn: Callable[[str], None]) -> Consumer:
    """--keep-points: a thread that prunes the store now and every hour."""
    from adsbwatch.receiver.store.opening import open_pruner
    from adsbwatch.receiver.store.pruning_schedule import ScheduledPruning

    assert config.store.keep_points_days is not None
    return ScheduledPruning(open_pruner(config.store.db), config.store.keep_points_days,
                            config.store.old_points == "delete", warn)


def _notify_targets(config: StationConfig) -> list[NotifyTarget]:
    """--notify's URLs as Apprise understands them (one it does not, or no Apprise: a
    one-line error before the run, not at the first sighting)."""
    if not config.decoding.notify:
        return []
    from adsbwatch.receiver.outputs.notify.targets import notify_target

    return [notify_target(url) for url in config.decoding.notify]


def _alerts(config: StationConfig, built: BuiltStation, targets: list[NotifyTarget],
            warn: Callable[[str], None]) -> None:
    """The console's sighting line, --on-sighting's command and --notify's messages,
    each linking to the map when --http serves it."""
    from adsbwatch.receiver.outputs.alerts import Alerter

    station = built.station
    assert built.console is not None
    http = built.network.http if built.network is not None else None
    map_root = http.link_url if http is not None else None
    d = config.decoding
    alerts: list[Consumer] = [Alerter(built.console, d.on_sighting, warn, station.receiver,
                                      map_root, stop_clock=station.stop_clock)]
    if targets:
        from adsbwatch.receiver.outputs.notify.push import PushAlerts

        alerts.append(PushAlerts(targets, warn, station.receiver, map_root,
                                 stop_clock=station.stop_clock))
    if built.recorder is not None and built.recorder.shared:
        # Other stations write to the store: one alert per visit across them all.
        from adsbwatch.receiver.station.shared_sightings import SharedSightings

        console = built.console
        alerts = [SharedSightings(built.recorder, alerts,
                                  lambda line: console.print(line, style="dim",
                                                             highlight=False),
                                  warn)]
    for consumer in alerts:
        station.add(consumer)


def _recording(config: StationConfig, built: BuiltStation) -> Consumer:
    import time

    from adsbwatch import __version__
    from adsbwatch.receiver.station.recording import RecordingConsumer
    from adsbwatch.receiver.store.rows import SessionRow

    station = built.station
    info = station.info
    now = time.time()
    session = SessionRow(id=int(now * 1e6), started=now, last_seen=now, source=info.name,
                         live=info.live, rate=info.rate, version=__version__)
    if station.receiver is not None:
        session.lat, session.lon = station.receiver

    def source_state() -> tuple[int, int, float | None]:
        totals = station.totals
        return totals.samples, totals.dropped_samples, station.gain_db()

    return RecordingConsumer(built.recorder, station.stats, session, source_state,
                             stop_clock=station.stop_clock)


# ---------------------------------------------------------------------- views


def _views(config: StationConfig, built: BuiltStation) -> None:
    station = built.station
    interactive = config.view.interactive
    if interactive and station.pipeline is None:
        raise UserError("--interactive shows decoded aircraft: leave out --raw")
    if built.console is not None:
        from adsbwatch.receiver.ui.views import choose_view

        built.view = choose_view(interactive, built.console, not config.outputs.raw,
                                 station, built.watchlist)  # type: ignore[arg-type]
        if built.view is not None:
            station.add(built.view)
    if config.command == "live" and config.view.stats_every_s > 0:
        from adsbwatch.receiver.ui.statsline import StatsLine

        station.add(StatsLine(station, config.view.stats_every_s))
    from adsbwatch.receiver.ui.progress import ProgressBar, wanted

    if wanted(station, config.outputs.quiet, interactive):
        station.add(ProgressBar(station))
