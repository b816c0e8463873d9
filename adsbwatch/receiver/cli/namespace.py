"""The seam between the typed config and the station's wiring that still reads an
argparse.Namespace (running, decoding, network, net_outputs, http_options): the config's
settings under their options' names, as the config holds them, and the config itself
as `station`. The config is checked once, when it is made; this only re-spells it.

TODO(lead): builder takes StationConfig; then the wiring reads the config and this
module goes."""

from __future__ import annotations

import argparse
import shlex

from adsbwatch.receiver.config import StationConfig
from adsbwatch.receiver.config.assemble import setting_value
from adsbwatch.receiver.config.settings import settings_of


def station_namespace(config: StationConfig) -> argparse.Namespace:
    values = {setting.dest: setting_value(config, setting)
              for setting in settings_of(config.command)}
    if values["on_sighting"] is not None:  # the Alerter splits its command itself
        values["on_sighting"] = shlex.join(values["on_sighting"])
    return argparse.Namespace(command=config.command, station=config, **values)
