"""The aircraft database: the only place that reads or writes its file. Importing this
package opens nothing and loads no SQLite."""

from adsbwatch.receiver.defaults import default_aircraft_db_path
from adsbwatch.receiver.registry.registry import (
    Registry,
    open_chosen_registry,
    open_registry,
)

__all__ = ["Registry", "default_aircraft_db_path", "open_chosen_registry", "open_registry"]
