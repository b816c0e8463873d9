"""Running the checkout's adsbwatch on a pseudo-terminal, as a person's terminal would:
a set size, everything it writes there read back, a key or a signal sent once the
screen shows some text."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence

from support import REPO, adsbwatch_command, checkout_env

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")


def plain(text: str) -> str:
    """`text` without terminal control sequences."""
    return ANSI.sub("", text)


def run_in_pty(args: Sequence[str], cols: int = 160, rows: int = 50, *,
               until: str | None = None, then: bytes | signal.Signals | None = None,
               timeout_s: float = 120) -> tuple[int, str]:
    """`adsbwatch ARGS` on a `cols` x `rows` terminal; once `until` is on the screen,
    `then` is typed (bytes) or sent (a signal). Its exit status and all it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = checkout_env({"TERM": "xterm-256color"})
    for sized in ("COLUMNS", "LINES"):  # rich would believe these over the terminal
        env.pop(sized, None)
    proc = subprocess.Popen([*adsbwatch_command(), *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=REPO, start_new_session=True)
    os.close(slave)
    chunks: list[bytes] = []
    waiting = until
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the program closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            if waiting is not None and waiting in plain(b"".join(chunks).decode("utf-8",
                                                                              "replace")):
                waiting = None
                if isinstance(then, bytes):
                    os.write(master, then)
                elif then is not None:
                    proc.send_signal(then)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return rc, b"".join(chunks).decode("utf-8", "replace")
