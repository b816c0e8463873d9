"""The options of the station commands (replay, live), made from the settings table
(receiver/config/settings.py): its help, spellings and value readers. Every option is
parsed without a default, so the Namespace holds only what the command line gave; the
defaults and the config file come in when the config is loaded (cli/config.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from adsbwatch.receiver.config import Command
from adsbwatch.receiver.config.settings import Kind, Setting, settings_of


def warn(message: str) -> None:
    print(f"adsbwatch: warning: {message}", file=sys.stderr)


def option_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """A setting's reader as an argparse type: its ValueError is the usage error."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def add_station_options(parser: argparse.ArgumentParser, command: Command) -> None:
    """`command`'s options, in the table's order; a setting with a group under its own
    heading."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for setting in settings_of(command):
        where: Any = parser
        if setting.group is not None:
            if setting.group not in groups:
                groups[setting.group] = parser.add_argument_group(setting.group)
            where = groups[setting.group]
        add_setting(where, setting)


def add_setting(parser: argparse._ActionsContainer, setting: Setting) -> None:
    help_text = setting.help.replace("%", "%%")  # argparse formats help with %
    if setting.kind is Kind.ARGUMENT:
        assert setting.parse is not None
        parser.add_argument(setting.name, type=option_type(setting.parse), help=help_text)
        return
    names = [name for name in (setting.short, f"--{setting.name}") if name]
    common: dict[str, Any] = {"dest": setting.dest, "default": argparse.SUPPRESS,
                              "help": help_text}
    if setting.kind is Kind.FLAG:
        parser.add_argument(*names, action="store_true", **common)
    elif setting.kind is Kind.SWITCH:
        parser.add_argument(*names, action=argparse.BooleanOptionalAction, **common)
    else:
        assert setting.parse is not None
        action = "append" if setting.kind is Kind.LIST else "store"
        parser.add_argument(*names, action=action, type=option_type(setting.parse),
                            metavar=setting.metavar, **common)


def given_settings(args: argparse.Namespace, command: Command) -> dict[str, Any]:
    """What the command line gave: setting name -> value (a repeated option's a tuple)."""
    given: dict[str, Any] = {}
    for setting in settings_of(command):
        if hasattr(args, setting.dest):
            value = getattr(args, setting.dest)
            given[setting.name] = tuple(value) if setting.kind is Kind.LIST else value
    return given
