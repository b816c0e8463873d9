"""The commands on a PostgreSQL store named by a URL with a password: it never appears
on stdout or stderr, whatever the line (a summary, a restore, a fault), and the faults
are one line with their exit status: a server not there 1, a database not there 2."""

from __future__ import annotations

import pytest
from support import REPO, run_adsbwatch

PASSWORD = "s3cret-pw"


def _with_password(url: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")


def _clean(done) -> str:  # noqa: ANN001 - a CompletedProcess
    text = done.stdout + done.stderr
    assert PASSWORD not in text
    return text


def test_no_line_of_a_run_shows_the_password(pg_url: str, tmp_path) -> None:  # noqa: ANN001
    url = _with_password(pg_url)
    shown = pg_url
    empty = run_adsbwatch("watchlist", "list", "--db", url)
    assert empty.returncode == 0
    assert f"no store at {shown} yet" in _clean(empty)
    added = run_adsbwatch("watchlist", "add", "484506", "--db", url)
    assert (added.returncode, _clean(added)) == (0, "watching 484506\n")
    config = run_adsbwatch("replay", "x.cu8", "--db", url, "--print-config")
    assert f'db = "{shown}"' in _clean(config).splitlines()
    saved = tmp_path / "saved.jsonl"
    saved.write_text('{"table": "sessions", "row": {"id": 1, "started": 1.0, "last_seen": '
                     '2.0, "ended": null, "source": "x", "live": 0, "rate": 2400000, '
                     '"gain_db": null, "samples": 0, "dropped": 0, "frames": 0, '
                     '"version": "", "lat": null, "lon": null}}\n')
    restored = run_adsbwatch("store", "restore", str(saved), "--db", url)
    assert _clean(restored) == f"restored 1 rows from {saved} into {shown}\n"
    replayed = run_adsbwatch("replay", str(REPO / "samples" / "airport_2400k.cu8"),
                             "--db", url, "--record-all")
    assert replayed.returncode == 0, replayed.stderr
    assert f"; recorded into {shown}\n" in _clean(replayed)


@pytest.mark.parametrize("command", [["sightings"], ["watchlist", "list"],
                                     ["watchlist", "add", "484506"], ["report"],
                                     ["track", "484506"]], ids=" ".join)
def test_a_server_not_there_is_one_line_exit_1(command: list[str]) -> None:
    url = f"postgresql://me:{PASSWORD}@127.0.0.1:1/adsb"
    done = run_adsbwatch(*command, "--db", url)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert _clean(done).splitlines() == [
        "adsbwatch: error: cannot connect to the database postgresql://me@127.0.0.1:1/adsb "
        '(connection failed: connection to server at "127.0.0.1", port 1 failed: '
        "Connection refused): is the server running, and the URL right?"]


def test_a_database_not_there_is_one_line_exit_2(pg_server) -> None:  # noqa: ANN001
    url = _with_password(pg_server.url("no_such_database"))
    done = run_adsbwatch("sightings", "--db", url)
    assert done.returncode == 2
    (line,) = _clean(done).splitlines()
    assert line.startswith(f"adsbwatch: error: {pg_server.url('no_such_database')}: ")
    assert line.endswith('database "no_such_database" does not exist (create it first: '
                         "createdb NAME)")
