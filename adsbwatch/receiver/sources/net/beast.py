"""The Beast binary format, parsed incrementally: bytes in, frames out.

A message is 0x1a, a type byte, a 6-byte big-endian 12 MHz timestamp, a signal byte
and the payload: type '1' Mode A/C (2 bytes), '2' a short Mode S frame (7), '3' a long
one (14). Every 0x1a inside a message is sent twice, so a lone 0x1a always starts a
message; that is how the parser finds its way back after garbage. Whether a run of
0x1a after garbage holds escaped bytes of a message it lost or junk cannot be told, so
the last 0x1a of any run is taken as a start (as dump1090 does): a false start is cut
short by the next message's lone 0x1a, where the parser picks up again. Type '4' (a
status message some boxes send) and unknown types are skipped as garbage, as readsb
does; a frame whose format is not as long as its type says (a DF17 in a short record)
is a bad message. A message cut off at the end of a chunk is kept for the next one.
Nothing here raises on bad input: it is counted in `counts` and skipped.
"""

from __future__ import annotations

import re

from adsbwatch.receiver.sources.net.heard import Heard, ParseCounts, has_its_length

ESCAPE = 0x1A
MODE_AC, SHORT, LONG = 0x31, 0x32, 0x33  # '1', '2', '3'
HEADER_BYTES = 7  # timestamp and signal, before the payload
PAYLOAD_BYTES = {MODE_AC: 2, SHORT: 7, LONG: 14}
_ESCAPES = re.compile(b"\x1a+")


class BeastParser:
    def __init__(self) -> None:
        self.counts = ParseCounts()
        self._pending = b""  # the start of a message the next chunk completes

    def restart(self) -> None:
        """A new connection: what was pending belonged to the old one."""
        self._pending = b""

    def feed(self, data: bytes) -> list[Heard]:
        buf = self._pending + data if self._pending else bytes(data)
        out: list[Heard] = []
        counts = self.counts
        i, n = 0, len(buf)
        while i < n:
            start = buf.find(ESCAPE, i)
            if start < 0:
                counts.garbage_bytes += n - i
                i = n
                break
            counts.garbage_bytes += start - i
            run = _run_of_escapes(buf, start)
            counts.garbage_bytes += run - 1
            start += run - 1  # outside a message, the last 0x1a of a run starts one
            if start + 1 >= n:
                i = start  # the type byte (or more of the run) is in the next chunk
                break
            kind = buf[start + 1]
            size = PAYLOAD_BYTES.get(kind)
            if size is None:  # '4' or unknown: its body is skipped up to the next 0x1a
                counts.bad_messages += 1
                i = start + 2
                continue
            body, end = _unescape(buf, start + 2, HEADER_BYTES + size)
            if body is None:
                if end < 0:
                    i = start  # incomplete: wait for more
                    break
                counts.bad_messages += 1  # a lone 0x1a cut it short: a new message there
                i = end
                continue
            i = end
            if kind == MODE_AC:
                counts.mode_ac += 1
                continue
            frame = body[HEADER_BYTES:]
            if not has_its_length(frame):
                counts.bad_messages += 1
                continue
            counts.frames += 1
            out.append(Heard(frame, int.from_bytes(body[:6], "big"), body[6]))
        self._pending = buf[i:]
        return out


def _run_of_escapes(buf: bytes, at: int) -> int:
    """How many 0x1a bytes follow one another from buf[at] (one at least)."""
    run = _ESCAPES.match(buf, at)
    assert run is not None
    return run.end() - at


def _unescape(buf: bytes, at: int, size: int) -> tuple[bytes | None, int]:
    """`size` unescaped bytes from buf[at:]: (body, index after it); (None, -1) when the
    buffer ends first; (None, j) when a lone 0x1a at j cuts the message short."""
    plain = buf[at:at + size]
    if len(plain) == size and ESCAPE not in plain:
        return plain, at + size  # the common case: nothing escaped
    body = bytearray()
    j, n = at, len(buf)
    while len(body) < size:
        if j >= n:
            return None, -1
        byte = buf[j]
        if byte == ESCAPE:
            if j + 1 >= n:
                return None, -1
            if buf[j + 1] != ESCAPE:
                return None, j
            j += 1
        body.append(byte)
        j += 1
    return bytes(body), j
