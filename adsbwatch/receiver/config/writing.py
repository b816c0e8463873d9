"""A StationConfig as a TOML config file (--print-config): every setting of its command
with its help as a comment, written so that reading the file back gives the same
config."""

from __future__ import annotations

import datetime as dt
import math
import textwrap

from adsbwatch.receiver.config.assemble import setting_value
from adsbwatch.receiver.config.model import StationConfig
from adsbwatch.receiver.config.settings import settings_of
from adsbwatch.receiver.errors import UserError

WIDTH = 88


def config_toml(config: StationConfig) -> str:
    """TOML of `config`'s settings, each with its help as a comment; a setting with no
    value is commented out."""
    command = config.command
    out = [f"# adsbwatch {command}: the options of a run (defaults, then --config, then "
           "the command line).",
           f"# Read back with: adsbwatch {command} --config FILE. An option not set is "
           "commented out.", ""]
    for setting in settings_of(command):
        if not setting.in_files:
            continue
        out.extend(textwrap.wrap(setting.help, WIDTH - 2, initial_indent="# ",
                                 subsequent_indent="# "))
        value = setting.shown(setting_value(config, setting))
        out.append(f"# {setting.name} = (not set)" if value is None
                   else f"{setting.name} = {toml_value(value)}")
        out.append("")
    return "\n".join(out)


def toml_value(value: object) -> str:
    """`value` (a boolean, number, string or list of them) as TOML."""
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
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise UserError(f"{value!r} cannot be written as TOML")


def shown(value: object) -> str:
    """A TOML value in a message."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(shown(item) for item in value) + "]"
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
