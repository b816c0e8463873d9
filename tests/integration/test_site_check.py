"""Two live stations writing to one store as one site (assembly/site_check.py): a live
station whose --site another live station of the store is running as says so once as it
starts, on either backend; a different site, an ended session, one not heard from for
minutes, or a replay's, says nothing."""

from __future__ import annotations

import subprocess
import time

from rtltcp_server import RtlTcpServer, Serving
from store_support import recorder
from support import REPO, adsbwatch_command, checkout_env

from adsbwatch.receiver.assembly.site_check import RUNNING_S, running_as
from adsbwatch.receiver.store.rows import SessionRow

SAMPLE = (REPO / "samples" / "airport_2400k.cu8").read_bytes()[:480_000]  # 0.1 s
NOW = 1_790_000_000.0


def session(site: str | None, *, live: bool = True, ago: float = 5.0,
            ended: float | None = None) -> SessionRow:
    return SessionRow(id=1, started=NOW - 3600, last_seen=NOW - ago, ended=ended,
                      source="rtlsdr:0", live=live, rate=2_400_000, site=site)


def test_only_a_running_live_session_of_the_same_site_counts() -> None:
    running = session("raspberrypi")
    assert running_as([running], "raspberrypi", NOW) is running
    assert running_as([running], "north", NOW) is None
    assert running_as([session("raspberrypi", ended=NOW - 1)], "raspberrypi", NOW) is None
    assert running_as([session("raspberrypi", ago=RUNNING_S + 1)], "raspberrypi", NOW) is None
    assert running_as([session("raspberrypi", live=False)], "raspberrypi", NOW) is None
    assert running_as([session(None)], "raspberrypi", NOW) is None  # stored before sites


def live_run(db: str, site: str) -> str:
    """`adsbwatch live --rtl-tcp` of 0.1 s of samples into `db` as `site`: its stderr."""
    with RtlTcpServer(Serving(SAMPLE, loops=1, pace_rate=2_400_000)) as server:
        done = subprocess.run(
            [*adsbwatch_command(), "live", "--rtl-tcp", f"127.0.0.1:{server.port}", "--rate",
             "2.4M", "--db", db, "--site", site, "--no-reopen", "--stats-every", "0", "-q"],
            env=checkout_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # the server closed: not reconnecting
    return done.stderr


def test_a_second_station_with_the_same_site_is_told(store_location: str) -> None:
    other = recorder(store_location, site="raspberrypi")
    other.save_session(SessionRow(id=7, started=time.time() - 600, last_seen=time.time() - 2,
                                  source="rtl_tcp 192.168.1.20:1234", live=True,
                                  rate=2_400_000, site="raspberrypi"))
    other.commit()
    other.close()
    said = [line for line in live_run(store_location, "raspberrypi").splitlines()
            if "another live station" in line]
    assert len(said) == 1
    assert said[0].startswith("adsbwatch: warning: another live station writes to this store "
                              "as site 'raspberrypi' (rtl_tcp 192.168.1.20:1234, heard ")
    assert "give each station its own --site" in said[0]
    # Another site is no one's double; this run's own session has ended.
    assert "another live station" not in live_run(store_location, "south")
    assert "another live station" not in live_run(store_location, "south")

