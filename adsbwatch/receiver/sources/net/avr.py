"""The AVR text format, parsed incrementally: one frame per line.

`*HEX;` (dump1090's raw output), `@` + 12 hex digits of 12 MHz timestamp + `HEX;`
(dump1090 with timestamps) and readsb's `<` + 12 digits timestamp + 2 digits signal +
`HEX;`. Lines end in `\\n` or `\\r\\n`; a 4-digit payload is Mode A/C (counted, not
decoded); anything else (a frame as long as another format's among it) is a garbage
line, counted. A line cut off at the end of a chunk is kept for the next one; an endless
line is given up on, not stored.
"""

from __future__ import annotations

from adsbwatch.receiver.sources.net.heard import Heard, ParseCounts, has_its_length

MAX_LINE = 80  # a long frame with readsb's prefix is 44 characters
TIMESTAMP_DIGITS = {ord("*"): 0, ord("@"): 12, ord("<"): 12}
SIGNAL_DIGITS = {ord("<"): 2}
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


class AvrParser:
    def __init__(self) -> None:
        self.counts = ParseCounts()
        self._pending = b""
        self._skipping = False  # inside a line too long to be one: drop up to its end

    def restart(self) -> None:
        """A new connection: what was pending belonged to the old one."""
        self._pending = b""
        self._skipping = False

    def feed(self, data: bytes) -> list[Heard]:
        out: list[Heard] = []
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()
        for line in lines:
            if self._skipping:
                self._skipping = False
                continue
            self._line(line, out)
        if len(self._pending) > MAX_LINE and not self._skipping:
            self.counts.bad_messages += 1
            self._skipping = True
        if self._skipping:
            self._pending = b""
        return out

    def _line(self, line: bytes, out: list[Heard]) -> None:
        counts = self.counts
        if len(line) > MAX_LINE:  # as when it came in pieces (see feed)
            counts.bad_messages += 1
            return
        text = line.strip()
        if not text:
            return
        stamp = TIMESTAMP_DIGITS.get(text[0])
        if stamp is None or not text.endswith(b";") or not HEX_DIGITS.issuperset(text[1:-1]):
            counts.bad_messages += 1
            return
        signal_digits = SIGNAL_DIGITS.get(text[0], 0)
        head = 1 + stamp + signal_digits
        payload = text[head:-1]
        if len(payload) == 4:
            counts.mode_ac += 1
            return
        frame = bytes.fromhex(payload.decode()) if len(payload) in (14, 28) else b""
        if not has_its_length(frame):
            counts.bad_messages += 1
            return
        timestamp = int(text[1:1 + stamp], 16) if stamp else None
        signal = int(text[1 + stamp:head], 16) if signal_digits else None
        counts.frames += 1
        out.append(Heard(frame, timestamp, signal))
