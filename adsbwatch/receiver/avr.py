"""AVR text output: one frame per line as `*HEX;` (the format of dump1090 --raw)."""

from __future__ import annotations

from ..decoder.demod import FrameBatch


def avr_text(batch: FrameBatch) -> str:
    """All frames of a batch as AVR lines, in the batch's (time) order."""
    rows = batch.msg.tobytes()
    return "".join(
        f"*{rows[14 * i:14 * i + n].hex()};\n" for i, n in enumerate(batch.nbytes.tolist())
    )
