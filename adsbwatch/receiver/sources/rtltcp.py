"""Samples from a standard rtl_tcp server (librtlsdr's): a dongle elsewhere on the network.

On connecting the server sends a 12-byte header (b"RTL0", the tuner type and its number
of gain steps, big-endian uint32s), then raw cu8 samples for as long as the connection
lasts; it takes 5-byte commands (a command byte and a big-endian uint32). pyrtlsdr's own
TCP client speaks a JSON protocol of its own, not this one.

A reader thread moves what the socket delivers into a ChunkQueue, stamped with its
arrival; the station cuts it into blocks as from a file. When the connection drops,
everything received is demodulated at once; the source says so once, reconnects with
backoff, counts the samples missed while away as time away (never as dropped: later
frames keep their true times) and tunes the server again. A server that accepts but
sends no header is busy (rtl_tcp serves one client at a time) or not rtl_tcp: tried
again like one that refuses. On close, what the socket already holds is read first.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from adsbwatch.receiver.core.backoff import Retry
from adsbwatch.receiver.errors import RuntimeFailure, UserError
from adsbwatch.receiver.sources.base import Block, SourceInfo, SourceTotals
from adsbwatch.receiver.sources.blocks import cut_blocks
from adsbwatch.receiver.sources.gain import AdaptiveGain, chunk_levels
from adsbwatch.receiver.sources.live import ChunkQueue
from adsbwatch.receiver.tuner import TunerSettings

HEADER = struct.Struct(">4sII")  # magic, tuner type, gain count
COMMAND = struct.Struct(">BI")  # command, parameter
MAGIC = b"RTL0"

# rtl_tcp's commands (rtl_tcp.c).
SET_FREQUENCY = 0x01
SET_SAMPLE_RATE = 0x02
SET_GAIN_MODE = 0x03  # 0 the tuner's AGC (poor for ADS-B: never used), 1 manual
SET_GAIN = 0x04  # tenths of dB
SET_FREQ_CORRECTION = 0x05  # ppm, signed
SET_AGC_MODE = 0x08  # the RTL2832's own AGC
SET_GAIN_BY_INDEX = 0x0D
SET_BIAS_TEE = 0x0E
MANUAL_GAIN = 1

# librtlsdr's tuner types (enum rtlsdr_tuner) and their gain steps in tenths of dB
# (librtlsdr.c, rtlsdr_get_tuner_gains).
TUNER_NAMES = {0: "unknown", 1: "E4000", 2: "FC0012", 3: "FC0013", 4: "FC2580",
               5: "R820T", 6: "R828D"}
_R82XX_TENTHS = (0, 9, 14, 27, 37, 77, 87, 125, 144, 157, 166, 197, 207, 229, 254, 280,
                 297, 328, 338, 364, 372, 386, 402, 421, 434, 439, 445, 480, 496)
GAIN_TENTHS: dict[int, tuple[int, ...]] = {
    1: (-10, 15, 40, 65, 90, 115, 140, 165, 190, 215, 240, 290, 340, 420),
    2: (-99, -40, 71, 179, 192),
    3: (-99, -73, -65, -63, -60, -58, -54, 58, 61, 63, 65, 67, 68, 70, 71, 179, 181, 182,
        184, 186, 188, 191, 197),
    5: _R82XX_TENTHS,
    6: _R82XX_TENTHS,
}

CONNECT_TIMEOUT_S = 5.0
HEADER_TIMEOUT_S = 5.0
POLL_S = 0.25  # how often the reader looks up from the socket (stop, silence)
SILENCE_S = 10.0  # a server that sends nothing this long has gone, whatever TCP says
DRAIN_BYTES = 1 << 24  # on close, at most this much already in the socket is still read
READ_BYTES = 1 << 19  # one recv_into's room
HAND_OVER_BYTES = 1 << 18  # queued in chunks this big: few hand-overs per second
GATHER_S = 0.1  # a pause after draining the socket: 480 KB gather meanwhile at 2.4 MS/s
QUEUE_SECONDS = 4.0  # room for the demodulator's first block (kernels loading) and hiccups


class ConnectFailed(Exception):
    """The server could not be reached, or gave no header (`busy`); the message says
    why and what to check. Tried again with backoff."""

    def __init__(self, message: str, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


def _shown(data: bytes) -> str:
    """A few bytes as hex and as text, for an error line."""
    head = data[:12]
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in head)
    more = "..." if len(data) > len(head) else ""
    return f"{head.hex(' ')}{more} ({text!r})"


class RtlTcpSource:
    """An rtl_tcp server's samples, tuned as `settings` ask (the IQSource protocol)."""

    def __init__(self, host: str, port: int, rate: int, settings: TunerSettings,
                 warn: Callable[[str], None], reconnect: bool = True) -> None:
        self.host = host
        self.port = port
        self.settings = settings
        self.warn = warn
        self.reconnect = reconnect
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.info = SourceInfo(f"rtl_tcp {where}", "cu8", rate, live=True)
        self.totals = SourceTotals()
        self.tuner = "unknown"
        self.gains_db: tuple[float, ...] = ()  # the tuner's manual steps, when known
        self.gain_db: float | None = None  # the manual gain set last
        self.bytes_received = 0
        self._gain_count = 0
        self._adaptive: AdaptiveGain | None = None  # --gain auto, once the steps are known
        self._queue: ChunkQueue | None = None
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: Exception | None = None
        self._last_arrival: float | None = None  # when samples came last
        self._returning = False  # samples came, then the server went: the next are back
        self._retry = Retry()
        self._said_busy = False  # in this outage
        self._flowing = False  # samples came on the connection now up

    # ------------------------------------------------------------------ the interface

    def open(self) -> None:
        if self._queue is not None:
            return
        self._queue = ChunkQueue(2, self.info.rate, seconds=QUEUE_SECONDS)
        sock = None
        try:
            sock = self._connect()
        except ConnectFailed as exc:
            if not self.reconnect:
                raise RuntimeFailure(str(exc)) from None
            self.warn(f"{exc}; retrying")
        self._sock = sock
        self._thread = threading.Thread(target=self._read_loop, name="rtl_tcp reader",
                                        daemon=True)  # never holds the program's exit
        self._thread.start()

    def blocks(self, scan_samples: int, lookahead: int) -> Iterator[Block]:
        if self._queue is None:
            self.open()
        assert self._queue is not None
        yield from cut_blocks(self._queue.readinto, 2, scan_samples, lookahead, self.totals,
                              clock=self._queue.clock)
        # Everything that arrived is out; then the stream's end is a failure, if it was.
        if self._failure is not None and not self._stop.is_set():
            raise self._failure

    def close(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already gone
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader's recv at once
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        if sock is not None:
            sock.close()
            self._sock = None
        if self._queue is not None:
            self._queue.end()

    # ------------------------------------------------------------------ the gain

    def set_gain_db(self, db: float) -> None:
        """Set a manual gain (one of `gains_db`); kept for reconnections. What the
        adaptive gain controller (--gain auto) calls."""
        self.gain_db = db
        with self._send_lock:
            if self._sock is not None:
                self._send(self._sock, [(SET_GAIN, round(db * 10))])

    def _gain_commands(self) -> list[tuple[int, int]]:
        """Manual mode and the gain asked for: "max" and "auto" (adaptive, from the top)
        the highest step; dB one of the tuner's steps."""
        wanted = self.settings.gain
        if wanted in ("auto", "max") and self.gain_db is None:
            if self.gains_db:
                self.gain_db = self.gains_db[-1]
                if wanted == "auto":
                    self._adaptive = AdaptiveGain(self.gains_db)
            elif self._gain_count:  # a tuner we have no table for: its top step by index
                return [(SET_GAIN_MODE, MANUAL_GAIN), (SET_GAIN_BY_INDEX, self._gain_count - 1)]
            else:
                return []
        elif self.gain_db is None:
            self.gain_db = self._checked_gain(float(wanted))
        return [(SET_GAIN_MODE, MANUAL_GAIN), (SET_GAIN, round(self.gain_db * 10))]

    def _checked_gain(self, db: float) -> float:
        if not self.gains_db or any(abs(db - step) < 0.05 for step in self.gains_db):
            return db
        steps = " ".join(f"{step:g}" for step in self.gains_db)
        raise UserError(f"--gain {db:g}: the {self.tuner} tuner of {self.info.name} has no "
                        f"such step; use auto, max or one of (dB): {steps}")

    # ------------------------------------------------------------------ the connection

    def _connect(self) -> socket.socket:
        """A connection whose header was read and whose server was tuned."""
        name = self.info.name
        try:
            sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT_S)
        except ConnectionRefusedError:
            raise ConnectFailed(f"{name}: connection refused (is rtl_tcp running there, "
                                "listening beyond its own host: rtl_tcp -a 0.0.0.0?)") from None
        except socket.gaierror as exc:
            raise ConnectFailed(f"{name}: cannot resolve {self.host} ({exc.strerror}); "
                                "check the host name") from None
        except TimeoutError:
            raise ConnectFailed(f"{name}: no answer in {CONNECT_TIMEOUT_S:g} s: is the host "
                                "up, and the port open in its firewall?") from None
        except OSError as exc:
            raise ConnectFailed(f"{name}: cannot connect ({exc.strerror or exc})") from None
        try:
            header = self._read_header(sock)
            self._tune(sock, header)
        except BaseException:
            sock.close()
            raise
        sock.settimeout(POLL_S)
        return sock

    def _read_header(self, sock: socket.socket) -> bytes:
        sock.settimeout(HEADER_TIMEOUT_S)
        header = b""
        waited_out = False  # the connection stayed open, silent
        try:
            while len(header) < HEADER.size:
                got = sock.recv(HEADER.size - len(header))
                if not got:
                    break
                header += got
        except TimeoutError:
            waited_out = True
        except OSError as exc:
            raise ConnectFailed(f"{self.info.name}: connection lost before its header "
                                f"({exc.strerror or exc})") from None
        if not header and waited_out:
            raise ConnectFailed(f"{self.info.name}: no rtl_tcp header in "
                                f"{HEADER_TIMEOUT_S:g} s: busy (rtl_tcp serves one client at "
                                "a time) or not rtl_tcp", busy=True)
        if len(header) < HEADER.size or not header.startswith(MAGIC):
            sent = f"sent {_shown(header)}" if header else "sent nothing"
            raise UserError(f"{self.info.name} is not an rtl_tcp server (it {sent}, not the "
                            f"{MAGIC.decode()} header); check the host and port")
        return header

    def _tune(self, sock: socket.socket, header: bytes) -> None:
        _, tuner_type, self._gain_count = HEADER.unpack(header)
        self.tuner = TUNER_NAMES.get(tuner_type, f"type {tuner_type}")
        self.gains_db = tuple(t / 10 for t in GAIN_TENTHS.get(tuner_type, ()))
        settings = self.settings
        commands = [(SET_SAMPLE_RATE, self.info.rate), (SET_FREQUENCY, settings.freq_hz)]
        if settings.ppm:  # never "set" the correction the device has (librtlsdr: -2)
            commands.append((SET_FREQ_CORRECTION, settings.ppm))
        commands.extend(self._gain_commands())
        if settings.bias_tee:
            commands.append((SET_BIAS_TEE, 1))
        with self._send_lock:
            self._send(sock, commands)

    def _send(self, sock: socket.socket, commands: list[tuple[int, int]]) -> None:
        data = b"".join(COMMAND.pack(cmd, value & 0xFFFFFFFF) for cmd, value in commands)
        # A failed send: the reader finds the connection gone, reconnects and resends.
        with contextlib.suppress(OSError):
            sock.sendall(data)

    # ------------------------------------------------------------------ the reader thread

    def _read_loop(self) -> None:
        assert self._queue is not None
        try:
            sock = self._sock
            while not self._stop.is_set():
                if sock is None:
                    sock = self._reconnected()
                    if sock is None:
                        break
                reason = self._pump(sock)
                with self._send_lock:
                    self._sock = None
                sock.close()
                sock = None
                if self._stop.is_set():
                    break
                self._queue.interrupt()  # what came before it went: demodulated now
                if not self.reconnect:
                    self._failure = RuntimeFailure(
                        f"{self.info.name}: connection lost ({reason}); not reconnecting "
                        "(--no-reopen); check the server")
                    break
                self._returning = self._last_arrival is not None
                line = self._retry.loss_line(self.info.name, reason)
                if line is not None:
                    self.warn(line)
        except Exception as exc:  # noqa: BLE001 - ends the stream with it, in the station
            self._failure = exc
        finally:
            self._queue.end()

    def _reconnected(self) -> socket.socket | None:
        """A new connection, or None when stopped (the time away is counted when samples
        flow again). A busy server is said once in an outage: another client may hold
        it."""
        assert self._queue is not None
        wait = self._retry.lost()
        while not self._stop.wait(wait):
            try:
                sock = self._connect()
            except ConnectFailed as failed:
                if failed.busy and not self._said_busy:
                    self._said_busy = True
                    self.warn(f"{failed}; retrying")
                wait = self._retry.failed()
                continue
            with self._send_lock:
                self._sock = sock
            if self._stop.is_set():  # close() came while we were connecting
                sock.close()
                return None
            return sock
        return None

    def _took(self, n: int) -> None:
        """`n` bytes came from the server, just now."""
        if not self._flowing:
            # A connection counts as made once samples flow: one that takes none (a
            # server that closes at once, or stalls) is no better than a refusal.
            self._flowing = True
            self._retry.connected()
        if self._returning:
            self._came_back()
        self.bytes_received += n
        self._last_arrival = time.time()

    def _came_back(self) -> None:
        """Samples flow again after the server went: the time away (since the last
        samples before it) on the sample clock, ahead of the new ones."""
        assert self._queue is not None and self._last_arrival is not None
        self._returning = self._said_busy = False
        # At least one: the demodulator starts afresh after a gap.
        self._queue.away(max(1, round((time.time() - self._last_arrival) * self.info.rate)))
        self.totals.reconnects += 1

    def _pump(self, sock: socket.socket) -> str:
        """Samples from `sock` into the queue until the connection goes: why it went."""
        assert self._queue is not None
        buf = np.empty(READ_BYTES, dtype=np.uint8)
        view = memoryview(buf)  # type: ignore[arg-type]
        filled = 0
        heard = time.monotonic()
        reason = ""
        self._flowing = False
        while not self._stop.is_set():
            try:
                n = sock.recv_into(view[filled:])
            except TimeoutError:
                filled = self._hand_over(buf, filled)
                if time.monotonic() - heard > SILENCE_S:
                    reason = f"no samples for {SILENCE_S:g} s"
                    break
                continue
            except OSError as exc:
                reason = exc.strerror or str(exc)
                break
            if not n:
                reason = "the server closed it"
                break
            self._took(n)
            room = len(view) - filled
            filled += n
            heard = time.monotonic()
            if filled >= HAND_OVER_BYTES:
                filled = self._hand_over(buf, filled)
            elif n < room:  # the socket is drained: let samples gather, not one wake-up a packet
                self._stop.wait(GATHER_S)
        if self._stop.is_set():
            filled = self._drain(sock, buf, filled)
        self._hand_over(buf, filled)  # a half sample left over is lost with the connection
        return reason

    def _drain(self, sock: socket.socket, buf: np.ndarray, filled: int) -> int:
        """On close: what the socket already received (close() shut it down, so reading
        ends where the data does) into the queue as well; the bytes left in `buf`."""
        view = memoryview(buf)  # type: ignore[arg-type]
        drained = 0
        while drained < DRAIN_BYTES:
            try:
                n = sock.recv_into(view[filled:])
            except OSError:  # a timeout: nothing more came
                break
            if not n:
                break
            self._took(n)
            filled += n
            drained += n
            if filled >= HAND_OVER_BYTES:
                filled = self._hand_over(buf, filled)
        return filled

    def _hand_over(self, buf: np.ndarray, filled: int) -> int:
        """Queue the whole samples of buf[:filled]; what is left (a half sample) moves to
        the front. Returns the bytes left."""
        assert self._queue is not None
        whole = filled - filled % 2
        if whole:
            assert self._last_arrival is not None
            chunk = buf[:whole]
            levels = chunk_levels(chunk)
            self.totals.strong_samples += levels.strong
            self._queue.put(chunk, self._last_arrival)
            if self._adaptive is not None:
                new_gain = self._adaptive.observe(levels.strong_share, levels.noise_dbfs,
                                                  levels.samples)
                if new_gain is not None:
                    self.set_gain_db(new_gain)
            buf[:filled - whole] = buf[whole:filled]
        return filled - whole
