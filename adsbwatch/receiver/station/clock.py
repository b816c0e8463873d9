"""When the first sample was taken: every frame's time is that plus its sample clock."""

from __future__ import annotations

import time

from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.sources.base import SourceInfo
from adsbwatch.receiver.when import parse_when


def start_epoch(info: SourceInfo, start_time: str | None) -> float:
    """--start-time, else what the source knows (SigMF's core:datetime, a file's
    modification time less its length), else now (a live stream)."""
    now = time.time()
    if start_time is not None:
        try:
            return parse_when(start_time, now)
        except ValueError as exc:
            raise UserError(f"--start-time: {exc}") from None
    return info.start_epoch if info.start_epoch is not None else now
