"""The TCP server and the push connector on a real network loop, with real sockets:
a client that never reads is dropped without holding up the others, which get every
byte; clients leaving are counted; heartbeats when idle; a port in use is one error
naming the option; clients past a port's limit or the run's are turned away with one
line, stuck clients share one budget, a port out of open files pauses instead of
spinning; the connector reconnects, bounds its queue and says what it could not send.
And the options: what they turn on, and --print-config reading back."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import threading
import time
from pathlib import Path

import pytest

from adsbwatch.receiver.addresses import PushSpec, parse_push_spec
from adsbwatch.receiver.cli.config import config_from_args
from adsbwatch.receiver.cli.main import build_parser, main
from adsbwatch.receiver.config import StationConfig
from adsbwatch.receiver.core.network import NetworkThread
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.outputs.net.limits import ClientLimits
from adsbwatch.receiver.outputs.net.push import BeastPush
from adsbwatch.receiver.outputs.net.server import TcpServer

HEARTBEAT = b"<3"


def started(network: NetworkThread, warnings: list[str], **kwargs) -> TcpServer:  # noqa: ANN003
    server = TcpServer("Beast output", "--beast-port", "127.0.0.1", 0, HEARTBEAT,
                       warnings.append, **kwargs)
    server.start(network)
    return server


def connect(port: int) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    return client


def wait_for(condition, timeout: float = 10.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def read_all(client: socket.socket, into: bytearray) -> None:
    while chunk := client.recv(65536):
        into += chunk


def stuck_client(port: int) -> socket.socket:
    """A client that never reads, with a small receive buffer."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(("127.0.0.1", port))
    return client


def reading_client(port: int) -> tuple[socket.socket, bytearray, threading.Thread]:
    """A client reading everything into its bytearray, in a thread of its own."""
    client = connect(port)
    received = bytearray()
    thread = threading.Thread(target=read_all, args=(client, received))
    thread.start()
    return client, received, thread


def send_all_at_a_rate(server: TcpServer, megabytes: int, received: bytearray) -> None:
    """`megabytes` of numbered chunks, sent as batches come (here 40 MB/s, not all at
    once, never waiting on a client); then waits for `received` to hold all of them."""
    chunks = [bytes([i % 251]) * 20_000 for i in range(50 * megabytes)]
    for chunk in chunks:
        server.send(chunk)
        time.sleep(0.0005)
    wait_for(lambda: len(received) == sum(map(len, chunks)), timeout=60)
    assert bytes(received) == b"".join(chunks)


def test_a_client_that_never_reads_is_dropped_and_the_other_gets_every_byte(
        network: NetworkThread, warnings: list[str]) -> None:
    server = started(network, warnings, limit_bytes=1 << 20)
    stuck = stuck_client(server.port)
    reader, received, thread = reading_client(server.port)
    try:
        wait_for(lambda: server.clients == 2)
        send_all_at_a_rate(server, 20, received)
        assert server.stats.dropped == 1 and server.clients == 1
        assert len(warnings) == 1, warnings
        assert warnings[0].startswith("Beast output: client 127.0.0.1:")
        assert warnings[0].endswith(" fell 1 MB behind (not reading?); dropped it, the "
                                    "other clients go on")
    finally:
        server.close()
        thread.join(10)
        stuck.close()
        reader.close()
    assert not thread.is_alive()  # the close ended the reader's stream


def test_clients_leaving_are_counted_without_a_word(network, warnings) -> None:  # noqa: ANN001
    server = started(network, warnings)
    try:
        clients = [connect(server.port) for _ in range(3)]
        wait_for(lambda: server.stats.accepted == 3)
        clients[0].close()
        clients[1].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        clients[1].close()  # a reset, not a goodbye
        wait_for(lambda: server.stats.left == 2)
        server.send(b"still here")
        clients[2].settimeout(10)
        assert clients[2].recv(100) == b"still here"
        assert server.clients == 1 and warnings == []
    finally:
        server.close()
        clients[2].close()


def test_an_idle_server_sends_heartbeats(network, warnings) -> None:  # noqa: ANN001
    server = started(network, warnings, heartbeat_s=0.2)
    client = connect(server.port)
    try:
        client.settimeout(10)
        assert client.recv(100).startswith(HEARTBEAT)
        server.send(b"frames")
        data = b""
        while b"frames" not in data:
            data += client.recv(100)
    finally:
        server.close()
        client.close()


def test_closing_sends_what_is_queued_then_ends_the_stream(network, warnings) -> None:  # noqa: ANN001
    server = started(network, warnings)
    client = connect(server.port)
    wait_for(lambda: server.clients == 1)
    payload = bytes(range(256)) * 4000
    server.send(payload)
    server.close()
    received = bytearray()
    read_all(client, received)
    client.close()
    assert bytes(received) == payload and warnings == []


def test_a_port_in_use_is_one_error_naming_the_option(network, warnings) -> None:  # noqa: ANN001
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        server = TcpServer("SBS output", "--sbs-port", "127.0.0.1", port, b"\r\n",
                           warnings.append)
        with pytest.raises(RuntimeFailure) as failed:
            server.start(network)
        assert str(failed.value) == (
            f"--sbs-port {port}: cannot listen on 127.0.0.1:{port} (address already in "
            "use); choose another port, or 0 to turn the SBS output off")
    finally:
        taken.close()


def refused(client: socket.socket) -> bool:
    """Whether the server closed `client` without a byte (how a port turns one away)."""
    client.settimeout(10)
    try:
        return client.recv(100) == b""
    except ConnectionResetError:
        return True


def test_500_clients_each_get_every_byte(network, warnings) -> None:  # noqa: ANN001
    """Kept so (t11): 500 clients at once, all served from one loop."""
    server = started(network, warnings)
    clients = [connect(server.port) for _ in range(500)]
    try:
        wait_for(lambda: server.clients == 500)
        payload = bytes(range(256)) * 40  # 10 kB, sent in 10 batches
        for i in range(10):
            server.send(payload[i * 1024:(i + 1) * 1024])
        for client in clients:
            received = b""
            while len(received) < len(payload):
                received += client.recv(65536)
            assert received == payload
        assert warnings == [] and server.stats.dropped == 0
    finally:
        server.close()
        for client in clients:
            client.close()


def test_past_its_limit_a_port_turns_clients_away_with_one_line(network, warnings) -> None:  # noqa: ANN001
    server = started(network, warnings, limits=ClientLimits(per_port=3))
    kept = [connect(server.port) for _ in range(3)]
    wait_for(lambda: server.clients == 3)
    away = [connect(server.port) for _ in range(5)]
    try:
        assert all(refused(client) for client in away)
        assert (server.clients, server.listener.refused) == (3, 5)
        first = away[0].getsockname()[1]
        assert warnings == [f"Beast output: refused a client from 127.0.0.1:{first}: it has 3 "
                            "clients, its limit (--max-clients)"]
        kept[0].close()  # one leaves: there is room again
        wait_for(lambda: server.clients == 2)
        late = connect(server.port)
        wait_for(lambda: server.clients == 3)
        server.send(b"frames")
        late.settimeout(10)
        assert late.recv(100) == b"frames"
    finally:
        server.close()
        for client in [*kept, *away, late]:
            client.close()


def test_a_flood_on_one_port_leaves_room_for_the_others(network, warnings) -> None:  # noqa: ANN001
    limits = ClientLimits(total=40)  # what 40 files more than the run's own allow
    beast = started(network, warnings, limits=limits)
    sbs = TcpServer("SBS output", "--sbs-port", "127.0.0.1", 0, b"\r\n", warnings.append,
                    limits=limits)
    sbs.start(network)
    flood = [connect(beast.port) for _ in range(60)]
    try:
        wait_for(lambda: beast.clients + beast.listener.refused == 60)
        # 10 places (a quarter of the 40, two ports) stay for the SBS port.
        assert beast.clients == 30
        readers = [connect(sbs.port) for _ in range(10)]
        wait_for(lambda: sbs.clients == 10)
        one_more = connect(sbs.port)
        assert refused(one_more)  # now every port together is at the limit
        said = [w.split(": ", 2)[2] for w in warnings]
        assert said == ["all ports have 30 clients, what the open-files limit allows "
                        "(raise LimitNOFILE or ulimit -n)",
                        "all ports have 40 clients, what the open-files limit allows "
                        "(raise LimitNOFILE or ulimit -n)"]
        sbs.send(b"MSG,3\r\n")
        for reader in readers:
            reader.settimeout(10)
            assert reader.recv(100) == b"MSG,3\r\n"
    finally:
        beast.close()
        sbs.close()
        for client in [*flood, *readers, one_more]:
            client.close()


def test_clients_that_stop_reading_share_one_budget(network, warnings) -> None:  # noqa: ANN001
    """M1 of the hostile probe: each stuck client held up to 4 MB, 400 of them 1.44 GB.
    Here 19 stuck clients and a reader share 2 MB: each is dropped past 1/20 of it."""
    server = started(network, warnings, limits=ClientLimits(buffer_budget=2 << 20))
    stuck = [stuck_client(server.port) for _ in range(19)]
    reader, received, thread = reading_client(server.port)
    try:
        wait_for(lambda: server.clients == 20)
        send_all_at_a_rate(server, 10, received)
        assert server.stats.dropped == 19 and server.clients == 1
        # One line for all of them, the first one's: 2 MB / 20 clients each.
        assert len(warnings) == 1
        assert warnings[0].startswith("Beast output: client 127.0.0.1:")
        assert warnings[0].endswith(" fell 102 kB behind, its share of the 2 MB all 20 "
                                    "clients may hold (not reading?); dropped it, the "
                                    "other clients go on")
    finally:
        server.close()
        thread.join(10)
        for client in [*stuck, reader]:
            client.close()


def test_a_client_that_takes_nothing_for_the_stall_time_is_dropped(network, warnings) -> None:  # noqa: ANN001
    room = 16 << 20  # its share would not drop it: only the stall does
    server = started(network, warnings, stall_s=0.5, limit_bytes=room,
                     limits=ClientLimits(client_buffer=room))
    stuck = stuck_client(server.port)
    port = stuck.getsockname()[1]
    try:
        wait_for(lambda: server.clients == 1)
        for _ in range(80):
            server.send(bytes(100_000))  # 8 MB: past what the kernel holds for it
        wait_for(lambda: server.stats.dropped == 1)
        assert warnings == [f"Beast output: client 127.0.0.1:{port} took nothing of what "
                            "waits for it for 0.5 s; dropped it, the other clients go on"]
    finally:
        server.close()
        stuck.close()


def test_out_of_open_files_a_port_pauses_and_says_so_once(network, warnings) -> None:  # noqa: ANN001
    """H4 of the hostile probe: asyncio's accept loop, out of files, multiplied its own
    retries into a storm of tracebacks (2.9 MB/s of stderr, half a core)."""
    server = started(network, warnings, limits=ClientLimits(total=1_000_000))
    clients = [socket.socket() for _ in range(12)]  # their files made while there is room
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    open_now = len(os.listdir("/proc/self/fd")) - 1  # less the one that listed them
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 4, hard))
    try:
        for client in clients:
            client.connect(("127.0.0.1", server.port))  # the kernel's backlog takes them
        wait_for(lambda: server.listener.accept_failures >= 1)
        time.sleep(2.5)
        failures, taken = server.listener.accept_failures, server.clients
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        assert 1 <= taken < 12  # as many as there were files for (about 4)
        assert 1 <= failures <= 4  # one try a second, not thousands
        wait_for(lambda: server.clients == 12)  # files again: the rest are taken
        assert warnings == ["Beast output: cannot accept clients (too many open files); "
                            "trying again every 1 s (raise LimitNOFILE or lower "
                            "--max-clients)"]
    finally:
        server.close()
        for client in clients:
            client.close()


# ------------------------------------------------------------------ push connector


class Peer:
    """A Beast input on loopback: accepts connections, keeps what each one sent."""

    def __init__(self, port: int = 0) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.connections: list[tuple[socket.socket, bytearray]] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            data = bytearray()
            self.connections.append((conn, data))
            threading.Thread(target=self._read, args=(conn, data), daemon=True).start()

    @staticmethod
    def _read(conn: socket.socket, into: bytearray) -> None:
        with contextlib.suppress(OSError):
            read_all(conn, into)

    def close(self) -> None:
        # shutdown first: a socket closed while another thread reads it says nothing
        for sock in [self.listener, *(conn for conn, _ in self.connections)]:
            with contextlib.suppress(OSError):  # not connected (the listener)
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def test_push_sends_reconnects_after_the_peer_goes_and_flushes_at_the_end(
        network, warnings) -> None:  # noqa: ANN001
    peer = Peer()
    push = BeastPush(parse_push_spec(f"127.0.0.1:{peer.port}:beast"), warnings.append)
    push.start(network)
    try:
        push.send(b"\x1a2first", 1)
        wait_for(lambda: peer.connections and bytes(peer.connections[0][1]) == b"\x1a2first")
        port = peer.port
        peer.close()  # the peer goes away...
        wait_for(lambda: not push.connected)
        push.send(b"\x1a2while-away", 1)  # ...frames wait for it...
        peer = Peer(port)  # ...and it comes back on the same port
        wait_for(lambda: peer.connections and b"while-away" in peer.connections[0][1])
        push.send(b"\x1a2last", 1)
        push.close()
        wait_for(lambda: bytes(peer.connections[0][1]).endswith(b"\x1a2last"))
        assert push.stats.connects == 2 and push.stats.frames_sent == 3
        assert any("connection lost (closed by the peer); reconnecting" in w
                   for w in warnings)
        assert not any("could not send" in w for w in warnings)
    finally:
        peer.close()


def test_push_with_no_peer_bounds_its_queue_and_says_what_was_not_sent(
        network, warnings) -> None:  # noqa: ANN001
    nobody = socket.socket()
    nobody.bind(("127.0.0.1", 0))
    port = nobody.getsockname()[1]  # bound, not listening: connections are refused
    push = BeastPush(parse_push_spec(f"127.0.0.1:{port}"), warnings.append,
                     limit_bytes=1000)
    push.start(network)
    try:
        for _ in range(50):
            push.send(b"\x1a2" + bytes(98), 4)  # 100 bytes, "4 frames" each
        push.close(wait_s=0.2)
    finally:
        nobody.close()
    assert push.stats.frames_dropped == 40 * 4  # the queue keeps the newest 1000 bytes
    # the loop's first refusal and the queue's overflow race: either may be said first
    assert (f"Beast push to 127.0.0.1:{port}: cannot connect (connection refused); trying "
            "again, at most every 30 s") in warnings
    assert [w for w in warnings if "dropping the oldest" in w] == [
        f"Beast push to 127.0.0.1:{port}: 1000 bytes of frames waiting; dropping the oldest "
        "until the peer takes them"]
    assert warnings[-1] == (f"Beast push to 127.0.0.1:{port}: could not send everything "
                            "before exit: 40 frames still queued (not connected); 160 "
                            "frames dropped earlier (the queue was full)")


def test_push_to_a_peer_that_stops_reading_drops_the_oldest_and_says_so(
        network, warnings) -> None:  # noqa: ANN001
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    push = BeastPush(parse_push_spec(f"127.0.0.1:{listener.getsockname()[1]}"),
                     warnings.append, limit_bytes=1 << 20)
    push.start(network)
    conn, _ = listener.accept()  # and never read from
    try:
        wait_for(lambda: push.connected)
        for _ in range(200):
            push.send(bytes(100_000), 1000)  # 20 MB in all, "1000 frames" each
            time.sleep(0.001)
        push.close(wait_s=0.2)
    finally:
        conn.close()
        listener.close()
    assert push.stats.frames_dropped >= 100_000  # most of it: the kernel took a few MB
    assert sum("1 MB of frames waiting; dropping the oldest" in w for w in warnings) == 1
    last = warnings[-1]
    assert last.startswith(f"{push.name}: could not send everything before exit: ")
    assert "frames still queued (connected)" in last and "bytes the peer had not taken" in last
    assert f"{push.stats.frames_dropped} frames dropped earlier (the queue was full)" in last


@pytest.mark.parametrize("text", ["127.0.0.1", "host:port:beast", "h:30004:avr", ":1:beast",
                                  "h:70000:beast"])
def test_push_specs_that_are_not_host_port_beast(text: str) -> None:
    with pytest.raises(ValueError, match="is not HOST:PORT:beast"):
        parse_push_spec(text)


def test_push_spec_spellings() -> None:
    assert parse_push_spec("[::1]:30004:BEAST").text == "[::1]:30004:beast"
    assert parse_push_spec("feed.example:30004").text == "feed.example:30004:beast"


# ------------------------------------------------------------------------ options
# (which servers --net and the port options turn on: tests/receiver/test_config.py)


def config_of(*argv: str) -> StationConfig:
    return config_from_args(build_parser().parse_args(list(argv)))


def test_a_bad_port_is_a_usage_error(capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as stopped:
        config_of("live", "--beast-port", "65536")
    assert stopped.value.code == 2
    assert "'65536' is not a port (0 to 65535)" in capsys.readouterr().err


def test_the_options_read_back_from_print_config(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    argv = ["--net", "--beast-port", "40005", "--avr-port", "0", "--sbs-port", "40003",
            "--net-bind", "0.0.0.0", "--avr-timestamps", "--net-push", "[::1]:30004",
            "--net-push", "feed.example:30004:beast"]
    assert main(["live", *argv, "--print-config"]) == 0
    path = tmp_path / "net.toml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    back = config_of("live", "--config", str(path)).outputs
    assert (back.beast_port, back.avr_port, back.sbs_port, back.net_bind,
            back.avr_timestamps, back.net_push) == (
        40005, None, 40003, "0.0.0.0", True,
        (PushSpec("::1", 30004), PushSpec("feed.example", 30004)))
