"""CPU of the Beast output: a replay with 10 connected, reading clients against the same
replay with none, in interleaved rounds (the order swapped every round, so the load of a
shared machine hits both alike).

    python benchmarks/net_clients.py --rounds 5

The input is the simulated 150-aircraft scene (`adsbwatch simulate busy.cu8 --scene
benchmark --aircraft 150 --duration 60`, written first if --recording is absent), piped
(--loops times) into `adsbwatch replay - --raw --beast-port P` (a pipe, so that every client is
connected before the first sample; stdout to /dev/null). The clients are threads of this
process reading until the end; CPU = user + sys of the adsbwatch process over its whole
life (os.wait4). Each run checks that every client got the same bytes and that they
hold every frame the run reported. Reports per-round CPU and the median ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import adsbwatch_command, checkout_env  # noqa: E402

DEFAULT_RECORDING = ROOT / "benchmarks" / "work" / "net_clients" / "busy.cu8"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"adsbwatch exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listening on {port}")


def collect(sock: socket.socket, into: bytearray) -> None:
    with contextlib.suppress(OSError):
        while chunk := sock.recv(1 << 16):
            into += chunk


def frames_in(stream: bytes) -> int:
    """Beast records of type 2 or 3 in `stream` (pyModeS' parser, as `modes live`)."""
    from pyModeS.cli._source import _parse_beast_buffer

    frames, rest = _parse_beast_buffer(stream)
    if rest:
        raise SystemExit(f"{len(rest)} bytes left unparsed")
    return len(frames)


def one_run(recording: Path, clients: int, loops: int = 1) -> tuple[float, int, list[int]]:
    """CPU seconds of the adsbwatch process, the frames it reported, bytes per client."""
    port = free_port()
    proc = subprocess.Popen(
        [*adsbwatch_command(), "replay", "-", "--raw", "--beast-port", str(port)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=checkout_env())
    assert proc.stdin is not None and proc.stderr is not None
    wait_listening(port, proc)
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(clients)]
    got = [bytearray() for _ in socks]
    err = bytearray()
    stderr = proc.stderr
    threads = [threading.Thread(target=collect, args=(s, g)) for s, g in zip(socks, got,
                                                                          strict=True)]
    threads.append(threading.Thread(target=lambda: err.extend(stderr.read())))
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the server has accepted them all before the first sample
    for _ in range(loops):
        with recording.open("rb") as samples:
            shutil.copyfileobj(samples, proc.stdin, 1 << 20)
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join(60)
    for s in socks:
        s.close()
    text = err.decode()
    if proc.returncode != 0 or "warning" in text:
        raise SystemExit(f"run failed ({proc.returncode}): {text}")
    frames = int(text.split("adsbwatch: ", 1)[1].split(" frames", 1)[0])
    sizes = [len(g) for g in got]
    if got:
        if len(set(sizes)) != 1:
            raise SystemExit(f"clients got different byte counts: {sizes}")
        if frames_in(bytes(got[0])) != frames:
            raise SystemExit(f"a client got {frames_in(bytes(got[0]))} frames of {frames}")
    return usage.ru_utime + usage.ru_stime, frames, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recording", type=Path, default=DEFAULT_RECORDING)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--loops", type=int, default=3,
                        help="the recording piped in this many times (default 3: 180 s)")
    args = parser.parse_args()
    if not args.recording.is_file():
        args.recording.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([*adsbwatch_command(), "simulate", str(args.recording), "--scene",
                        "benchmark", "--aircraft", "150", "--duration", "60"],
                       env=checkout_env(), check=True)
    one_run(args.recording, 0)  # warm the kernel cache and the page cache
    ratios: list[float] = []
    extra: list[float] = []  # CPU seconds the clients cost
    print(f"round | CPU s, 0 clients | CPU s, {args.clients} clients | ratio | frames "
          "| MB per client")
    for r in range(args.rounds):
        order = (0, args.clients) if r % 2 == 0 else (args.clients, 0)
        cpu: dict[int, float] = {}
        for n in order:
            cpu[n], frames, sizes = one_run(args.recording, n, args.loops)
            if n:
                per_client = sizes[0] / 1e6
        ratio = cpu[args.clients] / cpu[0]
        ratios.append(ratio)
        extra.append(cpu[args.clients] - cpu[0])
        print(f"{r + 1} | {cpu[0]:.2f} | {cpu[args.clients]:.2f} | {ratio:.3f} | {frames} "
              f"| {per_client:.2f}", flush=True)
    print(f"median ratio {statistics.median(ratios):.3f} (min {min(ratios):.3f}, "
          f"max {max(ratios):.3f}) over {args.rounds} rounds; median extra CPU "
          f"{statistics.median(extra):+.2f} s")


if __name__ == "__main__":
    main()
