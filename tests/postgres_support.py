"""A real PostgreSQL server for the store's tests: Debian's postgresql (initdb and pg_ctl
from /usr/lib/postgresql/VERSION/bin, which is not on PATH) started once per session in
a temporary folder on a free port of 127.0.0.1, trust authentication, fsync off (tests
need no durability across a machine crash); each test gets a database of its own.
As root the server runs as the `postgres` user (PostgreSQL refuses to run as root).

Missing: the tests skip on a developer's machine and fail in CI (see system_program)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from notify_support import free_port
from support import system_program

PACKAGE = "postgresql"
SERVER_USER = "postgres"


def pg_program(name: str) -> str:
    """initdb or pg_ctl: on PATH, else the newest of Debian's versioned folders."""
    found = shutil.which(name)
    if found is None:
        versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                          key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
        found = str(versions[-1]) if versions else None
    return system_program(found or name, PACKAGE)


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *argv] if os.geteuid() == 0 else argv


class PgServer:
    """A server of its own in `folder` on `port`, started by start() (stopped by stop())."""

    def __init__(self, folder: Path, port: int) -> None:
        self.initdb = pg_program("initdb")
        self.pg_ctl = pg_program("pg_ctl")
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            shutil.chown(folder, SERVER_USER, SERVER_USER)
        self._run([self.initdb, "-D", str(self.data), "-A", "trust", "-U", SERVER_USER,
                   "-E", "UTF8", "--no-locale", "--no-sync"])

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(_as_server_user(argv), capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"{argv[1]}: {done.stderr or done.stdout}"

    def start(self) -> None:
        options = (f"-k {self.folder} -h 127.0.0.1 -p {self.port} -F "
                   "-c max_connections=200 -c full_page_writes=off")
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l",
                   str(self.folder / "server.log"), "-w", "-t", "60", "start"])

    def stop(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        user = SERVER_USER if password is None else f"{SERVER_USER}:{password}"
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new empty database's name."""
        import psycopg

        name = f"store_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def rows(self, database: str, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            return conn.execute(sql).fetchall()


def running_server() -> Iterator[PgServer]:
    """A started server in a new folder of the temp dir (pytest's are private to root,
    which the postgres user cannot enter), stopped and removed after."""
    folder = Path(tempfile.mkdtemp(prefix="adsbwatch-pg-"))
    try:
        server = PgServer(folder, free_port())
        server.start()
        try:
            yield server
        finally:
            if server.running:  # a test that stopped it may have failed before a start
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
