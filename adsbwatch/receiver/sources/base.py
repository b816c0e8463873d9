"""What every IQ source is: it says what it delivers, opens, yields raw blocks of whole
samples with their first sample index and arrival time, counts what it dropped, and
closes. Files, SigMF recordings and stdin today; an RTL-SDR and rtl_tcp behind the same
interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.core.abilities import InputCounts, PeerState

# SourceInfo.fmt of a frame source: frames, not samples (its rate is 0).
FRAMES_FORMAT = "frames"


@dataclass(frozen=True)
class SourceInfo:
    """What a source delivers and what is known of its samples' origin."""

    name: str  # what the user calls it: a path, "stdin"
    fmt: str  # sample format, a key of FORMATS
    rate: int  # samples per second
    start_epoch: float | None = None  # when the first sample was taken (UTC), if known
    position: tuple[float, float] | None = None  # the receiver's lat, lon, if recorded
    live: bool = False  # samples arrive as they are taken: times are the wall clock's
    size_bytes: int | None = None  # the whole input, when known ahead (a file)

    @property
    def bytes_per_sample(self) -> int:
        return FORMATS[self.fmt].bytes_per_sample


@dataclass
class Block:
    raw: np.ndarray  # uint8 bytes of whole samples [first_sample, first_sample + len)
    first_sample: int
    scan: int  # positions [0, scan) are this block's to search for frame starts
    final: bool  # end of the stream or of a stretch before a gap: pad before demodulating
    arrival: float  # wall-clock time the block's last sample was taken (live) or read
    gap_before: int = 0  # samples skipped just before it (lost, or the source away)


class StreamBreak(Exception):  # noqa: N818 - an event in the stream, not an error
    """Raised by a live reader where its stream breaks: the stretch read so far ends
    there (it is demodulated at once, padded as at the end of a stream), and the sample
    clock jumps by `lost` samples (lost while connected: a full queue, USB losses) and
    `away` samples (while the source was gone), so later times stay right. Both may be
    0: a connection just lost, its time away not known yet."""

    def __init__(self, lost: int = 0, away: int = 0) -> None:
        super().__init__(f"{lost} samples dropped, {away} away")
        self.lost = lost
        self.away = away

    @property
    def samples(self) -> int:
        """How far the sample clock jumps."""
        return self.lost + self.away


@dataclass
class SourceTotals:
    """What a source delivered, for the closing summary and warnings."""

    samples: int = 0
    leftover_bytes: int = 0  # a partial sample at the end of the stream
    # Lost while connected, before they reached us (a full queue, USB transfers lost):
    # the machine or the link did not keep up.
    dropped_samples: int = 0
    # Not received while the source was away (a dongle unplugged, an rtl_tcp server
    # gone), on the sample clock: the time away, never counted as dropped.
    away_samples: int = 0
    reconnects: int = 0  # times the source came back after going away
    strong_samples: int = 0  # near full scale (clipping the ADC), counted by live sources
    bytes_read: int = 0  # for progress: how far into the input the blocks have come
    extra: dict[str, int] = field(default_factory=dict)


class IQSource(Protocol):
    """The interface every IQ source implements."""

    info: SourceInfo
    totals: SourceTotals

    def open(self) -> None:
        """Acquire the input; a failure is a one-line UserError or RuntimeFailure."""

    def blocks(self, scan_samples: int, lookahead: int) -> Iterator[Block]:
        """Overlapping blocks (see blocks.cut_blocks) until the input ends; read failures
        are one-line errors naming the source."""
        ...

    def close(self) -> None:
        """Release the input; safe to call twice, and without open()."""


class FrameSource(Protocol):
    """A source of frames another decoder demodulated (a network peer): not checked yet,
    the station applies the CRC and address rule to them; no demodulator between."""

    info: SourceInfo  # fmt FRAMES_FORMAT, rate 0, live
    totals: SourceTotals  # no samples

    def open(self) -> None:
        """Start listening; a failure is a one-line UserError or RuntimeFailure."""

    def batches(self) -> Iterator[FrameBatch]:
        """Batches of unchecked frames in time order, epoch0 set, one (maybe empty) at
        least every second, until the source ends or is closed."""
        ...

    def close(self) -> None:
        """Stop; `batches` then ends. Safe to call twice, and without open()."""

    def peer_states(self) -> list[PeerState]:
        """Its peers now (core/abilities.py's PeerStates)."""
        ...

    def summary_lines(self, counts: InputCounts) -> list[str]:
        """What it received, and what the station made of it (`counts`), for the closing
        summary (core/abilities.py's SummaryLines)."""
        ...
