"""The station's configuration: typed (model), its settings in one table (settings), read
from a TOML file and the command line's values (load), written back as TOML (writing).
No argparse here: cli/ makes its options from the table and calls `load_station_config`."""

from adsbwatch.receiver.config.load import load_station_config
from adsbwatch.receiver.config.model import (
    COMMANDS,
    Command,
    ConfigError,
    DecodingConfig,
    LiveSourceConfig,
    OutputsConfig,
    Position,
    RecordingSourceConfig,
    StationConfig,
    StoreConfig,
    ViewConfig,
)
from adsbwatch.receiver.config.writing import config_toml

__all__ = ["COMMANDS", "Command", "ConfigError", "DecodingConfig", "LiveSourceConfig",
           "OutputsConfig", "Position", "RecordingSourceConfig", "StationConfig",
           "StoreConfig", "ViewConfig", "config_toml", "load_station_config"]
