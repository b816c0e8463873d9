"""Real peers for the network-input tests: dump1090-mutability (Debian's package) playing
a recording, tiny TCP servers that send given bytes, and `adsbwatch live` running."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from support import Running, system_program

DUMP1090 = "dump1090-mutability"
CU8_SILENCE = b"\x7f\x80"  # one cu8 sample at zero
RATE = 2_400_000  # what dump1090-mutability assumes for --ifile


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Live(Running):
    """`adsbwatch live ARGS` running, its stderr read as it comes."""

    def __init__(self, *args: str) -> None:
        super().__init__(["live", *args])

    def wait_for(self, text: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not any(text in line for line in self.lines):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise AssertionError(f"no line with {text!r}; stderr: {self.lines}")
            time.sleep(0.05)

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, and what it wrote: (status, stdout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)  # its stdout is a table and a line or two
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        self._reader.join(timeout=5)
        return self.proc.returncode, out


def need_dump1090() -> str:
    return system_program(DUMP1090, DUMP1090)


def padded_recording(recording: Path, out: Path, silence_s: float) -> Path:
    """`recording` after `silence_s` of silence: a peer started with it serves nothing
    until a client had time to connect."""
    with out.open("wb") as f:
        f.write(CU8_SILENCE * int(silence_s * RATE))
        f.write(recording.read_bytes())
    return out


def dump1090_avr(recording: Path) -> list[bytes]:
    """The frames dump1090-mutability finds in a 2.4 MS/s cu8 recording, from its own
    AVR output (`--raw` on stdout)."""
    result = subprocess.run([need_dump1090(), "--ifile", str(recording), "--raw",
                             *no_network()], capture_output=True, timeout=120, check=True)
    return [bytes.fromhex(line[1:-1].decode()) for line in result.stdout.split()
            if line.startswith(b"*") and line.endswith(b";")]


def no_network() -> list[str]:
    """Every listening port of dump1090 off (other tests run beside this one)."""
    return ["--net-ro-port", "0", "--net-ri-port", "0", "--net-bo-port", "0",
            "--net-bi-port", "0", "--net-sbs-port", "0"]


@contextlib.contextmanager
def dump1090_beast_server(recording: Path, port: int) -> Iterator[subprocess.Popen]:
    """dump1090-mutability playing `recording` in real time with Beast out on `port`;
    stopped on leaving, whatever happened."""
    command = [need_dump1090(), "--ifile", str(recording), "--throttle", "--net",
               "--net-bind-address", "127.0.0.1", "--quiet",
               "--net-ro-port", "0", "--net-ri-port", "0", "--net-bi-port", "0",
               "--net-sbs-port", "0", "--net-bo-port", str(port)]  # only Beast out
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def wait_listening(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {timeout_s} s")


class ByteServer:
    """A TCP server on a free port that sends each client what `payload()` gives (or
    lets `sender(conn)` send it), then closes the connection, after `linger_s` if
    given. Counts its clients; `finished` once one client was served to the end."""

    def __init__(self, payload: Callable[[], bytes] | None = None, *,
                 sender: Callable[[socket.socket], None] | None = None,
                 linger_s: float = 0.0, chunk: int = 0, port: int = 0) -> None:
        self.payload = payload
        self.sender = sender
        self.linger_s = linger_s
        self.chunk = chunk  # send in pieces this big (0: at once)
        self.clients = 0
        self.finished = False
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port = int(self._sock.getsockname()[1])
        self._sock.listen()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.clients += 1
            with conn, contextlib.suppress(OSError):
                if self.sender is not None:
                    self.sender(conn)
                else:
                    self._send(conn)
                self.finished = True
                self._stop.wait(self.linger_s)

    def _send(self, conn: socket.socket) -> None:
        assert self.payload is not None
        data = self.payload()
        step = self.chunk or max(len(data), 1)
        for i in range(0, len(data), step):
            conn.sendall(data[i:i + step])
            if self.chunk:
                time.sleep(0.001)

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)
