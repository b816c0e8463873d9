"""The station's configuration in-process: every setting from the command line and from a
TOML file into the typed config, the precedence (defaults < file < command line),
--print-config reading back into an equal config, and every problem one line (naming
the file and the line for a file)."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adsbwatch.receiver.addresses import NetSpec, PushSpec
from adsbwatch.receiver.cli.config import config_from_args
from adsbwatch.receiver.cli.main import build_parser, main
from adsbwatch.receiver.config import (
    COMMANDS,
    ConfigError,
    DecodingConfig,
    LiveSourceConfig,
    OutputsConfig,
    Position,
    RecordingSourceConfig,
    StationConfig,
    StoreConfig,
    ViewConfig,
    config_toml,
    load_station_config,
)
from adsbwatch.receiver.config.assemble import setting_value
from adsbwatch.receiver.config.reading import key_line
from adsbwatch.receiver.config.settings import SETTINGS, Kind, Setting, settings_of
from adsbwatch.receiver.config.writing import toml_string, toml_value
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.tuner import TunerSettings

RECORDING = "rec.cu8"
TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

# Every setting away from its default, in awkward spellings too: the command line that
# gives it, the same in a config file, and the value the config then holds at the
# setting's place. A setting of the table missing here fails the coverage test.
SAMPLES: dict[str, tuple[list[str], str | None, Any]] = {
    "device": (["--device", "serial:00000042"], 'device = "serial:00000042"',
               "serial:00000042"),
    "rtl-tcp": (["--rtl-tcp", "[::1]:1234"], "rtl_tcp = '[::1]:1234'", ("::1", 1234)),
    "rate": (["--rate", "2.0M"], "rate = 2000000", 2_000_000),
    "freq": (["--freq", "1089.5M"], 'freq = "1089.5e6"', 1_089_500_000),
    "gain": (["--gain", " 49.6"], "gain = 49.6", "49.6"),
    "ppm": (["--ppm", "-3"], "ppm = -3", -3),
    "bias-tee": (["--bias-tee"], "bias-tee = true", True),
    "reopen": (["--no-reopen"], "no-reopen = true", False),
    "stats-every": (["--stats-every", "12.5"], "stats-every = 12.5", 12.5),
    "file": (["other.sigmf-meta"], None, "other.sigmf-meta"),
    "format": (["--format", "cs16"], 'format = "cs16"', "cs16"),
    "start-time": (["--start-time", "2026-11-24T10:00Z"],
                   'start-time = "2026-11-24T10:00Z"', "2026-11-24T10:00Z"),
    "throttle": (["--throttle"], "throttle = true", True),
    "raw": (["--raw"], "raw = true", True),
    "fix": (["--fix", "2"], "fix = 2", 2),
    "quiet": (["-q"], "quiet = true", True),
    "watchlist": (["--watchlist", 'a "quoted" \\ name\t.txt', "--watchlist", "b\x7f.txt"],
                  'watchlist = ["a \\"quoted\\" \\\\ name\\t.txt", "b\\u007f.txt"]',
                  (Path('a "quoted" \\ name\t.txt'), Path("b\x7f.txt"))),
    "db": (["--db", "/var/lib/adsbwatch/x.db"], "db = '/var/lib/adsbwatch/x.db'",
           "/var/lib/adsbwatch/x.db"),
    "aircraft-db": (["--aircraft-db", "/var/lib/adsbwatch/aircraft.db"],
                    "aircraft-db = '/var/lib/adsbwatch/aircraft.db'",
                    Path("/var/lib/adsbwatch/aircraft.db")),
    "no-db": (["--no-db"], "no_db = true", True),
    "record-all": (["--record-all"], "record-all = true", True),
    "site": (["--site", " north roof "], "site = 'north roof'", "north roof"),
    "lat": (["--lat", "52.3086", "--lon", "4.7639"], "lat = 52.3086\nlon = 4.7639", 52.3086),
    "lon": (["--lat", "0", "--lon", "-4.7639"], "lat = 0\nlon = -4.7639", -4.7639),
    "visit-gap": (["--visit-gap", "300"], "visit-gap = 300", 300.0),
    "aircraft-expiry": (["--aircraft-expiry", "5e0"], "aircraft_expiry = 5", 5.0),
    "sighting-wait": (["--sighting-wait", "0"], "sighting-wait = 0.0", 0.0),
    "notify": (["--notify", "ntfy://ntfy.sh/planes", "--notify", " mqtt://h/a/b"],
               'notify = ["ntfy://ntfy.sh/planes", "mqtt://h/a/b"]',
               ("ntfy://ntfy.sh/planes", "mqtt://h/a/b")),
    "on-sighting": (["--on-sighting", "notify-send 'ads bwatch' \"it's\""],
                    """on-sighting = "notify-send 'ads bwatch' \\"it's\\"" """,
                    ("notify-send", "ads bwatch", "it's")),
    "net": (["--net"], "net = true", True),
    "beast-port": (["--beast-port", "40005"], "beast-port = 40005", 40005),
    "avr-port": (["--net", "--avr-port", "0"], "net = true\navr-port = 0", None),
    "sbs-port": (["--sbs-port", "40003"], "sbs-port = 40003", 40003),
    "net-bind": (["--net-bind", "0.0.0.0"], 'net-bind = "0.0.0.0"', "0.0.0.0"),
    "max-clients": (["--max-clients", "20"], "max-clients = 20", 20),
    "avr-timestamps": (["--avr-timestamps"], "avr-timestamps = true", True),
    "net-push": (["--net-push", "[::1]:30004", "--net-push", "feed.example:30004:beast"],
                 'net-push = ["[::1]:30004", "feed.example:30004:BEAST"]',
                 (PushSpec("::1", 30004), PushSpec("feed.example", 30004))),
    "net-connect": (["--net-connect", "pi.local:30005", "--net-connect", "[::1]:30002:AVR"],
                    'net-connect = ["pi.local:30005", "[::1]:30002:avr"]',
                    (NetSpec("pi.local", 30005), NetSpec("::1", 30002, "avr"))),
    "http": (["--http", "8080"], "http = 8080", 8080),
    "http-host": (["--http-host", "ADSB.home.example.", "--http-host", "[fd00::5]"],
                  'http-host = ["adsb.home.example", "fd00::5"]',
                  ("adsb.home.example", "fd00::5")),
    "write-json": (["--write-json", "/run/adsbwatch"], 'write-json = "/run/adsbwatch"',
                   Path("/run/adsbwatch")),
    "map-tiles": (["--map-tiles", TILES], f'map-tiles = "{TILES}"', TILES),
    "interactive": (["--interactive"], "interactive = true", True),
    "keep-points": (["--keep-points", "30"], "keep-points = 30", 30.0),
    "old-points": (["--old-points", "delete"], 'old-points = "delete"', "delete"),
}
EVERY_SETTING = [(command, setting) for command in COMMANDS
                 for setting in settings_of(command)]
SETTING_IDS = [f"{command}-{setting.name}" for command, setting in EVERY_SETTING]


def write(tmp_path: Path, text: str, name: str = "adsbwatch.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def command_line(command: str, *argv: str) -> list[str]:
    """`argv` as `command`'s command line (a replay needs its recording)."""
    needs_file = command == "replay" and not any(arg.endswith((".cu8", ".sigmf-meta"))
                                                 for arg in argv)
    return [command, *argv, *([RECORDING] if needs_file else [])]


def parsed(command: str, *argv: str) -> argparse.Namespace:
    return build_parser().parse_args(command_line(command, *argv))


def config_of(command: str, *argv: str) -> StationConfig:
    """The config of `adsbwatch COMMAND ARGV` (for a replay, of rec.cu8)."""
    return config_from_args(parsed(command, *argv))


def from_file(command: str, text: str, tmp_path: Path, **given: Any) -> StationConfig:
    if command == "replay":
        given.setdefault("file", RECORDING)
    return load_station_config(command, given, write(tmp_path, text))  # type: ignore[arg-type]


def error_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line `adsbwatch ARGV` fails with (exit status 2), without its prefix."""
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("adsbwatch: error: "), err
    return err.removeprefix("adsbwatch: error: ").rstrip("\n")


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """argparse's error line for a bad option value (exit status 2, after the usage)."""
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


# --------------------------------------------------------------- every setting


def test_every_setting_has_a_sample() -> None:
    assert {setting.name for setting in SETTINGS} == set(SAMPLES)


@pytest.mark.parametrize("command, setting", EVERY_SETTING, ids=SETTING_IDS)
def test_the_command_line_sets_every_setting(command: str, setting: Setting) -> None:
    argv, _, value = SAMPLES[setting.name]
    config = config_of(command, *argv)
    assert setting_value(config, setting) == value
    assert config != config_of(command)  # the sample is not the default


@pytest.mark.parametrize("command, setting", EVERY_SETTING, ids=SETTING_IDS)
def test_a_file_sets_every_setting(command: str, setting: Setting, tmp_path: Path) -> None:
    _, text, value = SAMPLES[setting.name]
    if text is None:
        assert not setting.in_files
        return
    assert setting_value(from_file(command, text, tmp_path), setting) == value


@pytest.mark.parametrize("command, setting", EVERY_SETTING, ids=SETTING_IDS)
def test_print_config_reads_back_into_the_same_config(command: str, setting: Setting,
                                                      tmp_path: Path) -> None:
    argv, _, _ = SAMPLES[setting.name]
    config = config_of(command, *argv)
    printed = write(tmp_path, config_toml(config))
    file = config.source.path if isinstance(config.source, RecordingSourceConfig) else None
    given = {"file": file} if file else {}
    assert load_station_config(config.command, given, printed) == config


def test_every_setting_of_live_at_once_reads_back(tmp_path: Path, capsys) -> None:
    argv = [arg for setting in settings_of("live")
            if setting.name not in ("device", "raw", "no-db")
            for arg in SAMPLES[setting.name][0]]
    config = config_of("live", *argv)
    assert main(["live", *argv, "--print-config"]) == 0
    printed = write(tmp_path, capsys.readouterr().out)
    assert load_station_config("live", {}, printed) == config
    assert config.source == LiveSourceConfig(
        device=None, rtl_tcp=("::1", 1234), rate=2_000_000,
        tuner=TunerSettings(freq_hz=1_089_500_000, gain="49.6", ppm=-3, bias_tee=True),
        reopen=False, net_connect=SAMPLES["net-connect"][2])


def test_the_defaults_read_back_into_the_defaults(tmp_path: Path, capsys) -> None:
    assert main(["live", "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert "# db = (not set)" in printed and "\nrtl-tcp" not in printed
    assert load_station_config("live", {}, write(tmp_path, printed)) == config_of("live")


def test_the_defaults() -> None:
    assert config_of("live") == StationConfig(
        "live", LiveSourceConfig(), view=ViewConfig(stats_every_s=60.0))
    assert config_of("replay") == StationConfig("replay", RecordingSourceConfig(RECORDING))


def test_the_printed_config_comments_each_setting_with_its_help() -> None:
    lines = config_toml(config_of("live", "--ppm", "7")).splitlines()
    ppm = lines.index("ppm = 7")
    assert lines[ppm - 1] == "# frequency correction in ppm (-488 to 488)"
    assert "reopen = true" in lines and not any("no-reopen =" in line for line in lines)
    assert all(len(line) <= 88 for line in lines)
    assert tomllib.loads("\n".join(lines))["ppm"] == 7


def test_replay_prints_its_own_settings_and_not_its_recording() -> None:
    printed = tomllib.loads(config_toml(config_of("replay", "--format", "cs16", "--rate",
                                                  "2.0M", "--throttle")))
    assert (printed["format"], printed["rate"], printed["throttle"]) == ("cs16", "2M", True)
    assert "file" not in printed and "device" not in printed and "stats-every" not in printed


# -------------------------------------------------------------- the config itself


def test_a_config_is_made_without_the_command_line() -> None:
    config = StationConfig(
        "live", LiveSourceConfig(rtl_tcp=("pi.local", 1234)), receiver=Position(52.3, 4.7),
        decoding=DecodingConfig(watchlists=(Path("w.txt"),), on_sighting=("notify",)),
        store=StoreConfig(enabled=False), outputs=OutputsConfig(sbs_port=30003))
    assert config.decodes and not config.opens_store and config.records


def test_what_raw_decodes_and_records() -> None:
    raw = OutputsConfig(raw=True)
    alone = StationConfig("replay", RecordingSourceConfig("-"), outputs=raw)
    assert not alone.decodes and not alone.opens_store
    serving = StationConfig("replay", RecordingSourceConfig("-"),
                            outputs=OutputsConfig(raw=True, write_json=Path("j")))
    assert serving.decodes and not serving.opens_store  # JSON reads aircraft, stores none
    recording = StationConfig("replay", RecordingSourceConfig("-"), outputs=raw,
                              decoding=DecodingConfig(record_all=True))
    assert recording.decodes and recording.opens_store


def test_which_servers_net_and_the_ports_turn_on() -> None:
    def servers(*argv: str) -> dict[str, int]:
        return config_of("replay", *argv).outputs.servers

    assert servers() == {}
    assert servers("--net") == {"beast_port": 30005, "avr_port": 30002, "sbs_port": 30003}
    assert servers("--net", "--sbs-port", "0", "--avr-port", "4002") == {
        "beast_port": 30005, "avr_port": 4002}
    assert servers("--beast-port", "40005") == {"beast_port": 40005}
    assert not config_of("replay", "--raw", "--net", "--sbs-port", "0").decodes
    assert config_of("live", "--raw", "--sbs-port", "1").decodes
    assert config_of("live").outputs.net_bind == "127.0.0.1"


def test_which_source_live_reads() -> None:
    assert config_of("live").source.reads_iq
    peers = config_of("live", "--net-connect", "pi:30005").source
    assert isinstance(peers, LiveSourceConfig) and not peers.reads_iq
    both = config_of("live", "--net-connect", "pi:30005", "--device", "1").source
    assert isinstance(both, LiveSourceConfig) and both.reads_iq and both.dongle == "1"


# (a config made directly, the one line it is refused with)
BAD_CONFIGS = {
    "a dongle and rtl_tcp": (
        lambda: LiveSourceConfig(device="0", rtl_tcp=("pi", 1)),
        "give --device or --rtl-tcp, not both"),
    "off the Earth": (
        lambda: StationConfig("replay", RecordingSourceConfig("-"), receiver=Position(91, 0)),
        "--lat 91 --lon 0 is not a position on Earth"),
    "interactive and raw": (
        lambda: StationConfig("live", LiveSourceConfig(), view=ViewConfig(interactive=True),
                              outputs=OutputsConfig(raw=True)),
        "--interactive shows the aircraft on the terminal: leave out --raw (its AVR lines "
        "need stdout)"),
    "pruning no store": (
        lambda: StationConfig("live", LiveSourceConfig(),
                              store=StoreConfig(enabled=False, keep_points_days=7)),
        "--keep-points prunes the store: leave out --no-db"),
    "a replay of nothing": (lambda: RecordingSourceConfig(""),
                            "name the recording to replay (a file, or - for stdin)"),
    "the other command's source": (lambda: StationConfig("live", RecordingSourceConfig("-")),
                                   "adsbwatch live takes a LiveSourceConfig"),
}


@pytest.mark.parametrize("make, message", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_settings_that_do_not_go_together_are_refused_as_made(make, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        make()
    assert str(refused.value) == message


# ------------------------------------------------------------------- precedence


def test_keys_with_dashes_or_underscores_go_through_the_settings_readers(tmp_path) -> None:
    config = from_file("live", """
        watchlist = ["a.txt"]
        db = "/var/lib/adsbwatch/adsbwatch.db"
        lat = 52.3
        lon = 4
        stats_every = 60
        record-all = true
        rtl-tcp = "pi.local:1234"
        freq = "1090M"
        no-reopen = true
    """, tmp_path)
    assert (config.decoding.watchlists, config.store.db, config.receiver) == (
        (Path("a.txt"),), "/var/lib/adsbwatch/adsbwatch.db", (52.3, 4.0))
    assert (config.view.stats_every_s, config.decoding.record_all) == (60.0, True)
    assert config.source == LiveSourceConfig(rtl_tcp=("pi.local", 1234), reopen=False)


def test_the_command_line_beats_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, """
        lat = 1.5
        lon = 2
        reopen = false
        watchlist = ["from-file.txt"]
        record-all = true
        gain = "max"
    """)
    config = config_of("live", "--lat", "2.5", "--reopen", "--watchlist", "mine.txt",
                       "--config", str(path))
    assert config.receiver == (2.5, 2.0)
    assert config.decoding.watchlists == (Path("mine.txt"),)  # replaced, not added to
    assert isinstance(config.source, LiveSourceConfig) and config.source.reopen
    assert config.decoding.record_all and config.source.tuner.gain == "max"


def test_a_commands_table_beats_the_top_and_the_other_commands_keys_wait(
        tmp_path: Path) -> None:
    path = write(tmp_path, """
        lat = 1.0
        lon = 0
        device = "1"
        [live]
        lat = 2.0
        [replay]
        format = "cs16"
        lat = 3.0
    """)
    live = config_of("live", "--config", str(path))
    replay = config_of("replay", "--config", str(path))
    assert (live.receiver, live.source.device) == ((2.0, 0.0), "1")  # type: ignore[union-attr]
    assert (replay.receiver, replay.source.fmt) == ((3.0, 0.0), "cs16")  # type: ignore[union-attr]


def test_an_unquoted_toml_date_is_its_text(tmp_path: Path) -> None:
    config = from_file("replay", "start-time = 2026-11-24T10:00:00Z\n", tmp_path)
    assert config.source.start_time == "2026-11-24T10:00:00+00:00"  # type: ignore[union-attr]


def test_a_single_string_for_a_list_is_a_list_of_one(tmp_path: Path) -> None:
    config = from_file("live", 'watchlist = "mine.txt"\n', tmp_path)
    assert config.decoding.watchlists == (Path("mine.txt"),)


# ---------------------------------------------------------------------- problems


# (what the file holds, the one line it gives after "adsbwatch: error: PATH")
BAD_FILES = {
    "a bad value reads as on the command line": (
        "lat = 52.0\nlon = 1\n\nfix = 3\n", ":4: fix: '3': use 0, 1 or 2 (the bits to repair)"),
    "a reader's own message": (
        'stats-every = "soon"\n',
        ":1: stats-every: 'soon' is not a number of seconds (0 or more)"),
    "not HOST:PORT": (
        'rtl-tcp = "pi.local:"\n',
        ":1: rtl-tcp: 'pi.local:' is not HOST or HOST:PORT (e.g. 192.168.1.20:1234)"),
    "a switch given a string": (
        'record-all = "yes"\n', ':1: record-all: use true or false, not "yes"'),
    "a list for one value": ('db = ["a.db", "b.db"]\n', ":1: db: one value, not a list"),
    "a boolean for a number": (
        "lat = true\n", ":1: lat: true is not a value for --lat (a string or a number)"),
    "a table for a value": (
        "[live]\ndb = {path = 'x'}\n",
        ":2: db: a table is not a value for --db (a string or a number)"),
    "an unknown key and the near one": (
        "# receiver\nlat = 52.0\nlon = 1\n  stats_evry = 60\n",
        ":4: unknown key stats_evry for adsbwatch live (did you mean stats-every?)"),
    "an unknown key, nothing near": (
        "[live]\n'zzz' = 1\n",
        ":2: unknown key zzz for adsbwatch live (see adsbwatch live --help)"),
    "a key with a line break": (
        '"a\\nb" = 1\n', ": unknown key 'a\\nb' for adsbwatch live (see adsbwatch live --help)"),
    "two spellings of one option": (
        "stats-every = 1\nstats_every = 2\n",
        ":2: stats-every and stats_every set the same option: keep one"),
    "a switch and its --no-": (
        "reopen = true\nno-reopen = true\n",
        ":2: reopen and no-reopen set the same option: keep one"),
    "the config option itself": (
        'config = "other.toml"\n', ":1: config cannot be set in a config file"),
    "the recording": (
        'file = "x.cu8"\n',
        ":1: file cannot be set in a config file: give it on the command line"),
    "an array of tables": ("[[live]]\nlat = 1\n",
                           ":1: [[live]] is an array of tables: write [live]"),
    "half a position": ("\nlat = 52.3\n",
                        ":2: give both --lat and --lon (the receiver's position), or neither"),
    "off the Earth": ("lat = 1000\nlon = 4.7\n", ":1: --lat 1000.0 --lon 4.7 is not a "
                                                 "position on Earth"),
    "a dongle and rtl_tcp": ('device = "1"\n[live]\nrtl-tcp = "pi:1234"\n',
                             ":1: give --device or --rtl-tcp, not both"),
    "interactive and raw": ("raw = true\ninteractive = true\n", ":2: --interactive shows "
                            "the aircraft on the terminal: leave out --raw (its AVR lines "
                            "need stdout)"),
    # L9 of the hostile probe: values that were taken without a word.
    "an empty command": ('on-sighting = ""\n', ":1: on-sighting: an empty command"),
    "a command of blanks": ('on-sighting = "  "\n',
                            ":1: on-sighting: '  ' names no program to run"),
    "an unbalanced quote": ("""on-sighting = "echo 'x"\n""",
                            """:1: on-sighting: cannot parse "echo 'x" (No closing quotation)"""),
    "a stats line a nanosecond": (
        "stats-every = 1e-9\n",
        ":1: stats-every: '1e-09': at most one stats line a second (1 or more; 0: none)"),
    "a correction no tuner makes": (
        "ppm = 2147483648\n",
        ":1: ppm: '2147483648' is beyond what an RTL-SDR corrects (-488 to 488 ppm)"),
    "every interface by accident": (
        'net-bind = ""\n', ":1: net-bind: '' is not an address to listen on (e.g. "
                           "127.0.0.1, or 0.0.0.0 for every interface)"),
    "no store name": ('db = ""\n', ":1: db: an empty file name"),
    "a NUL in a path": ('watchlist = ["a\\u0000b"]\n',
                        ":1: watchlist: 'a\\x00b': a file name cannot hold a NUL character"),
}


@pytest.mark.parametrize("text, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_config_is_one_line_naming_the_file_and_line(tmp_path: Path, capsys,
                                                           text: str, message: str) -> None:
    path = write(tmp_path, text)
    assert error_line(capsys, "live", "--config", str(path)) == f"{path}{message}"


# (the command line, argparse's line; the same readers as the file's)
BAD_COMMAND_LINES = {
    "an empty command": (["--on-sighting", ""], "argument --on-sighting: an empty command"),
    "a stats line a nanosecond": (
        ["--stats-every", "1e-9"],
        "argument --stats-every: '1e-9': at most one stats line a second (1 or more; 0: "
        "none)"),
    "a correction no tuner makes": (
        ["--ppm", "2147483648"],
        "argument --ppm: '2147483648' is beyond what an RTL-SDR corrects (-488 to 488 ppm)"),
    "a bad port": (["--beast-port", "65536"],
                   "argument --beast-port: '65536' is not a port (0 to 65535)"),
    "a port in other digits": (["--http", "\u0668\u0660"],
                               "argument --http: '\u0668\u0660' is not a port (0 to 65535)"),
    # L1 of the hostile probe: "" bound every interface, IPv4 and IPv6, without a word.
    "every interface by accident": (
        ["--net-bind", ""], "argument --net-bind: '' is not an address to listen on (e.g. "
                            "127.0.0.1, or 0.0.0.0 for every interface)"),
    "no clients at all": (["--max-clients", "0"],
                          "argument --max-clients: '0' is not a number of clients (1 or more)"),
    "points kept for no time": (
        ["--keep-points", "-1"], "argument --keep-points: '-1' is not a number of days "
                                 "(more than 0)"),
    "points kept for a word": (
        ["--keep-points", "abc"], "argument --keep-points: 'abc' is not a number of days "
                                  "(more than 0)"),
    "old points kept": (["--old-points", "keep"],
                        "argument --old-points: 'keep': use thin (keep one a minute) or "
                        "delete"),
    "a host name with a blank": (
        ["--http-host", "my pi"],
        "argument --http-host: 'my pi' is not a host name (e.g. adsb.home.example or "
        "192.168.1.20; * for any)"),
    "a blank site": (["--site", "  "], "argument --site: an empty site name"),
}


def test_the_site_is_the_host_name_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("socket.gethostname", lambda: "pi-north")
    assert config_of("live").site is None  # --print-config pins no host's name
    assert config_of("live").site_name == "pi-north"
    assert config_of("live", "--site", "club").site_name == "club"


@pytest.mark.parametrize("argv, message", BAD_COMMAND_LINES.values(),
                         ids=BAD_COMMAND_LINES.keys())
def test_a_bad_value_on_the_command_line_is_argparses_one_line(capsys, argv: list[str],
                                                               message: str) -> None:
    assert usage_error(capsys, "live", *argv) == f"adsbwatch live: error: {message}"


def test_serve_refuses_an_empty_bind_address_and_a_bad_host_name(capsys) -> None:
    assert usage_error(capsys, "serve", "--http", "0", "--net-bind", "") == (
        "adsbwatch serve: error: argument --net-bind: '' is not an address to listen on (e.g. "
        "127.0.0.1, or 0.0.0.0 for every interface)")
    assert usage_error(capsys, "serve", "--http", "0", "--http-host", "a/b") == (
        "adsbwatch serve: error: argument --http-host: 'a/b' is not a host name (e.g. "
        "adsb.home.example or 192.168.1.20; * for any)")


def test_settings_that_do_not_go_together_on_the_command_line(capsys) -> None:
    assert error_line(capsys, "live", "--lat", "1") == (
        "give both --lat and --lon (the receiver's position), or neither")
    assert error_line(capsys, "live", "--device", "0", "--rtl-tcp", "pi:1") == (
        "give --device or --rtl-tcp, not both")
    assert error_line(capsys, "replay", RECORDING, "--raw", "--interactive") == (
        "--interactive shows the aircraft on the terminal: leave out --raw (its AVR lines "
        "need stdout)")


def test_the_command_line_completing_the_file_is_not_blamed_on_it(tmp_path, capsys) -> None:
    path = write(tmp_path, "lat = 1\n")
    assert config_of("live", "--lon", "2", "--config", str(path)).receiver == (1.0, 2.0)
    assert error_line(capsys, "live", "--lat", "1", "--config",
                      str(write(tmp_path, "record-all = true\n"))) == (
        "give both --lat and --lon (the receiver's position), or neither")


FLOAT_SETTINGS = ("lat", "lon", "visit-gap", "sighting-wait", "stats-every", "freq", "gain")


@pytest.mark.parametrize("name", FLOAT_SETTINGS)
@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999"])
def test_no_float_setting_takes_nan_or_infinity(name: str, text: str, tmp_path: Path,
                                                capsys) -> None:
    message = usage_error(capsys, "live", f"--{name}={text}")
    assert message.startswith(f"adsbwatch live: error: argument --{name}: '{text}'")
    toml_text = {"1e999": "inf"}.get(text, text)
    path = write(tmp_path, f"{name} = {toml_text}\nlat = 1\nlon = 1\n"
                 if name not in ("lat", "lon") else f"{name} = {toml_text}\n")
    assert error_line(capsys, "live", "--config", str(path)).startswith(f"{path}:1: {name}: ")


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.parse is not None],
                         ids=lambda setting: setting.name)
def test_no_reader_gives_a_value_that_is_not_finite(setting: Setting) -> None:
    for text in ("nan", "inf", "-inf", "1e999", "NaN"):
        try:
            value = setting.parse(text)  # type: ignore[misc]
        except ValueError:
            continue
        assert not (isinstance(value, float) and not math.isfinite(value)), (text, value)


def test_every_problem_is_in_the_one_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, """fix = 9
[replay]
device = "1"
[lve]
lat = 1
""")
    assert error_line(capsys, "live", "--config", str(path)) == (
        f"{path}:1: fix: '9': use 0, 1 or 2 (the bits to repair); "
        f"{path}:3: device is not an option of adsbwatch replay: put it under [live] or "
        f"at the top; {path}:4: unknown table [lve] (the tables are [live], [replay])")


def test_a_top_key_of_the_other_command_is_still_checked(tmp_path, capsys) -> None:
    path = write(tmp_path, 'device = "x"\n')
    # device is live's: replay leaves it alone, but a bad value is still an error.
    assert error_line(capsys, "replay", RECORDING, "--config", str(path)) == (
        f"{path}:1: device: 'x': use a device index (0, 1, ...) or serial:SERIAL "
        "(rtl_test lists them)")


def test_toml_syntax_error_is_file_line_column(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, 'lat = 52.0\nlon = 4.7\ndb = "unclosed\n')
    message = error_line(capsys, "live", "--config", str(path))
    assert message == f"{path}:3:15: not valid TOML: Illegal character {chr(10)!r}", message


def test_an_unreadable_config(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "none.toml"
    assert error_line(capsys, "live", "--config", str(missing)) == (
        f"cannot read the config file {missing}: No such file or directory")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'db = "caf\xe9.db"\n')
    assert error_line(capsys, "live", "--config", str(latin)) == (
        f"{latin}: not UTF-8 text, as TOML must be")


def test_print_config_is_an_option_of_live_and_replay_only(capsys) -> None:
    assert main(["live", "--print-config", "--rtl-tcp", "pi:1"]) == 0
    assert 'rtl-tcp = "pi:1"' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sightings", "--print-config"])


def test_a_name_that_is_not_utf8_cannot_be_printed(capsys) -> None:
    assert error_line(capsys, "live", "--db", "caf\udce9.db", "--print-config") == (
        "'caf\\udce9.db' is not UTF-8 text and cannot be written as TOML")


# ---------------------------------------------------------------------- the pieces


def test_key_line_finds_quoted_tabled_and_dotted_keys() -> None:
    lines = ['lat = 1', '[replay]', '"fix" = 2', '[live]', "  fix=1", 'live.db = "x"']
    assert key_line(lines, None, "lat") == 1
    assert key_line(lines, "replay", "fix") == 3
    assert key_line(lines, "live", "fix") == 5
    assert key_line(lines, "live", "db") == 6
    assert key_line(lines, "live", "lon") is None


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_toml_strings_read_back_as_written(text: str) -> None:
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


@given(st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1)
                .filter(lambda arg: "\0" not in arg), min_size=1))
def test_any_command_reads_back_as_the_same_argv(argv: list[str]) -> None:
    config = StationConfig("live", LiveSourceConfig(),
                           decoding=DecodingConfig(on_sighting=tuple(argv)))
    assert tuple(shlex.split(tomllib.loads(config_toml(config))["on-sighting"])) == tuple(argv)


# ---------------------------------------------------------------------- the fuzz

ALL_KEYS = sorted({key for setting in SETTINGS for key in setting.keys}
                  | {key.replace("-", "_") for setting in SETTINGS for key in setting.keys}
                  | {"config", "help", "print-config", "lve"})
SCALARS = (st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats()
           | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
           | st.sampled_from(["2.4M", "1090M", "pi:1234", "[::1]:30005:avr", "0", "auto",
                              "serial:1", TILES, "-5", "1e-9", "cs8", "2026-11-24"])
           | st.datetimes(timezones=st.none() | st.just(dt.UTC)) | st.dates() | st.times())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["a", "lat"]), inner, max_size=2),
                      max_leaves=6)
KEYS = st.sampled_from(ALL_KEYS) | st.text(min_size=1, max_size=12)
TABLES = st.dictionaries(KEYS, VALUES, max_size=6)


def inline(value: object) -> str:
    """Any generated value as a TOML value (a table inline)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(k)} = {inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(inline(item) for item in value) + "]"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return toml_value(value)


def toml_document(top: dict[str, Any], tables: dict[str, dict[str, Any]]) -> str:
    lines = [f"{toml_string(key)} = {inline(value)}" for key, value in top.items()]
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines.extend(f"{toml_string(key)} = {inline(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(top=TABLES, tables=st.dictionaries(st.sampled_from(COMMANDS), TABLES, max_size=2),
       command=st.sampled_from(COMMANDS))
def test_any_file_gives_a_config_or_one_line(top, tables, command, tmp_path: Path) -> None:
    top = {key: value for key, value in top.items() if key not in COMMANDS}
    path = write(tmp_path, toml_document(top, tables))
    given_ = {"file": RECORDING} if command == "replay" else {}
    try:
        config = load_station_config(command, given_, path)
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc), exc
        return
    # What was taken prints into a file that reads back into the same config.
    assert load_station_config(command, given_, write(tmp_path, config_toml(config),
                                                      "printed.toml")) == config


# Samples that set the same key, settings that do not go together, or whose values
# depend on each other (--net is whether the ports are its own): one of each pair.
EXCLUSIVE = (("device", "rtl-tcp"), ("raw", "interactive"), ("lat", "lon"),
             ("avr-port", "net"), ("net", "beast-port"), ("net", "sbs-port"),
             ("keep-points", "no-db"))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.sets(st.sampled_from(sorted(name for name, sample in SAMPLES.items()
                                            if sample[1] is not None))),
       command=st.sampled_from(COMMANDS))
def test_any_choice_of_settings_reads_in_and_back(names: set[str], command: str,
                                                  tmp_path: Path) -> None:
    for kept, dropped in EXCLUSIVE:
        if kept in names:
            names.discard(dropped)
    config = from_file(command, "\n".join(SAMPLES[name][1] for name in sorted(names)),
                       tmp_path)
    for setting in settings_of(command):  # type: ignore[arg-type]
        if setting.name in names:
            assert setting_value(config, setting) == SAMPLES[setting.name][2]
    printed = config_toml(config)
    assert from_file(command, printed, tmp_path) == config


def test_every_setting_is_of_a_kind_its_reader_fits() -> None:
    for setting in SETTINGS:
        flag = setting.kind in (Kind.FLAG, Kind.SWITCH)
        assert (setting.parse is None) == flag, setting.name
        assert setting.place.split(".")[0] in (
            "source", "fix", "site", "receiver", "decoding", "store", "outputs", "view",
            "aircraft_db"), setting.name
