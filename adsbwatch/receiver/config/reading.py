"""A TOML config file to the settings it chooses, without argparse.

Keys are the settings' names (the long options: `stats-every`, or `stats_every`), at
the top or in a table named after a command (`[live]`, `[replay]`), the table winning
over the top for its command. A key at the top that only the other command has waits
for that command, checked all the same: one file can serve both. Each value goes
through its setting's own reader, so it reads as on the command line; every problem
of the file is in the one line raised, each as `FILE:LINE: ...`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adsbwatch.receiver.config.model import COMMANDS, Command
from adsbwatch.receiver.config.settings import SETTINGS, Kind, Setting, file_keys
from adsbwatch.receiver.config.writing import shown
from adsbwatch.receiver.errors import UserError

NOT_IN_FILES = ("config", "print-config", "help")  # the command line's own options
COMMAND_LINE_ONLY = {setting.name for setting in SETTINGS if not setting.in_files}


@dataclass(frozen=True)
class Chosen:
    """A value the file chose, and the line that chose it (None: not found)."""

    value: Any
    line: int | None


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
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to read
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
    header = re.compile(r"\s*\[\[?\s*([\w\"'.-]+)\s*\]")
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


def dashed(key: str) -> str:
    return key.replace("_", "-")


def named(key: str) -> str:
    """A key in a message: as written, or quoted if it holds a line break or the like."""
    return key if key.isprintable() else repr(key)


def file_settings(path: Path, command: Command) -> dict[str, Chosen]:
    """What `path` chooses for `command`: setting name -> value and line. The whole file
    is checked, the other command's table too."""
    data, lines = read_toml(path)
    tables: dict[Command, dict[str, Any]] = {
        name: data[name] for name in COMMANDS if isinstance(data.get(name), dict)}
    top = {key: value for key, value in data.items() if key not in tables}
    problems: list[tuple[int, str]] = []
    chosen: dict[str, Chosen] = {}
    sections: list[tuple[Command | None, dict[str, Any]]] = [(None, top), *tables.items()]
    for table, settings in sections:
        seen: dict[Setting, str] = {}  # the key that set each setting
        for key, value in settings.items():
            line = key_line(lines, table, key)
            try:
                setting, owner = find_setting(key, value, table, command)
                if setting in seen:
                    raise ValueError(f"{named(seen[setting])} and {named(key)} set the same "
                                     "option: keep one")
                seen[setting] = key
                converted = file_value(setting, key, value)
            except ValueError as exc:
                problems.append((line or 0, f"{path}:{line}: {exc}" if line
                                 else f"{path}: {exc}"))
                continue
            if owner == command:  # the table comes after the top: it wins
                chosen[setting.name] = Chosen(converted, line)
    if problems:
        raise UserError("; ".join(text for _, text in sorted(problems)))
    return chosen


def find_setting(key: str, value: object, table: Command | None,
                 command: Command) -> tuple[Setting, Command]:
    """The setting `key` sets and the command it is for; ValueError for a key that sets
    none, saying why."""
    name = dashed(key)
    owners: tuple[Command, ...] = (command, *COMMANDS) if table is None else (table,)
    for owner in owners:
        setting = file_keys(owner).get(name)
        if setting is not None:
            return setting, owner
    raise ValueError(unknown_key(key, value, owners[0]))


def unknown_key(key: str, value: object, command: Command) -> str:
    import difflib

    name, key = dashed(key), named(key)
    if name in NOT_IN_FILES:
        return f"{key} cannot be set in a config file"
    if name in COMMAND_LINE_ONLY:
        return f"{key} cannot be set in a config file: give it on the command line"
    if name in COMMANDS and isinstance(value, list) and value \
            and all(isinstance(item, dict) for item in value):
        return f"[[{key}]] is an array of tables: write [{key}]"
    if isinstance(value, dict):
        tables = ", ".join(f"[{name}]" for name in COMMANDS)
        return f"unknown table [{key}] (the tables are {tables})"
    others = [owner for owner in COMMANDS if name in file_keys(owner)]
    if others:
        return (f"{key} is not an option of adsbwatch {command}: put it under "
                f"[{others[0]}] or at the top")
    close = difflib.get_close_matches(name, list(file_keys(command)), n=1)
    hint = f"did you mean {close[0]}?" if close else f"see adsbwatch {command} --help"
    return f"unknown key {key} for adsbwatch {command} ({hint})"


def file_value(setting: Setting, key: str, value: object) -> Any:
    """A TOML value as `setting`'s value: a switch takes true or false, a list a list
    (or one value), and each value is read from its text as on the command line.
    ValueError: `KEY: why`."""
    try:
        return value_of(setting, dashed(key), value)
    except ValueError as exc:
        raise ValueError(f"{named(key)}: {exc}") from None


def value_of(setting: Setting, key: str, value: object) -> Any:
    if setting.kind in (Kind.FLAG, Kind.SWITCH):
        if not isinstance(value, bool):
            raise ValueError(f"use true or false, not {shown(value)}")
        return value != key.startswith("no-") if setting.kind is Kind.SWITCH else value
    if setting.kind is Kind.LIST:
        items = value if isinstance(value, list) else [value]
        return tuple(one_value(setting, item) for item in items)
    if isinstance(value, list):
        raise ValueError("one value, not a list")
    return one_value(setting, value)


def one_value(setting: Setting, value: object) -> Any:
    if isinstance(value, dt.date | dt.time):  # an unquoted TOML date: its text
        value = value.isoformat()
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{shown(value)} is not a value for --{setting.name} "
                         "(a string or a number)")
    assert setting.parse is not None  # flags took their own way above
    return setting.parse(str(value))
