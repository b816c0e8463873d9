"""Frames as the tests read them: a recording through the receiver's demodulation, and the
house rule every frame that leaves the demodulator must pass (DESIGN.md: its CRC holds)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.crc import syndrome_of
from adsbwatch.receiver.core.consumer import Consumer
from adsbwatch.receiver.sources.base import IQSource
from adsbwatch.receiver.sources.resolve import recording_source
from adsbwatch.receiver.station.demodulation import BLOCK_SAMPLES, DemodulatedInput
from adsbwatch.receiver.station.station import Station

SQUITTERS = (11, 17, 18)  # formats that carry their address in clear: what makes it "heard"
ADDRESS_PARITY = (0, 4, 5, 16, 20, 21)  # formats whose parity is overlaid with the address


@dataclass
class Demodulated:
    """What the demodulator found in a file, in the order it reported them."""

    frames: list[bytes]
    ticks: list[int]  # each frame's time, 12 MHz ticks from the file's first sample
    station: Station | None = None

    @property
    def hexes(self) -> list[str]:
        return [frame.hex() for frame in self.frames]

    @property
    def timed(self) -> list[tuple[str, int]]:
        """(hex, tick) pairs: the frames with their times."""
        return list(zip(self.hexes, self.ticks, strict=True))


class Collector:
    """A consumer that keeps every frame and its time."""

    name = "collector"

    def __init__(self, found: Demodulated) -> None:
        self.found = found

    def on_frames(self, batch: FrameBatch) -> None:
        for i in range(len(batch)):
            self.found.frames.append(batch.msg[i, :batch.nbytes[i]].tobytes())
            self.found.ticks.append(int(batch.ticks[i]))

    def close(self) -> None:
        pass


def _no_warnings(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")


def station_of(source: IQSource, *consumers: Consumer, fix: int = 1,
               block_samples: int | None = None, wall_clock: bool = False,
               warn: Callable[[str], None] = _no_warnings) -> Station:
    """The station a run builds for an IQ source, with no decoding stage: its frames to
    `consumers`. `wall_clock`: batches carry the wall-clock time of their tick 0."""
    station = Station(DemodulatedInput(source, fix, block_samples or BLOCK_SAMPLES,
                                       wall_clock=wall_clock),
                      start_epoch=0.0, pipeline=None, warn=warn)
    for consumer in consumers:
        station.add(consumer)
    return station


def run_source(source: IQSource, *, fix: int = 1, block_samples: int | None = None,
               wall_clock: bool = False, found: Demodulated | None = None) -> Demodulated:
    """Run an IQ source through the station's demodulation to its end; every frame (into
    `found`, when given: what came before a failure the run raises is kept there)."""
    found = found if found is not None else Demodulated([], [])
    station = station_of(source, Collector(found), fix=fix, block_samples=block_samples,
                         wall_clock=wall_clock)
    found.station = station
    try:
        station.run()
    finally:
        station.close()
    assert not station.consumers.failures, station.consumers.failures
    # The statistics count what was handed on.
    assert station.stats.total.frames == len(found.frames)
    return found


def demodulate_file(path: Path, fmt: str | None = None, rate: int | None = None, *,
                    fix: int = 1, block_samples: int | None = None) -> Demodulated:
    """Run a recording through the receiver's demodulation, as `replay` reads it."""
    return run_source(recording_source(str(path), fmt, rate), fix=fix,
                      block_samples=block_samples)


def check_house_rule(frames: Iterable[bytes | str]) -> None:
    """Every frame stands on its CRC, in the order reported: DF17/18 on their own parity,
    DF11 on its parity or an interrogator code (below 0x80) over an address already heard,
    the address/parity formats on an address already heard in a DF11/17/18."""
    heard: set[int] = set()
    for frame in frames:
        data = bytes.fromhex(frame) if isinstance(frame, str) else frame
        df, syndrome = data[0] >> 3, syndrome_of(data)
        assert len(data) == (14 if df >= 16 else 7), data.hex()
        address = int.from_bytes(data[1:4], "big")
        if df in (17, 18):
            assert syndrome == 0, data.hex()
        elif df == 11:
            assert syndrome == 0 or (syndrome < 0x80 and address in heard), data.hex()
        elif df in ADDRESS_PARITY:
            assert syndrome in heard, data.hex()
        else:
            raise AssertionError(f"DF{df} has no parity to check: {data.hex()}")
        if df in SQUITTERS:
            heard.add(address)


def frame_batch(frames: list[tuple[bytes, int]], epoch0: float | None = None,
                level: float = 0.5, until: int = 0, samples: int = 0,
                power: float = 0.0) -> FrameBatch:
    """A batch of frames (bytes, ticks), as an input hands them on; it ends at `until`
    or its last frame."""
    import numpy as np

    n = len(frames)
    msg = np.zeros((n, 14), np.uint8)
    for i, (frame, _) in enumerate(frames):
        msg[i, :len(frame)] = np.frombuffer(frame, np.uint8)
    ticks = np.array([t for _, t in frames], np.int64)
    return FrameBatch(msg, ticks, np.full(n, level, np.float32), np.zeros(n, np.uint8),
                      max([until, *ticks.tolist()]), epoch0, sample_power=power,
                      samples=samples)
