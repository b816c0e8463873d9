"""A real Station fed by hand, for the views' tests: batches of real frames go through its
stages (statistics, decoding into the one aircraft table, ticks to its consumers) as a
source would hand them, on a sample clock the test moves, with the source's counts
(samples, dropped, strong samples, CPU) set by the test."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.tracker import TrackerConfig
from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.ui.footer import Footer

RATE = 2_400_000


class HandInput:
    """An input whose counts the test sets; its batches are handed over by `feed`."""

    name = "hand"
    checked = True  # the test's frames stand as the demodulator's would

    def __init__(self, info: SourceInfo, gain_db: float | None = None) -> None:
        self.info = info
        self.live = info.live
        self.totals = SourceTotals()
        self.cpu_s = 0.0
        if gain_db is not None:
            self.gain_db = gain_db

    def demod_counts(self) -> dict[str, int]:
        return {}

    def prepare(self) -> None:
        pass

    def open(self) -> None:
        pass

    def batches(self) -> Iterator[FrameBatch]:
        return iter(())

    def close(self) -> None:
        pass


def hand_station(info: SourceInfo | None = None, *, start: float = 0.0,
                 gain_db: float | None = None, decoding: bool = True,
                 receiver: tuple[float, float] | None = None,
                 watchlist: Watchlist | None = None) -> Station:
    """A station on a HandInput (live, 2.4 MS/s unless told), its clock the sample
    clock from `start` (UNIX seconds), decoding into a tracker unless told not to."""
    info = info or SourceInfo("rtl_tcp 127.0.0.1:1234", "cu8", RATE, live=True)
    pipeline = Pipeline(tracker_config=TrackerConfig(receiver=receiver),
                        watchlist=watchlist or Watchlist([]), record_all=False,
                        visit_gap_s=600.0, sighting_wait_s=0.0) if decoding else None

    def no_warning(message: str) -> None:
        raise AssertionError(f"unexpected warning: {message}")

    return Station(HandInput(info, gain_db), start_epoch=start, pipeline=pipeline,
                   warn=no_warning, receiver=receiver, wall_clock=False)


def frames_batch(frames: Sequence[tuple[float, bytes, float]], until_s: float,
                 sample_power: float = 0.0, samples: int = 0) -> FrameBatch:
    """Frames as (seconds on the sample clock, frame, level in full-scale units; NaN:
    none), the block ending at `until_s`; its samples' count and mean power."""
    msg = np.zeros((len(frames), 14), np.uint8)
    for i, (_, frame, _) in enumerate(frames):
        msg[i, :len(frame)] = np.frombuffer(frame, np.uint8)
    return FrameBatch(msg, np.array([round(t * CLOCK_HZ) for t, _, _ in frames], np.int64),
                      np.array([lv for _, _, lv in frames], np.float32),
                      np.zeros(len(frames), np.uint8), round(until_s * CLOCK_HZ),
                      sample_power=sample_power, samples=samples)


def feed(station: Station, batch: FrameBatch) -> None:
    """Hand `batch` through the station's stages, as its loop does for a batch read."""
    station._deliver(batch)  # noqa: SLF001 - the loop's one step, without its thread


class Ticks:
    """A consumer that hands the station's ticks to a footer, as the views do."""

    name = "footer"

    def __init__(self, footer: Footer) -> None:
        self.footer = footer

    def on_tick(self, tick: Tick) -> None:
        self.footer.update(tick)

    def close(self) -> None:
        pass
