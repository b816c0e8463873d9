"""The config of a run, from the settings' defaults, a config file and the command line,
each beating the one before."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adsbwatch.receiver.config.assemble import station_config
from adsbwatch.receiver.config.model import Command, ConfigError, StationConfig
from adsbwatch.receiver.config.reading import file_settings
from adsbwatch.receiver.config.settings import settings_of
from adsbwatch.receiver.errors import UserError


def load_station_config(command: Command, given: Mapping[str, Any] | None = None,
                        file: Path | None = None) -> StationConfig:
    """`command`'s config: each setting's default, beaten by `file`'s value (a TOML
    config), beaten by `given` (setting name -> value as its reader gives it: what the
    command line gave, and only that). Any problem is one UserError line; one of the
    file's names the file and the line."""
    given = dict(given or {})
    unknown = set(given) - {setting.name for setting in settings_of(command)}
    if unknown:
        raise UserError(f"adsbwatch {command} has no option {', '.join(sorted(unknown))}")
    from_file = file_settings(file, command) if file is not None else {}
    chosen = {name: choice.value for name, choice in from_file.items()} | given
    try:
        return station_config(command, chosen)
    except ConfigError as exc:
        # Say where the file set what does not go together (the command line says itself).
        lines = [from_file[name].line for name in exc.settings
                 if name in from_file and name not in given]
        if not lines:
            raise
        line = next((line for line in lines if line is not None), None)
        where = f"{file}:{line}" if line is not None else f"{file}"
        raise ConfigError(f"{where}: {exc}", exc.settings) from None
