"""Settings to a StationConfig and back, each setting at the place the table gives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adsbwatch.receiver.config.model import (
    Command,
    DecodingConfig,
    LiveSourceConfig,
    OutputsConfig,
    RecordingSourceConfig,
    StationConfig,
    StoreConfig,
    ViewConfig,
    receiver_position,
)
from adsbwatch.receiver.config.settings import Setting, settings_of
from adsbwatch.receiver.tuner import TunerSettings


def station_config(command: Command, chosen: Mapping[str, Any]) -> StationConfig:
    """The config of `command` from its settings' values (name -> value; the defaults
    stand in for those not chosen). Settings that do not go together: a ConfigError."""
    parts: dict[str, Any] = {}
    for setting in settings_of(command):
        value = chosen.get(setting.name, setting.default)
        *sections, name = setting.place.split(".")
        section = parts
        for part in sections:
            section = section.setdefault(part, {})
        section[name] = not value if setting.inverted else value
    source = parts.pop("source")
    if command == "live":
        made_source: LiveSourceConfig | RecordingSourceConfig = LiveSourceConfig(
            tuner=TunerSettings(**source.pop("tuner")), **source)
    else:
        made_source = RecordingSourceConfig(**source)
    return StationConfig(
        command=command, source=made_source, fix=parts.pop("fix"), site=parts.pop("site"),
        receiver=receiver_position(**parts.pop("receiver")),
        decoding=DecodingConfig(**parts.pop("decoding")),
        store=StoreConfig(**parts.pop("store")),
        outputs=OutputsConfig.from_settings(**parts.pop("outputs")),
        view=ViewConfig(**parts.pop("view")), aircraft_db=parts.pop("aircraft_db"))


def setting_value(config: StationConfig, setting: Setting) -> Any:
    """The value of `setting` that gives `config` (a receiver of None: no lat, no lon)."""
    value: Any = config
    for name in setting.place.split("."):
        value = getattr(value, name)
        if value is None:
            return None
    return not value if setting.inverted else value


def setting_values(config: StationConfig) -> dict[str, Any]:
    """Every setting of the config's command: name -> value."""
    return {setting.name: setting_value(config, setting)
            for setting in settings_of(config.command)}
