"""The HTTP server's guards, on a real network loop with raw sockets: a request whose
headers trickle in is cut off while others are served, a polling page keeps its
connection, clients past the limit get 503, malformed requests are one line without a
traceback, and a Host that is not one of the server's names gets 421 (DNS rebinding)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from adsbwatch.receiver.core.network import NetworkThread
from adsbwatch.receiver.outputs.http.app import make_app
from adsbwatch.receiver.outputs.http.documents import Published, encode
from adsbwatch.receiver.outputs.http.service import HttpService
from adsbwatch.receiver.outputs.net.limits import ClientLimits

AIRCRAFT = encode({"now": 1.0, "messages": 0, "aircraft": []})


@pytest.fixture
def serving(network: NetworkThread, warnings: list[str]) -> Iterator:
    services: list[HttpService] = []

    def start(documents: dict[str, bytes] | None = None, **options: object) -> HttpService:
        published = Published({"aircraft.json": AIRCRAFT, **(documents or {})})
        app = make_app(published, None, db_path=None, receiver=None, tiles=None)
        service = HttpService(network, app, "127.0.0.1", 0, warn=warnings.append,
                              **options)  # type: ignore[arg-type]
        services.append(service)
        return service

    try:
        yield start
    finally:
        for service in services:
            service.stop()


def connect(service: HttpService) -> socket.socket:
    return socket.create_connection(("127.0.0.1", service.port), timeout=10)


def exchange(service: HttpService, request: bytes) -> bytes:
    """What the server answers `request` on a connection of its own, until it closes."""
    with connect(service) as client:
        client.sendall(request)
        return read_to_end(client)


def read_to_end(client: socket.socket) -> bytes:
    answer = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := client.recv(65536):
            answer += chunk
    return answer


def get(path: str, host: str = "127.0.0.1", close: bool = True) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n" + ("Connection: close\r\n" if close
            else "") + "\r\n").encode()


def status(answer: bytes) -> str:
    return answer.split(b"\r\n", 1)[0].decode()


def body(answer: bytes) -> bytes:
    return answer.split(b"\r\n\r\n", 1)[1]


def test_a_request_that_trickles_in_is_cut_off_and_others_are_served(serving) -> None:  # noqa: ANN001
    """H4 (t41) of the hostile probe: 300 connections sending a header byte every 5 s
    were held for good; aiohttp has no header timeout."""
    service = serving(idle_s=0.5)
    slow = connect(service)
    slow.sendall(b"GET /data/aircraft.json HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    stop = threading.Event()

    def trickle() -> None:
        with contextlib.suppress(OSError):
            while not stop.wait(0.1):
                slow.sendall(b"X")  # a header line that never ends

    thread = threading.Thread(target=trickle)
    thread.start()
    try:
        assert read_to_end(slow) == b""  # cut off, not answered
        answer = exchange(service, get("/data/aircraft.json"))
        assert status(answer) == "HTTP/1.1 200 OK" and body(answer) == AIRCRAFT
    finally:
        stop.set()
        thread.join(10)
        slow.close()


def test_a_polling_page_keeps_its_connection_until_it_idles(serving) -> None:  # noqa: ANN001
    service = serving(idle_s=0.5)
    with connect(service) as client:
        for _ in range(8):  # a poll every 0.2 s, each well within the deadline
            client.sendall(get("/data/aircraft.json", close=False))
            answer = b""
            while not answer.endswith(AIRCRAFT):
                answer += client.recv(65536)
            assert status(answer) == "HTTP/1.1 200 OK"
            time.sleep(0.2)
        assert read_to_end(client) == b""  # then idle: closed


def test_a_response_the_client_does_not_take_is_dropped_at_the_deadline(serving) -> None:  # noqa: ANN001
    big = bytes(8 << 20)  # more than the kernel holds for a client that does not read
    service = serving(idle_s=0.5, documents={"big.json": big})
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(("127.0.0.1", service.port))
    try:
        stuck.sendall(get("/data/big.json"))
        deadline = time.monotonic() + 10
        while service.deadlines.expired == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.deadlines.expired == 1
        assert service.listener.limits.clients == 0  # its file is free again
        assert len(read_to_end(stuck)) < len(big)  # it never had the whole answer
    finally:
        stuck.close()


def test_past_its_limit_http_answers_503_and_closes(serving, warnings) -> None:  # noqa: ANN001
    service = serving(limits=ClientLimits(per_port=2))
    held = [connect(service) for _ in range(2)]
    try:
        # Held connections are counted once accepted: a request on each says so.
        for client in held:
            client.sendall(get("/data/aircraft.json", close=False))
            assert client.recv(65536).startswith(b"HTTP/1.1 200 OK")
        third = connect(service)
        port = third.getsockname()[1]
        answer = read_to_end(third)
        assert status(answer) == "HTTP/1.1 503 Service Unavailable"
        assert body(answer) == b"too many connections: try again later\n"
        assert warnings == [f"HTTP: refused a client from 127.0.0.1:{port}: it has 2 "
                            "clients, its limit (--max-clients)"]
    finally:
        for client in held:
            client.close()


def test_malformed_requests_are_400s_and_one_line_without_a_traceback(
        serving, warnings, capfd) -> None:  # noqa: ANN001
    """L2 (t40, t41) of the hostile probe: each malformed request wrote a traceback
    (778 bytes of stderr each)."""
    service = serving()
    for _ in range(30):
        answer = exchange(service, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        assert status(answer) == "HTTP/1.0 400 Bad Request"
    huge_line = exchange(service, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: "
                         + b"a" * (1 << 20) + b"\r\n\r\n")
    assert status(huge_line) == "HTTP/1.0 400 Bad Request"
    many = exchange(service, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + b"".join(b"X%d: y\r\n" % i for i in range(10_000)) + b"\r\n")
    assert status(many) == "HTTP/1.0 400 Bad Request"
    assert warnings == ["HTTP: answered 400 to a malformed request from 127.0.0.1 "
                        "(Duplicate 'Host' header found.)"]
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # nothing else, no traceback


def test_only_the_servers_own_names_are_answered(serving, warnings) -> None:  # noqa: ANN001
    """L3 (t41) of the hostile probe: any Host was served, so a page of another domain
    resolved to this address (DNS rebinding) could read /api/* and /data/*."""
    service = serving()
    here = f"127.0.0.1:{service.port}"
    for host in (here, "127.0.0.1", f"localhost:{service.port}", "LOCALHOST.",
                 f"[::1]:{service.port}", "192.168.1.20:8080", socket.gethostname(),
                 f"{socket.gethostname()}.local:{service.port}", "app.localhost"):
        answer = exchange(service, get("/data/aircraft.json", host))
        assert status(answer) == "HTTP/1.1 200 OK", host
    for host in ("evil.example", f"evil.example:{service.port}", "127.0.0.1.evil.example",
                 "localhost.evil.example", "a:b:c"):
        answer = exchange(service, get("/data/aircraft.json", host))
        assert status(answer) == "HTTP/1.1 421 Misdirected Request", host
        assert AIRCRAFT not in answer
    assert body(exchange(service, get("/", "evil.example"))) == (
        b"adsbwatch does not answer to 'evil.example' here; its --http-host setting names "
        b"the hosts it does\n")
    assert warnings == ["HTTP: refused a request for 'evil.example' from 127.0.0.1: not a "
                        "name of this server (--http-host NAME adds one)"]


TRAVERSALS = ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
              "/static/..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/%252e%252e/etc/passwd",
              "/static/leaflet/../../../../../../etc/passwd", "/static/..\\..\\etc\\passwd",
              "/static/%00/etc/passwd", "//etc/passwd", "/../../etc/passwd",
              "/data/../../../etc/passwd", "/data/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "/static/../routes.py", "/static/%2e%2e/api.py"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_leaves_the_static_folders(serving, path: str) -> None:  # noqa: ANN001
    """Kept so: raw request lines, as no client library would normalise them."""
    answer = exchange(serving(), get(path))
    assert status(answer).split()[1] in ("400", "403", "404"), answer[:200]
    assert b"root:" not in answer and b"def add_web_routes" not in answer


def test_http_host_adds_names_and_a_star_any(serving) -> None:  # noqa: ANN001
    named = serving(hosts=("adsb.home.example",))
    assert status(exchange(named, get("/", "ADSB.home.example:80"))) == "HTTP/1.1 200 OK"
    assert status(exchange(named, get("/", "other.example"))) == \
        "HTTP/1.1 421 Misdirected Request"
    anyone = serving(hosts=("*",))
    assert status(exchange(anyone, get("/", "other.example"))) == "HTTP/1.1 200 OK"
