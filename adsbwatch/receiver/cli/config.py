"""`--config FILE` and `--print-config` for the station commands (live, replay).

A config file is TOML whose keys are the command's long options (`stats-every = 60`, or
`stats_every`), either at the top or under a table named after the command (`[live]`,
`[replay]`), the table winning over the top. Each value goes through its option's own
type and choices, so a bad one reads as on the command line, with the file and the key.
The file's values become the parser's defaults: the command line beats them, and a
`--watchlist` there replaces the file's list rather than adding to it.

`--print-config` writes the options of the run (defaults, file, command line) as a file
that `--config` reads back into the same options.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import textwrap
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from adsbwatch.receiver.errors import UserError

STATION_COMMANDS = ("live", "replay")
CONFIG_OPTIONS = ("config", "print-config")
WIDTH = 88


# ------------------------------------------------------------------- the command line


def parse_with_config(parser: argparse.ArgumentParser,
                      argv: Sequence[str] | None) -> argparse.Namespace:
    """`parser.parse_args(argv)`, with `--config` and `--print-config` on the station
    commands. A bad config file ends the program as argparse does: one line, exit 2."""
    commands = station_parsers(parser)
    for sub in commands.values():
        add_config_options(sub)
    args = parser.parse_args(argv)
    command = getattr(args, "command", None)
    if command not in commands:
        return args
    if args.config is not None:
        try:
            defaults = load_config(Path(args.config), command, commands, args)
        except UserError as exc:
            parser.exit(exc.exit_status, f"adsbwatch: error: {exc}\n")
        # Defaults are converted values; argparse passes a string default through the
        # option's type once more, which the options' types take as it is.
        commands[command].set_defaults(**defaults)
        args = parser.parse_args(argv)  # again: the command line now beats the file
    if args.print_config:
        args.handler = partial(print_config, commands[command], command)
    return args


def station_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {name: action.choices[name] for name in STATION_COMMANDS
                    if name in action.choices}
    return {}


def add_config_options(sub: argparse.ArgumentParser) -> None:
    if "--config" in sub._option_string_actions:
        return
    sub.add_argument("--config", metavar="FILE",
                     help="take options from this TOML file (keys: the long options, "
                          "e.g. stats-every = 60; a [live] or [replay] table for one "
                          "command); the command line beats the file")
    sub.add_argument("--print-config", action="store_true",
                     help="write this run's options (defaults, --config, command line) "
                          "as TOML on stdout and exit, for --config")


# ------------------------------------------------------------------------ reading


class Option:
    """A command's option as a config key: how a TOML value becomes its value."""

    def __init__(self, parser: argparse.ArgumentParser, action: argparse.Action,
                 negated: bool = False) -> None:
        self.parser = parser
        self.action = action
        self.negated = negated  # --no-reopen: the value is the opposite

    @property
    def dest(self) -> str:
        return self.action.dest

    def convert(self, key: str, value: object) -> object:
        action = self.action
        if is_switch(action):
            if not isinstance(value, bool):
                raise UserError(f"{key}: use true or false, not {shown(value)}")
            if isinstance(action, argparse.BooleanOptionalAction):
                return value != self.negated
            return action.const if value else action.default  # true: as if given
        if isinstance(action, argparse._AppendAction):
            items = value if isinstance(value, list) else [value]
            return [self._one(key, item) for item in items]
        if isinstance(value, list):
            raise UserError(f"{key}: one value, not a list")
        return self._one(key, value)

    def _one(self, key: str, value: object) -> object:
        """A value as its text on the command line, through the option's type and choices."""
        if isinstance(value, dt.date | dt.time):  # an unquoted TOML date: its text
            value = value.isoformat()
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise UserError(f"{key}: {shown(value)} is not a value for "
                            f"{self.action.option_strings[0]} (a string or a number)")
        try:
            return self.parser._get_values(self.action, [str(value)])
        except argparse.ArgumentError as exc:
            raise UserError(f"{key}: {exc}") from None


def is_switch(action: argparse.Action) -> bool:
    """--flag (store_true, store_false) or --flag/--no-flag."""
    if isinstance(action, argparse.BooleanOptionalAction):
        return True
    return isinstance(action, argparse._StoreConstAction) and isinstance(action.const, bool)


def settable(action: argparse.Action) -> bool:
    """The kinds of option a file can set (a new kind needs its own conversion)."""
    if is_switch(action):
        return True
    return type(action) in (argparse._StoreAction, argparse._AppendAction) \
        and action.nargs is None


def config_keys(parser: argparse.ArgumentParser) -> dict[str, Option]:
    """The keys a config file may give `parser`, spelt with dashes."""
    keys: dict[str, Option] = {}
    for action in parser._actions:
        for option in action.option_strings:
            name = option[2:]
            if not option.startswith("--") or name in CONFIG_OPTIONS or not settable(action):
                continue
            negated = isinstance(action, argparse.BooleanOptionalAction) \
                and option.startswith("--no-")
            keys[name] = Option(parser, action, negated)
    return keys


def dashed(key: str) -> str:
    return key.replace("_", "-")


def read_toml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The file's tables and its lines; a file that is not TOML is one line naming where."""
    import tomllib

    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the config file {path}: "
                        f"{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text, as TOML must be") from None
    try:
        return tomllib.loads(text), text.splitlines()
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where is None:
            raise UserError(f"{path}: not valid TOML: {message}") from None
        line, column = where.groups()
        raise UserError(f"{path}:{line}:{column}: not valid TOML: "
                        f"{message[:where.start()]}") from None


def key_line(lines: list[str], table: str | None, key: str) -> int | None:
    """Where `key` is set in `table` (None: the top), for messages; None if not found
    (tomllib gives no positions, so this reads the lines as a person would)."""
    name = rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')"""
    own = re.compile(rf"\s*{name}\s*=")
    dotted = re.compile(rf"\s*(?:[\w\"'-]+\s*\.\s*)+{name}\s*=")
    header = re.compile(r"\s*\[\s*([\w\"'.-]+)\s*\]")
    current: str | None = None
    for number, line in enumerate(lines, start=1):
        opened = header.match(line)
        if opened:
            current = opened.group(1).strip("\"'")
            if table is None and current == key:  # the key is a table of its own
                return number
        elif current == table and own.match(line):
            return number
    for number, line in enumerate(lines, start=1):
        if dotted.match(line):
            return number
    return None


def load_config(path: Path, command: str, commands: dict[str, argparse.ArgumentParser],
                given: argparse.Namespace) -> dict[str, object]:
    """The defaults `path` sets for `command` (dest: value). The whole file is checked,
    the other commands' tables too; every problem is in the one line raised."""
    data, lines = read_toml(path)
    keys = {name: config_keys(sub) for name, sub in commands.items()}
    top = {k: v for k, v in data.items() if not (isinstance(v, dict) and k in commands)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict) and k in commands}
    problems: list[tuple[int, str]] = []

    def problem(table: str | None, key: str, text: str) -> None:
        line = key_line(lines, table, key)
        problems.append((line or 0, f"{path}:{line}: {text}" if line else f"{path}: {text}"))

    chosen: dict[str, object] = {}
    for table in [None, *tables]:
        settings = top if table is None else tables[table]
        seen: dict[argparse.Action, str] = {}  # the key that set each option
        for key, value in settings.items():
            found = find_option(key, table, command, keys)
            if found is None:
                problem(table, key, unknown_key(key, value, table or command, keys))
                continue
            option, owner = found
            if option.action in seen:
                problem(table, key, f"{seen[option.action]} and {key} set the same option: "
                                    "keep one")
                continue
            seen[option.action] = key
            try:
                converted = option.convert(key, value)
            except UserError as exc:
                problem(table, key, str(exc))
                continue
            if owner == command:
                chosen[option.dest] = converted  # the table comes after the top: it wins
    if problems:
        raise UserError("; ".join(text for _, text in sorted(problems)))
    # argparse adds a command line's --watchlist to its default: keep the file's list
    # out when the command line has one, so the command line replaces it.
    parser = commands[command]
    for action in parser._actions:
        if isinstance(action, argparse._AppendAction) and action.dest in chosen \
                and getattr(given, action.dest) != action.default:
            del chosen[action.dest]
    return chosen


def find_option(key: str, table: str | None, command: str,
                keys: dict[str, dict[str, Option]]) -> tuple[Option, str] | None:
    """The option `key` sets and the command it is for. A key at the top that only the
    other command has is for that command (one file can serve both)."""
    name = dashed(key)
    for owner in [table] if table is not None else [command, *keys]:
        if name in keys[owner]:
            return keys[owner][name], owner
    return None


def unknown_key(key: str, value: object, command: str,
                keys: dict[str, dict[str, Option]]) -> str:
    import difflib

    if dashed(key) in CONFIG_OPTIONS or dashed(key) == "help":
        return f"{key} cannot be set in a config file"
    if isinstance(value, dict):
        tables = ", ".join(f"[{name}]" for name in keys)
        return f"unknown table [{key}] (the tables are {tables})"
    others = [name for name, options in keys.items() if dashed(key) in options]
    if others:
        return (f"{key} is not an option of adsbwatch {command}: put it under "
                f"[{others[0]}] or at the top")
    close = difflib.get_close_matches(dashed(key), list(keys[command]), n=1)
    hint = f"did you mean {close[0]}?" if close else f"see adsbwatch {command} --help"
    return f"unknown key {key} for adsbwatch {command} ({hint})"


# ------------------------------------------------------------------------ writing


def print_config(parser: argparse.ArgumentParser, command: str,
                 args: argparse.Namespace) -> int:
    from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout

    write_stdout(config_text(parser, command, args))
    flush_stdout()
    return 0


def config_text(parser: argparse.ArgumentParser, command: str,
                args: argparse.Namespace) -> str:
    """TOML of `args`' options for `command`, each with its help as a comment."""
    out = [f"# adsbwatch {command}: the options of a run (defaults, then --config, then "
           "the command line).",
           f"# Read back with: adsbwatch {command} --config FILE. An option not set is "
           "commented out.", ""]
    formatter = parser._get_formatter()
    written: set[str] = set()
    for name, option in config_keys(parser).items():
        if option.negated or option.dest in written:
            continue
        written.add(option.dest)
        help_text = formatter._expand_help(option.action) if option.action.help else ""
        out.extend(textwrap.wrap(help_text, WIDTH - 2, initial_indent="# ",
                                 subsequent_indent="# "))
        value = getattr(args, option.dest)
        if isinstance(option.action, argparse._StoreConstAction):
            value = value == option.action.const  # a --flag: whether it is given
        out.append(f"# {name} = (not set)" if value is None
                   else f"{name} = {toml_value(value)}")
        out.append("")
    return "\n".join(out)


def toml_value(value: object) -> str:
    """`value` as TOML, written so that the option's type reads it back as it is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, tuple) and len(value) == 2:
        # The one option whose value is a pair: --rtl-tcp's (host, port), as HOST:PORT.
        host, port = value
        return toml_string(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    raise UserError(f"{value!r} cannot be written as TOML")


def shown(value: object) -> str:
    """A TOML value in a message."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return toml_value(value)


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        elif 0xD800 <= ord(char) <= 0xDFFF:
            # A file name's undecodable byte: TOML holds only real characters.
            raise UserError(f"{text!r} is not UTF-8 text and cannot be written as TOML")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'
