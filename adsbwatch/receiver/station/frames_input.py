"""Other decoders' frames (a frame source, `--net-connect`) as one of the station's
inputs: its batches as they come, already checked by the source."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import FrameSource, SourceInfo, SourceTotals


class FramesInput:
    cpu_s = 0.0

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
        return dict(getattr(self.source, "_demod_stats", {}))

    def __getattr__(self, name: str) -> Any:
        # The source's optional abilities (peer_states, summary_lines, gain_db).
        return getattr(self.source, name)

    def open(self) -> None:
        self.source.open()

    def batches(self) -> Iterator[FrameBatch]:
        return self.source.batches()

    def close(self) -> None:
        self.source.close()
