"""Another decoder's frames (a frame source: one `--net-connect` peer) as one of the
station's inputs: its batches as they come, unchecked (the station's merge applies the
CRC and address rule), and its peer's state and closing lines for the views."""

from __future__ import annotations

from collections.abc import Iterator

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.core.abilities import InputCounts, PeerState
from adsbwatch.receiver.sources.base import FrameSource, SourceInfo, SourceTotals


class FramesInput:
    """An Input, with PeerStates and SummaryLines (core/abilities.py)."""

    checked = False  # another decoder's CRC is not ours: the station checks
    cpu_s = 0.0  # no demodulation here

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.name = source.info.name
        self.live = source.info.live

    @property
    def info(self) -> SourceInfo:
        return self.source.info

    @property
    def totals(self) -> SourceTotals:
        return self.source.totals

    def demod_counts(self) -> dict[str, int]:
        return {}

    def prepare(self) -> None:
        """Nothing: another decoder's frames need no kernel."""

    def open(self) -> None:
        self.source.open()

    def batches(self) -> Iterator[FrameBatch]:
        return self.source.batches()

    def close(self) -> None:
        self.source.close()

    def peer_states(self) -> list[PeerState]:
        return self.source.peer_states()

    def summary_lines(self, counts: InputCounts) -> list[str]:
        return self.source.summary_lines(counts)
