"""`--config FILE` and `--print-config` in-process: TOML keys become the command's options
through their own types, the command line beats the file, every problem is one line
naming the file and the line, and a printed config reads back into the same options."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adsbwatch.receiver.cli.config import (
    config_keys,
    config_text,
    key_line,
    parse_with_config,
    station_parsers,
    toml_string,
)
from adsbwatch.receiver.cli.live import cmd_live
from adsbwatch.receiver.cli.main import build_parser, main

# Every option of `live` away from its default, in awkward spellings too: what to give
# and what it gives. An option live does not have (yet) is left out of the command line;
# an option live has that is missing here fails the coverage test.
LIVE_OPTIONS: dict[str, tuple[list[str], object]] = {
    "device": (["--device", "serial:00000042"], "serial:00000042"),
    "rtl_tcp": (["--rtl-tcp", "[::1]:1234"], ("::1", 1234)),
    "rate": (["--rate", "2.0M"], "2.0M"),
    "freq": (["--freq", "1089.5M"], 1_089_500_000),
    "gain": (["--gain", "49.6"], "49.6"),
    "ppm": (["--ppm", "-3"], -3),
    "bias_tee": (["--bias-tee"], True),
    "reopen": (["--no-reopen"], False),
    "stats_every": (["--stats-every", "12.5"], 12.5),
    "raw": (["--raw"], True),
    "fix": (["--fix", "2"], 2),
    "quiet": (["-q"], True),
    "watchlist": (["--watchlist", 'a "quoted" \\ name\t.txt', "--watchlist", "b\x7f.txt"],
                  ['a "quoted" \\ name\t.txt', "b\x7f.txt"]),
    "db": (["--db", "/var/lib/adsbwatch/x.db"], "/var/lib/adsbwatch/x.db"),
    "no_db": (["--no-db"], True),
    "record_all": (["--record-all"], True),
    "lat": (["--lat", "52.3086"], 52.3086),
    "lon": (["--lon", "-4.7639"], -4.7639),
    "visit_gap": (["--visit-gap", "300"], 300.0),
    "sighting_wait": (["--sighting-wait", "0"], 0.0),
    "on_sighting": (["--on-sighting", "notify-send 'adsbwatch'"], "notify-send 'adsbwatch'"),
    "interactive": (["--interactive"], True),
    "net_connect": (["--net-connect", "pi.local:30005", "--net-connect", "[::1]:30002:AVR"],
                    ["pi.local:30005:beast", "[::1]:30002:avr"]),
    "net": (["--net"], True),
    "beast_port": (["--beast-port", "40005"], 40005),
    "avr_port": (["--avr-port", "0"], 0),
    "sbs_port": (["--sbs-port", "40003"], 40003),
    "net_bind": (["--net-bind", "0.0.0.0"], "0.0.0.0"),
    "avr_timestamps": (["--avr-timestamps"], True),
    "net_push": (["--net-push", "[::1]:30004", "--net-push", "feed.example:30004:beast"],
                 ["[::1]:30004:beast", "feed.example:30004:beast"]),
    "http": (["--http", "8080"], 8080),
    "write_json": (["--write-json", "/run/adsbwatch"], "/run/adsbwatch"),
    "map_tiles": (["--map-tiles", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"],
                  "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
}
NOT_OPTIONS = ("handler", "command", "config", "print_config")


def parse(*argv: str) -> argparse.Namespace:
    return parse_with_config(build_parser(), list(argv))


def options(args: argparse.Namespace) -> dict[str, object]:
    return {k: v for k, v in vars(args).items() if k not in NOT_OPTIONS}


def write(tmp_path: Path, text: str, name: str = "adsbwatch.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def config_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line a bad config gives, after checking the exit status is 2."""
    with pytest.raises(SystemExit) as stopped:
        parse(*argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("adsbwatch: error: "), err
    return err.removeprefix("adsbwatch: error: ").rstrip("\n")


def live_parser() -> argparse.ArgumentParser:
    parser = build_parser()
    parse_with_config(parser, ["live"])  # adds --config and --print-config
    return station_parsers(parser)["live"]


def live_dests() -> set[str]:
    return {option.dest for option in config_keys(live_parser()).values()}


def live_command_line() -> tuple[list[str], dict[str, object]]:
    """Every option of live set, and the values that gives."""
    argv: list[str] = []
    values: dict[str, object] = {}
    for dest in sorted(live_dests()):
        given, value = LIVE_OPTIONS[dest]
        argv += given
        values[dest] = value
    return argv, values


# --------------------------------------------------------------------- round trip


def test_the_round_trip_covers_every_option_of_live() -> None:
    assert live_dests() <= set(LIVE_OPTIONS), "an option of live missing in LIVE_OPTIONS"
    argv, values = live_command_line()
    assert options(parse("live", *argv)) == values


def test_a_printed_config_reads_back_into_the_same_options(tmp_path: Path,
                                                            capsys) -> None:
    argv, values = live_command_line()
    assert main(["live", *argv, "--print-config"]) == 0
    printed = capsys.readouterr().out
    back = parse("live", "--config", write(tmp_path, printed))
    assert options(back) == values
    assert back.handler is cmd_live and back.print_config is False


def test_the_defaults_read_back_into_the_defaults(tmp_path: Path, capsys) -> None:
    assert main(["live", "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert "# db = (not set)" in printed and "\nrtl-tcp" not in printed
    defaults = parse("live")
    assert options(parse("live", "--config", write(tmp_path, printed))) == options(defaults)
    assert defaults.rtl_tcp is None and defaults.lat is None


def test_replay_round_trip_keeps_its_own_options(tmp_path: Path, capsys) -> None:
    command_line = ["rec.cu8", "--format", "cs16", "--rate", "2.0M", "--start-time",
                    "2026-11-24T10:00Z", "--fix", "0", "--watchlist", "w.txt"]
    assert main(["replay", *command_line, "--print-config"]) == 0
    printed = capsys.readouterr().out
    back = parse("replay", "rec.cu8", "--config", write(tmp_path, printed))
    assert options(back) == options(parse("replay", *command_line))
    assert (back.format, back.rate, back.start_time, back.fix, back.watchlist) == (
        "cs16", "2.0M", "2026-11-24T10:00Z", 0, ["w.txt"])


def test_the_printed_config_comments_each_option_with_its_help() -> None:
    parser = live_parser()
    text = config_text(parser, "live", parse("live", "--ppm", "7"))
    lines = text.splitlines()
    ppm = lines.index("ppm = 7")
    assert lines[ppm - 1] == "# frequency correction in ppm"
    assert "reopen = true" in lines and not any("no-reopen =" in line for line in lines)
    assert all(len(line) <= 88 for line in lines)


# --------------------------------------------------------------- values from the file


def test_keys_with_dashes_or_underscores_go_through_the_options_types(tmp_path) -> None:
    path = write(tmp_path, """
        watchlist = ["a.txt"]
        db = "/var/lib/adsbwatch/adsbwatch.db"
        lat = 52.3
        lon = 4
        stats_every = 60
        record-all = true
        rtl-tcp = "pi.local:1234"
        freq = "1090M"
        device = 1
        no-reopen = true
    """)
    args = parse("live", "--config", path)
    assert (args.watchlist, args.db, args.lat, args.lon, args.stats_every) == (
        ["a.txt"], "/var/lib/adsbwatch/adsbwatch.db", 52.3, 4.0, 60.0)
    assert (args.record_all, args.rtl_tcp, args.freq, args.device, args.reopen) == (
        True, ("pi.local", 1234), 1_090_000_000, "1", False)
    assert args.handler is cmd_live


def test_the_command_line_beats_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, """
        lat = 1.5
        reopen = false
        watchlist = ["from-file.txt"]
        record-all = true
        gain = "max"
    """)
    args = parse("live", "--lat", "2.5", "--reopen", "--watchlist", "mine.txt",
                 "--config", path)
    assert (args.lat, args.reopen, args.watchlist) == (2.5, True, ["mine.txt"])
    assert (args.record_all, args.gain) == (True, "max")  # not on the command line


def test_a_commands_table_beats_the_top_and_the_other_commands_keys_wait(
        tmp_path: Path) -> None:
    path = write(tmp_path, """
        lat = 1.0
        device = "1"
        [live]
        lat = 2.0
        [replay]
        format = "cs16"
        lat = 3.0
    """)
    live = parse("live", "--config", path)
    replay = parse("replay", "x.cu8", "--config", path)
    assert (live.lat, live.device) == (2.0, "1")
    assert (replay.lat, replay.format) == (3.0, "cs16")
    assert not hasattr(replay, "device")


def test_an_unquoted_toml_date_is_its_text(tmp_path: Path) -> None:
    path = write(tmp_path, "start-time = 2026-11-24T10:00:00Z\n")
    assert parse("replay", "x.cu8", "--config", path).start_time == (
        "2026-11-24T10:00:00+00:00")


def test_a_single_watchlist_string_is_a_list_of_one(tmp_path: Path) -> None:
    path = write(tmp_path, 'watchlist = "mine.txt"\n')
    assert parse("live", "--config", path).watchlist == ["mine.txt"]


# ------------------------------------------------------------------------- problems


# (what the file holds, the one line it gives after "adsbwatch: error: PATH")
BAD_CONFIGS = {
    "a bad value reads as on the command line": (
        "lat = 52.0\n\nfix = 3\n",
        ":3: fix: argument --fix: invalid choice: 3 (choose from 0, 1, 2)"),
    "a type's own message": (
        'stats-every = "soon"\n',
        ":1: stats-every: argument --stats-every: 'soon' is not a number of seconds "
        "(0 or more)"),
    "not HOST:PORT": (
        'rtl-tcp = "pi.local"\n',
        ":1: rtl-tcp: argument --rtl-tcp: 'pi.local' is not HOST:PORT "
        "(e.g. 192.168.1.20:1234)"),
    "a switch given a string": (
        'record-all = "yes"\n', ':1: record-all: use true or false, not "yes"'),
    "a list for one value": ('db = ["a.db", "b.db"]\n', ":1: db: one value, not a list"),
    "a boolean for a number": (
        "lat = true\n", ":1: lat: true is not a value for --lat (a string or a number)"),
    "a table for a value": (
        "[live]\ndb = {path = 'x'}\n",
        ":2: db: a table is not a value for --db (a string or a number)"),
    "an unknown key and the near one": (
        "# receiver\nlat = 52.0\n  stats_evry = 60\n",
        ":3: unknown key stats_evry for adsbwatch live (did you mean stats-every?)"),
    "an unknown key, nothing near": (
        "[live]\n'zzz' = 1\n",
        ":2: unknown key zzz for adsbwatch live (see adsbwatch live --help)"),
    "two spellings of one option": (
        "stats-every = 1\nstats_every = 2\n",
        ":2: stats-every and stats_every set the same option: keep one"),
    "a switch and its --no-": (
        "reopen = true\nno-reopen = true\n",
        ":2: reopen and no-reopen set the same option: keep one"),
    "the config option itself": (
        'config = "other.toml"\n', ":1: config cannot be set in a config file"),
}


@pytest.mark.parametrize("text, message", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_a_bad_config_is_one_line_naming_the_file_and_line(tmp_path: Path, capsys,
                                                           text: str, message: str) -> None:
    path = write(tmp_path, text)
    assert config_error(capsys, "live", "--config", path) == path + message


def test_every_problem_is_in_the_one_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, """fix = 9
[replay]
device = "1"
[lve]
lat = 1
""")
    assert config_error(capsys, "live", "--config", path) == (
        f"{path}:1: fix: argument --fix: invalid choice: 9 (choose from 0, 1, 2); "
        f"{path}:3: device is not an option of adsbwatch replay: put it under [live] or "
        f"at the top; {path}:4: unknown table [lve] (the tables are [live], [replay])")


def test_a_top_key_of_the_other_command_is_still_checked(tmp_path, capsys) -> None:
    path = write(tmp_path, 'device = "x"\n')
    # device is live's: replay leaves it alone, but a bad value is still an error.
    assert config_error(capsys, "replay", "x.cu8", "--config", path) == (
        f"{path}:1: device: argument --device: 'x': use a device index (0, 1, ...) or "
        "serial:SERIAL (rtl_test lists them)")


def test_toml_syntax_error_is_file_line_column(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, 'lat = 52.0\nlon = 4.7\ndb = "unclosed\n')
    message = config_error(capsys, "live", "--config", path)
    assert message == f"{path}:3:15: not valid TOML: Illegal character {chr(10)!r}", message
    assert "(at line" not in message


def test_an_unreadable_config(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "none.toml"
    assert config_error(capsys, "live", "--config", str(missing)) == (
        f"cannot read the config file {missing}: No such file or directory")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'db = "caf\xe9.db"\n')
    assert config_error(capsys, "live", "--config", str(latin)) == (
        f"{latin}: not UTF-8 text, as TOML must be")


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


def test_print_config_is_an_option_of_live_and_replay_only() -> None:
    assert main(["live", "--print-config", "--rtl-tcp", "pi:1"]) == 0
    with pytest.raises(SystemExit):
        parse("sightings", "--print-config")


def test_a_store_false_switch_is_true_when_given(tmp_path: Path) -> None:
    def parser_with_a_store_false() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="adsbwatch")
        live = parser.add_subparsers(dest="command").add_parser("live")
        live.add_argument("--no-colour", dest="colour", action="store_false")
        return parser

    assert parse_with_config(parser_with_a_store_false(), ["live"]).colour is True
    parser = parser_with_a_store_false()
    args = parse_with_config(parser, ["live", "--config",
                                      write(tmp_path, "no-colour = true\n")])
    assert args.colour is False
    assert "\nno-colour = true\n" in config_text(station_parsers(parser)["live"], "live", args)
