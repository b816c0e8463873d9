"""Frames to typed messages: `decode` gives the one Message a CRC-checked frame says, its
kind decided once by the downlink format and, for extended squitters, the type code.

The replies and the extended squitters are read here (replies.py, squitter.py and the
modules of each kind); Comm-B registers, which only pyModeS' inference tells apart, by
pyModeS (commb.py). `RepeatingDecoder` hands out the message of a frame heard before.
"""

from __future__ import annotations

from collections.abc import Callable

from adsbwatch.decoder.frames.formats import FORMATS_BY_DF
from adsbwatch.decoder.messages.commb import comm_b
from adsbwatch.decoder.messages.message import POSITIONS, Message
from adsbwatch.decoder.messages.replies import acas, all_call, surveillance
from adsbwatch.decoder.messages.squitter import squitter


class UndecodableFrame(ValueError):
    """A frame of a format adsbwatch has no decoder for (military, Comm-D), or whose
    length is not its format's."""


DECODE_ERRORS = (UndecodableFrame,)  # what callers catch around decode

FrameDecoder = Callable[[bytes], Message]
_BY_FORMAT: dict[int, FrameDecoder] = {
    0: acas, 4: surveillance, 5: surveillance, 11: all_call, 16: acas,
    17: squitter, 18: squitter, 20: comm_b, 21: comm_b,
}
# By the 5-bit format field: (frame length in bytes, decoder); (0, None) without one.
DECODERS: tuple[tuple[int, FrameDecoder | None], ...] = tuple(
    (FORMATS_BY_DF[df].bits // 8, _BY_FORMAT[df]) if df in _BY_FORMAT else (0, None)
    for df in range(32))


def decode(frame: bytes) -> Message:
    """The message of one CRC-checked frame (7 or 14 bytes); UndecodableFrame when
    adsbwatch has no decoder for its format, or the frame is not its format's length."""
    length, decoder = DECODERS[frame[0] >> 3] if frame else (0, None)
    if decoder is None or len(frame) != length:
        raise UndecodableFrame(f"no decoder for {frame.hex() or 'an empty frame'}"
                               f" ({len(frame)} bytes)")
    return decoder(frame)


REMEMBERED = 4096  # distinct frames kept: some seconds of a busy sky's repeats
_POSITION_KINDS = frozenset(POSITIONS)


class RepeatingDecoder:
    """`decode` that remembers the message of each frame it decoded, but positions.

    Most frames repeat one heard shortly before, byte for byte: an aircraft's all-call
    replies, its identification, its velocity in steady flight, its altitude replies to
    each radar sweep (half of a real capture's frames, modes1). Messages are immutable,
    so handing the same one out again is safe. Positions are decoded every time: each
    is new (its encoded position moves), so remembering them would only fill the
    memory. When `remembered` frames are kept, it starts again empty.
    """

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self.remembered = remembered
        self._messages: dict[bytes, Message] = {}

    def __call__(self, frame: bytes) -> Message:
        message = self._messages.get(frame)
        if message is not None:
            return message
        message = decode(frame)
        if type(message) not in _POSITION_KINDS:
            if len(self._messages) >= self.remembered:
                self._messages.clear()
            self._messages[frame] = message
        return message

    def __len__(self) -> int:
        """Frames remembered."""
        return len(self._messages)
