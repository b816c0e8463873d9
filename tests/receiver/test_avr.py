"""AVR lines: `*HEX;` per frame, 14 hex digits for a short frame, 28 for a long one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.outputs.avr import avr_text


def batch_of(frames: list[bytes]) -> FrameBatch:
    msg = np.zeros((len(frames), 14), dtype=np.uint8)
    for i, frame in enumerate(frames):
        msg[i, :len(frame)] = np.frombuffer(frame, dtype=np.uint8)
    n = len(frames)
    return FrameBatch(msg, np.arange(n, dtype=np.int64), np.ones(n, np.float32),
                      np.zeros(n, np.uint8))


def test_lines_in_order() -> None:
    frames = [bytes.fromhex("5d4d20237a55a6"), bytes.fromhex("8d4d2023990cfe87d8041bce4a4e")]
    assert avr_text(batch_of(frames)) == "*5d4d20237a55a6;\n*8d4d2023990cfe87d8041bce4a4e;\n"


def test_empty_batch() -> None:
    assert avr_text(batch_of([])) == ""


# A frame's length follows from its DF: DF 0-15 short (7 bytes), DF 16-31 long (14).
short = st.binary(min_size=6, max_size=6).flatmap(
    lambda rest: st.integers(0, 127).map(lambda first: bytes([first]) + rest))
long = st.binary(min_size=13, max_size=13).flatmap(
    lambda rest: st.integers(128, 255).map(lambda first: bytes([first]) + rest))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(short, long), max_size=40))
def test_every_frame_one_line(frames: list[bytes]) -> None:
    assert avr_text(batch_of(frames)) == "".join(f"*{f.hex()};\n" for f in frames)
