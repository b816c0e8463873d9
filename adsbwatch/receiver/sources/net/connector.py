"""A TCP client for one `--net-connect` peer: connects, reads, parses, hands frames on.

A reader thread (a blocking socket with a short timeout, so it notices a stop): what
arrives is parsed at once and its frames go, with their arrival time, to `deliver`,
which must not wait. A peer that cannot be reached or goes is tried again with backoff
(core/backoff.py's Retry: FIRST_RETRY_S doubling up to 30 s, as readsb's connectors do;
a connection that does not hold STABLE_S does not start the waits afresh). Each change
is one line: connected (news, through `say`), connection lost or cannot connect
(warnings, through `warn`), once per outage: not once per try, and a lost connection
that cannot be made again at once is still the one outage its "connection lost" line
announced. A peer that closes every connection soon after accepting it is one warning;
its next connections are news only once one of them holds.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable

from adsbwatch.receiver.addresses import NetSpec
from adsbwatch.receiver.core.backoff import FIRST_RETRY_S, LAST_RETRY_S, STABLE_S, Retry
from adsbwatch.receiver.sources.net.avr import AvrParser
from adsbwatch.receiver.sources.net.beast import BeastParser
from adsbwatch.receiver.sources.net.heard import Heard

CONNECT_TIMEOUT_S = 5.0
POLL_S = 0.25  # how often the reader looks up from the socket (a stop, silence)
# A peer silent this long has gone, whatever TCP says (readsb's figure; dump1090 sends
# a heartbeat every 60 s when it has nothing).
SILENCE_S = 120.0
READ_BYTES = 1 << 16

Deliver = Callable[[float, list[Heard]], None]  # (arrival, frames of one read)


def say_on_stderr(message: str) -> None:
    """A status line that is no warning (a connection made), on stderr as it is now (a
    view may have taken it over)."""
    print(f"adsbwatch: {message}", file=sys.stderr)


class Connector:
    def __init__(self, spec: NetSpec, deliver: Deliver, warn: Callable[[str], None],
                 reconnect: bool = True, first_retry_s: float = FIRST_RETRY_S,
                 say: Callable[[str], None] = say_on_stderr,
                 stable_s: float = STABLE_S) -> None:
        self.spec = spec
        self.name = spec.name
        self.deliver = deliver
        self.warn = warn
        self.say = say
        self.reconnect = reconnect
        self.retry = Retry(first_retry_s, stable_s)
        self.parser = AvrParser() if spec.protocol == "avr" else BeastParser()
        self.connects = 0
        self.failure: str | None = None  # why it gave up (without reconnect)
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        """A connection is up now (read from other threads: a view's footer)."""
        return self._sock is not None

    @property
    def done(self) -> bool:
        """The reader has ended (stopped, or gave up without reconnecting)."""
        return self._thread is not None and not self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"net {self.name}",
                                        daemon=True)  # never holds the program's exit
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):  # already gone
                    self._sock.shutdown(socket.SHUT_RDWR)  # wakes the recv at once
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        outage_said = False  # the outage under way has had its line
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.spec.host, self.spec.port),
                                                timeout=CONNECT_TIMEOUT_S)
            except OSError as exc:
                why = _connect_failure(exc)
                if not self.reconnect:
                    self.failure = f"{self.name}: cannot connect ({why})"
                    return
                if not outage_said:
                    self.warn(f"{self.name}: cannot connect ({why}); retrying, the wait "
                              f"doubling up to {LAST_RETRY_S:g} s")
                    outage_said = True
                if self._stop.wait(self.retry.failed()):
                    return
                continue
            self.connects += 1
            self.retry.connected()
            if not self.retry.flapping:
                self.say(f"{self.name}: connected")
            reason = self._pump(sock)
            if self._stop.is_set():
                return
            if not self.reconnect:
                self.failure = f"{self.name}: connection lost ({reason})"
                return
            line = self.retry.loss_line(self.name, reason)
            if line is not None:
                self.warn(line)
            outage_said = True  # this outage is announced: no second line for it
            if self._stop.wait(self.retry.lost()):
                return

    def _pump(self, sock: socket.socket) -> str:
        """Frames from `sock` to `deliver` until the connection goes: why it went."""
        sock.settimeout(POLL_S)
        self.parser.restart()
        with self._lock:
            self._sock = sock
        heard = time.monotonic()
        reason = "stopped"
        try:
            while not self._stop.is_set():
                if self.retry.holds_again():  # after flapping, a connection that holds
                    self.say(f"{self.name}: connected")
                try:
                    data = sock.recv(READ_BYTES)
                except TimeoutError:
                    if time.monotonic() - heard > SILENCE_S:
                        reason = f"nothing for {SILENCE_S:g} s"
                        break
                    continue
                except OSError as exc:
                    reason = exc.strerror or str(exc)
                    break
                if not data:
                    reason = "the peer closed it"
                    break
                heard = time.monotonic()
                frames = self.parser.feed(data)
                if frames:
                    self.deliver(time.time(), frames)
        finally:
            with self._lock:
                self._sock = None
            sock.close()
        return reason


def _connect_failure(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: is the decoder running, its port right?"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host: {exc.strerror}"
    if isinstance(exc, TimeoutError):
        return f"no answer in {CONNECT_TIMEOUT_S:g} s"
    return exc.strerror or str(exc)
