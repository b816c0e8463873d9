"""The aircraft database file: made from tar1090-db's aircraft.csv (plain or gzip) into a
new file that replaces the old one whole, downloaded from a real HTTP server, and read
through the Registry, which opens nothing before its first lookup."""

from __future__ import annotations

import gzip
import http.server
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adsbwatch.decoder.registry.info import INTERESTING, MILITARY, AircraftInfo
from adsbwatch.receiver.defaults import default_aircraft_db_path
from adsbwatch.receiver.registry import open_registry
from adsbwatch.receiver.registry.database import AircraftDatabase, DatabaseError
from adsbwatch.receiver.registry.importing import ImportFailure, import_file
from adsbwatch.receiver.registry.updating import update

LINES = [
    "484506;PH-GOV;B737;00;BOEING 737-700;2017;Netherlands Government;",
    "3c4b2a;D-AIBL;A319;0;AIRBUS A-319;;Lufthansa;",
    "ae01ce;;C17;1;BOEING C-17 Globemaster III;;United States Air Force;",
    "not a line",
    "a061d9;;C172;01;CESSNA 172;1977;;",
    "",
    "zz1234;X;;0;;;",
]


def write_csv(path: Path, lines: list[str], gzipped: bool) -> Path:
    text = "\n".join(lines) + "\n"
    if gzipped:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def rows_of(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM aircraft ORDER BY address").fetchall()


@pytest.mark.parametrize("gzipped", [False, True])
def test_import_plain_or_gzip_stores_every_good_line(tmp_path: Path, gzipped: bool) -> None:
    # The name says nothing: gzip is told by its magic bytes.
    source = write_csv(tmp_path / "aircraft.csv", LINES, gzipped)
    summary = import_file(source, tmp_path / "aircraft.db")
    assert (summary.aircraft, summary.lines, summary.skipped) == (4, 7, 2)
    assert summary.first_bad == (4, "1 field, not the 4 or more of "
                                    "hex;registration;type;flags;description;year;"
                                    "owner/operator")
    assert rows_of(tmp_path / "aircraft.db") == [
        (0x3C4B2A, "D-AIBL", "A319", "AIRBUS A-319", None, "Lufthansa", 0),
        (0x484506, "PH-GOV", "B737", "BOEING 737-700", "2017", "Netherlands Government", 0),
        (0xA061D9, None, "C172", "CESSNA 172", "1977", None, INTERESTING),
        (0xAE01CE, None, "C17", "BOEING C-17 Globemaster III", None,
         "United States Air Force", MILITARY)]
    assert summary.text(str(source), tmp_path / "aircraft.db").endswith(
        "skipped 2 of 7 lines (the first, line 4: 1 field, not the 4 or more of "
        "hex;registration;type;flags;description;year;owner/operator)")


def test_a_later_line_for_an_address_wins_as_in_readsb(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "a.csv", ["484506;PH-OLD;B737;0;;;",
                                            "484506;PH-GOV;B737;0;;;"], False)
    assert import_file(source, tmp_path / "a.db").aircraft == 1
    assert rows_of(tmp_path / "a.db")[0][1] == "PH-GOV"


def make_db(tmp_path: Path, lines: list[str] = LINES) -> Path:
    target = tmp_path / "aircraft.db"
    import_file(write_csv(tmp_path / "made.csv", lines, True), target)
    return target


@pytest.mark.parametrize("damage", ["truncated", "no aircraft", "not gzip at all"])
def test_a_failed_import_keeps_the_old_database(tmp_path: Path, damage: str) -> None:
    target = make_db(tmp_path)
    before = target.read_bytes()
    whole = gzip.compress(("\n".join(LINES * 2000) + "\n").encode())
    bad = tmp_path / "bad.csv.gz"
    if damage == "truncated":
        bad.write_bytes(whole[: len(whole) // 2])
        message = "the gzip stream is cut off or damaged"
    elif damage == "no aircraft":
        bad.write_bytes(gzip.compress(b"hex;registration\nnothing here\n"))
        message = "no aircraft in its 2 lines (line 1: 2 fields"
    else:
        bad.write_bytes(b"\x1f\x8bnot really gzip" * 10)
        message = "the gzip stream is cut off or damaged"
    with pytest.raises(ImportFailure, match=message.replace("(", r"\(")):
        import_file(bad, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aircraft.db", "bad.csv.gz",
                                                          "made.csv"]  # no temp files left


def test_the_registry_merges_the_row_with_the_builtins(tmp_path: Path) -> None:
    registry = open_registry(make_db(tmp_path))
    assert registry.info(0x484506) == AircraftInfo(
        "PH-GOV", "B737", "BOEING 737-700", "2017", "Netherlands Government", "NL",
        "Netherlands", 0)
    # No registration in the row: the N-number; in a military range: the flag.
    assert registry.info(0xA061D9).registration == "N12345"  # type: ignore[union-attr]
    assert registry.info(0xAE01CE).flags == MILITARY  # type: ignore[union-attr]
    assert registry.info(0x3C0001) == AircraftInfo(country="DE", country_name="Germany")
    assert registry.info(0xF00001) is None
    assert registry.address_of("ph-gov") == 0x484506
    assert registry.address_of("N12345") == 0xA061D9  # from the N-number, not the file
    assert registry.address_of("G-NONE") is None


def test_the_registry_opens_nothing_before_its_first_lookup(tmp_path: Path) -> None:
    path = tmp_path / "aircraft.db"
    said: list[str] = []
    registry = open_registry(path, said.append)
    make_db(tmp_path)  # made after: the registry had not looked yet
    assert registry.database() is not None and said == []
    assert registry.info(0x484506).registration == "PH-GOV"  # type: ignore[union-attr]


def test_a_database_replaced_under_an_open_registry_is_read_as_it_was(tmp_path: Path) -> None:
    registry = open_registry(make_db(tmp_path))
    assert registry.info(0x484506).registration == "PH-GOV"  # type: ignore[union-attr]
    make_db(tmp_path, ["484506;PH-NEW;B737;0;;;"])
    assert registry.info(0x484506).registration == "PH-GOV"  # type: ignore[union-attr]
    assert open_registry(tmp_path / "aircraft.db").info(0x484506).registration == "PH-NEW"  # type: ignore[union-attr]


@pytest.mark.parametrize("content", [None, b"", b"SQLite format 3\x00" + b"\x00" * 200,
                                     b"hello, not a database at all" * 100])
def test_missing_or_corrupt_file_is_one_warning_and_builtins_answer(
        tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "aircraft.db"
    if content is not None:
        path.write_bytes(content)
    said: list[str] = []
    registry = open_registry(path, said.append)
    for _ in range(3):
        assert registry.info(0xA061D9) == AircraftInfo(
            registration="N12345", country="US", country_name="United States")
    assert registry.address_of("N1") == 0xA00001
    assert len(said) == 1 and str(path) in said[0]


def test_a_missing_default_database_is_no_warning(tmp_path: Path) -> None:
    said: list[str] = []
    registry = open_registry(tmp_path / "aircraft.db", said.append, missing_ok=True)
    assert registry.info(0x484506).country == "NL" and said == []  # type: ignore[union-attr]


def test_another_sqlite_file_is_not_read_as_the_database(tmp_path: Path) -> None:
    other = tmp_path / "store.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO about VALUES ('format', 'something-else')")
    with pytest.raises(DatabaseError, match="another format"):
        AircraftDatabase(other)


def test_the_default_place_is_beside_the_store(tmp_path: Path) -> None:
    assert default_aircraft_db_path(str(tmp_path / "x" / "run.db")) == tmp_path / "x" / \
        "aircraft.db"
    assert default_aircraft_db_path("postgresql://u@h/db").name == "aircraft.db"


# ---------------------------------------------------------------------- db update


class Server:
    """A real HTTP server on loopback, in a thread, serving what the test puts in
    `files` (path -> body); `cut` sends only half a body while announcing all of it."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut = False
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if outer.cut else body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


def test_update_downloads_and_imports(tmp_path: Path, server: Server) -> None:
    body = gzip.compress(("\n".join(LINES) + "\n").encode())
    server.files["/aircraft.csv.gz"] = body
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "data" / "aircraft.db"
    summary = update(target, server.url("/aircraft.csv.gz"),
                     lambda done, total: seen.append((done, total)))
    assert summary.aircraft == 4 and seen[-1] == (len(body), len(body))
    database = AircraftDatabase(target)
    assert database.about.source == server.url("/aircraft.csv.gz")
    assert database.about.aircraft == 4
    assert os.listdir(target.parent) == ["aircraft.db"]  # the download is gone


@pytest.mark.parametrize("failure", ["404", "cut", "refused"])
def test_a_failed_update_keeps_the_old_database(tmp_path: Path, server: Server,
                                                failure: str) -> None:
    target = make_db(tmp_path)
    before = target.read_bytes()
    server.files["/aircraft.csv.gz"] = gzip.compress(("\n".join(LINES * 500)).encode())
    url = server.url("/aircraft.csv.gz")
    if failure == "404":
        url, message = server.url("/gone.csv.gz"), "HTTP 404"
    elif failure == "cut":
        server.cut, message = True, "stopped after"
    else:
        url, message = f"http://127.0.0.1:{closed_port()}/aircraft.csv.gz", "cannot download"
    with pytest.raises(ImportFailure, match=message):
        update(target, url)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aircraft.db", "made.csv"]


def closed_port() -> int:
    """A loopback port nobody listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_config_file_and_the_command_line_name_the_database(tmp_path: Path) -> None:
    from adsbwatch.receiver.config import load_station_config

    toml = tmp_path / "station.toml"
    toml.write_text(f'aircraft-db = "{tmp_path / "from-file.db"}"\ndb = "{tmp_path / "s.db"}"\n')
    config = load_station_config("replay", {"file": "x.cu8"}, toml)
    assert config.aircraft_db == config.aircraft_db_path == tmp_path / "from-file.db"
    given = load_station_config("replay", {"file": "x.cu8", "aircraft-db": Path("/a/b.db")},
                                toml)
    assert given.aircraft_db_path == Path("/a/b.db")
    default = load_station_config("live", {"db": str(tmp_path / "s.db")})
    assert default.aircraft_db is None
    assert default.aircraft_db_path == tmp_path / "aircraft.db"
