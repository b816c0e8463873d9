"""AVR text output: one frame per line as `*HEX;` (the format of dump1090 --raw), or
with the 12 MHz timestamp as `@` + 12 hex digits + HEX + `;` (dump1090-fa's port 30002
with --mlat)."""

from __future__ import annotations

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.core.consumer import ReaderGone
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.outputs.net.beast import timestamp_bytes
from adsbwatch.receiver.outputs.stdout import StdoutOutlet

LINE = 31  # "*" + 28 hex digits + ";" + newline: a long frame's line
SHORT_END = 15  # where a short frame's ";" goes
STAMP = 12  # hex digits of a 48-bit timestamp
# What dump1090-fa sends on its AVR port when it has nothing else to say.
AVR_HEARTBEAT = b"*0000;\n"


def avr_text(batch: FrameBatch, timestamps: bool = False) -> str:
    """All frames of a batch as AVR lines, in the batch's (time) order; `timestamps`:
    `@` and the frame's 12 MHz timestamp (12 hex digits) instead of `*`.

    Built as one character array for the whole batch (a row per frame; a short frame's
    line ends early and its unused columns are dropped), not a string per frame: a
    fifth of the time."""
    n = len(batch)
    start = 1 + STAMP if timestamps else 1  # where the frame's hex digits begin
    line = LINE + start - 1
    rows = np.empty((n, line), dtype=np.uint8)
    if timestamps:
        rows[:, 0] = ord("@")
        stamp = timestamp_bytes(batch.ticks)
        rows[:, 1:start] = np.frombuffer(stamp.tobytes().hex().encode(),
                                         np.uint8).reshape(n, STAMP)
    else:
        rows[:, 0] = ord("*")
    rows[:, start:line - 2] = np.frombuffer(batch.msg.tobytes().hex().encode(),
                                            np.uint8).reshape(n, LINE - 3)
    rows[:, line - 2] = ord(";")
    rows[:, line - 1] = ord("\n")
    short = ~batch.long
    end = SHORT_END + start - 1
    rows[short, end] = ord(";")
    rows[short, end + 1] = ord("\n")
    keep = np.ones((n, line), dtype=bool)
    keep[short, end + 2:] = False
    return rows[keep].tobytes().decode("ascii")


class AvrOutput:
    """Every frame as an AVR line on stdout."""

    name = "stdout (AVR)"

    def __init__(self, outlet: StdoutOutlet) -> None:
        self.outlet = outlet

    def on_frames(self, batch: FrameBatch) -> None:
        if len(batch):
            self.outlet.write(avr_text(batch))
            # Out now, not once a pipe's buffer fills: a live run's reader (a feeder,
            # `| nc`) would get its frames seconds late.
            self.outlet.flush()
        self._check()

    def close(self) -> None:
        self.outlet.flush()
        self._check()

    def _check(self) -> None:
        if self.outlet.gone:
            raise ReaderGone
        if self.outlet.failure is not None:
            raise RuntimeFailure(self.outlet.failure)
