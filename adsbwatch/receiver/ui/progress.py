"""The replay's progress bar (tqdm, on a terminal, for an input of known size): how far
into the recording the station has read, at each tick."""

from __future__ import annotations

import sys

from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.station.station import Station


class ProgressBar:
    name = "progress bar"

    def __init__(self, station: Station) -> None:
        from tqdm import tqdm

        self.station = station
        self.bar = tqdm(total=station.info.size_bytes, unit="B", unit_scale=True,
                        desc="replay", leave=False, file=sys.stderr)

    def on_tick(self, tick: Tick) -> None:
        self.bar.update(self.station.totals.bytes_read - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def wanted(station: Station, quiet: bool, interactive: bool) -> bool:
    """A bar on a terminal for a recording of known size; not with -q, nor under the
    interactive view (which shows the progress itself)."""
    return (not quiet and not interactive and station.info.size_bytes is not None
            and sys.stderr.isatty())
