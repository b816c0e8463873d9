"""An rtl_tcp server for tests and benchmarks, speaking the real protocol on loopback.

It sends librtlsdr's 12-byte header (or any bytes given instead), records every 5-byte
command it receives as (command, value), and serves a recording's bytes, looped if asked,
at real-time pace (rate x 2 bytes a second) or as fast as the client reads. It can be
stopped and started again on the same port, to test reconnections.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass

R820T = 5
R820T_GAIN_COUNT = 29
SEND_BYTES = 16_384


@dataclass
class Serving:
    """What the server does with each connection."""

    data: bytes = b""
    loops: int = 1
    pace_rate: int | None = None  # samples/s to pace at; None: as fast as the client reads
    tuner: int = R820T
    gain_count: int = R820T_GAIN_COUNT
    header: bytes | None = None  # sent instead of the real header (a wrong server)
    linger: bool = False  # after the data, keep the connection open (silent) until stopped
    once: bool = False  # stop listening after the first connection ends


class RtlTcpServer:
    def __init__(self, serving: Serving, port: int = 0) -> None:
        self.serving = serving
        self.port = port
        self.commands: list[tuple[int, int]] = []
        self.connections = 0
        self.bytes_sent = 0  # over every connection
        self.finished = threading.Event()  # a connection sent all its data
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, serving: Serving | None = None) -> RtlTcpServer:
        """Listen (again, on the same port once it is known), optionally serving anew."""
        if serving is not None:
            self.serving = serving
        self._stop.clear()
        self.finished.clear()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(4)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept_loop, listener)
        return self

    def stop(self) -> None:
        """Stop listening and drop every connection."""
        self._stop.set()
        self._close_listener()
        for thread in self._threads:
            thread.join(timeout=5.0)
        self._threads = []

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def __enter__(self) -> RtlTcpServer:
        return self.start() if self._listener is None else self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ internals

    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _close_listener(self) -> None:
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed: stopped
                return
            self.connections += 1
            self._serve(conn, self.serving)
            if self.serving.once:
                self._close_listener()
                return

    def _serve(self, conn: socket.socket, serving: Serving) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        header = serving.header if serving.header is not None else \
            struct.pack(">4sII", b"RTL0", serving.tuner, serving.gain_count)
        reader = threading.Thread(target=self._read_commands, args=(conn,), daemon=True)
        try:
            conn.sendall(header)
            reader.start()
            self._send_data(conn, serving)
            self.finished.set()
            while serving.linger and not self._stop.wait(0.05):
                pass
            # The end of the data, while the client's commands may still be on the way:
            # they are read until the client closes its side.
            conn.shutdown(socket.SHUT_WR)
            while reader.is_alive() and not self._stop.is_set():
                reader.join(timeout=0.05)
        except OSError:
            pass  # the client went
        finally:
            with contextlib.suppress(OSError):  # the client went first
                conn.shutdown(socket.SHUT_RDWR)
            if reader.is_alive():
                reader.join(timeout=5.0)
            conn.close()

    def _send_data(self, conn: socket.socket, serving: Serving) -> None:
        view = memoryview(serving.data)
        started = time.monotonic()
        sent = 0
        for _ in range(serving.loops):
            for k in range(0, len(view), SEND_BYTES):
                if self._stop.is_set():
                    return
                piece = view[k:k + SEND_BYTES]
                conn.sendall(piece)
                sent += len(piece)
                self.bytes_sent += len(piece)
                if serving.pace_rate is not None:
                    due = started + sent / (2 * serving.pace_rate)
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)

    def _read_commands(self, conn: socket.socket) -> None:
        pending = b""
        while True:
            try:
                got = conn.recv(4096)
            except OSError:
                return
            if not got:
                return
            pending += got
            while len(pending) >= 5:
                cmd, value = struct.unpack(">BI", pending[:5])
                self.commands.append((cmd, value))
                pending = pending[5:]
