"""The first hour (issue 19): what stood between a new user, the README and a running
service. Each test fails on the code before the fix it names."""

from __future__ import annotations

import re
import shlex
import signal
import time
from pathlib import Path

import pytest
from notify_support import free_port
from support import REPO, Running, cli, run_adsbwatch

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
EXAMPLE = REPO / "contrib" / "adsbwatch.toml"
README = REPO / "README.md"
COMPILING = "adsbwatch: compiling the demodulator (first run only"


# ------------------------------------------------------------------ the service's config

def _example_with_rtl_tcp(tmp_path: Path, port: int) -> Path:
    """contrib/adsbwatch.toml with its rtl-tcp line uncommented as it says to (the
    server's address made this machine's), and its paths made the test's."""
    text = EXAMPLE.read_text()
    line = next(x for x in text.splitlines() if x.startswith("# rtl-tcp = "))
    text = text.replace(line, f'rtl-tcp = "127.0.0.1:{port}"')
    text = text.replace("/etc/adsbwatch/watchlist.txt", str(WATCHLIST))
    text = text.replace("/var/lib/adsbwatch/adsbwatch.db", str(tmp_path / "a.db"))
    config = tmp_path / "adsbwatch.toml"
    config.write_text(text)
    return config


def test_the_example_config_with_rtl_tcp_uncommented_starts(tmp_path: Path) -> None:
    """It passes --print-config and runs, failing only on the connection (no server
    there): it says so and waits for one, as the service should; Ctrl-C ends it."""
    port = free_port()
    config = _example_with_rtl_tcp(tmp_path, port)
    checked = run_adsbwatch("live", "--config", str(config), "--print-config")
    assert checked.returncode == 0, checked.stderr
    assert f'rtl-tcp = "127.0.0.1:{port}"' in checked.stdout
    run = Running(["live", "--config", str(config)])
    deadline = time.monotonic() + 120
    while not any("connection refused" in line for line in run.lines):
        assert run.proc.poll() is None, run.lines
        assert time.monotonic() < deadline, run.lines
        time.sleep(0.1)
    time.sleep(1.0)
    assert run.proc.poll() is None, run.lines  # still waiting for the server
    run.proc.send_signal(signal.SIGINT)
    assert run.proc.wait(60) == 130
    refused = [line for line in run.lines if "connection refused" in line]
    assert refused[0].startswith(f"adsbwatch: warning: rtl_tcp 127.0.0.1:{port}: connection "
                                 "refused")


def test_print_config_refuses_a_latitude_off_the_earth() -> None:
    done = run_adsbwatch("live", "--lat", "152.3", "--lon", "4.7", "--print-config")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "adsbwatch: error: --lat 152.3 --lon 4.7 is not a position on Earth"]


def test_rtl_tcp_without_a_port_takes_rtl_tcps_own() -> None:
    done = run_adsbwatch("live", "--rtl-tcp", "192.168.1.20", "--print-config")
    assert done.returncode == 0, done.stderr
    assert 'rtl-tcp = "192.168.1.20:1234"' in done.stdout
    done = run_adsbwatch("live", "--rtl-tcp", "pi.local:5000", "--print-config")
    assert 'rtl-tcp = "pi.local:5000"' in done.stdout


# ------------------------------------------------------------------ replays that find nothing

@pytest.mark.parametrize("wrong", [["--rate", "2M"], ["--format", "cs16"]],
                         ids=["rate", "format"])
def test_a_replay_that_decodes_nothing_says_what_to_check(wrong: list[str]) -> None:
    done = run_adsbwatch("replay", str(SAMPLE), "--no-db", "-q", *wrong)
    assert done.returncode == 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"adsbwatch: warning: no frame decoded from {SAMPLE}, read as ")
    assert "give --rate (2.0M or 2.4M) and --format (cf32, cs16, cs8, cu8)" in lines[0]


def test_a_replay_that_decodes_frames_says_nothing_of_the_kind() -> None:
    done = run_adsbwatch("replay", str(SAMPLE), "--no-db", "-q")
    assert done.returncode == 0 and done.stderr == ""


def test_a_rate_in_ms_per_second_is_taken_as_such() -> None:
    """`--rate 2.4` was 2.4 samples a second ("2e-06 MS/s is not supported")."""
    rc, out, err = cli("replay", str(SAMPLE), "--rate", "2.4", "--no-db")
    assert rc == 0, err
    assert "46 frames" in err and "at 2.4 MS/s" in err
    done = run_adsbwatch("replay", str(SAMPLE), "--rate", "3", "--no-db")
    assert done.returncode == 2
    assert "sample rate 3 (3 MS/s) is not supported: use 2M or 2.4M" in done.stderr


def test_net_says_which_ports_it_opened() -> None:
    ports = [free_port() for _ in range(3)]
    done = run_adsbwatch("replay", str(SAMPLE), "--no-db", "--net", "--beast-port",
                         str(ports[0]), "--avr-port", str(ports[1]), "--sbs-port",
                         str(ports[2]))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"adsbwatch: listening on 127.0.0.1: Beast {ports[0]}, AVR {ports[1]}, "
        f"SBS {ports[2]}")


# ------------------------------------------------------------------ the first run

def test_a_cold_kernel_cache_says_it_is_compiling_once(tmp_path: Path) -> None:
    cold = {"NUMBA_CACHE_DIR": str(tmp_path / "kernels")}
    first = run_adsbwatch("replay", str(SAMPLE), "--no-db", "-q", env=cold, timeout=600)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(COMPILING) == 1
    assert first.stderr.startswith(COMPILING)  # before the wait, not after it
    second = run_adsbwatch("replay", str(SAMPLE), "--no-db", "-q", env=cold)
    assert second.returncode == 0 and second.stderr == ""


# ------------------------------------------------------------------ the README's first steps

def _readme_commands(after: str, prefix: str) -> list[str]:
    """The README's `adsbwatch ...` lines starting with `prefix`, from the first code
    block after the heading `after` on (comments dropped)."""
    text = README.read_text()
    text = text[text.index(after):]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(prefix):
                lines.append(line)
    return lines


def test_the_readmes_first_steps_find_the_samples_sighting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick start's replay (less its `pip install . &&`), then the first
    `adsbwatch sightings` the README shows: it lists the sample's watched aircraft."""
    monkeypatch.chdir(REPO)
    quick = _readme_commands("## Quick start", "pip install . && adsbwatch replay")[0]
    replay = shlex.split(quick.split("&&", 1)[1])[1:]
    rc, _, err = cli(*replay)
    assert rc == 0, err
    first = _readme_commands("## Quick start", "adsbwatch sightings")[0]
    rc, out, err = cli(*shlex.split(first)[1:])
    assert rc == 0, err
    assert "484506" in out and "NAF01" in out


def test_watchlist_list_says_why_a_run_with_a_watchlist_file_left_it_empty(
        tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    rc, _, _ = cli("replay", str(SAMPLE), "--watchlist", str(WATCHLIST), "--db", db, "-q")
    assert rc == 0
    rc, out, err = cli("watchlist", "list", "--db", db)
    assert (rc, out) == (0, "")
    assert err == ("adsbwatch: the store's watchlist is empty; rules in a file given with "
                   "--watchlist FILE are read by each run and not stored: `adsbwatch "
                   "watchlist import FILE` stores them, `adsbwatch watchlist add HEX LABEL` "
                   "one rule\n")


def test_sightings_watched_leaves_out_what_record_all_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    rc, _, _ = cli("replay", str(SAMPLE), "--watchlist", str(WATCHLIST), "--db", db, "-q",
                   "--record-all")
    assert rc == 0
    everything = cli("sightings", "--db", db)[1].splitlines()[1:]
    watched = cli("sightings", "--db", db, "--watched")[1].splitlines()[1:]
    assert len(everything) == 8
    assert [line.split()[3] for line in watched] == ["484506"]


def test_the_sightings_table_shows_a_whole_label(tmp_path: Path) -> None:
    """The sample's label, 43 characters, was cut at 16."""
    db = str(tmp_path / "a.db")
    cli("replay", str(SAMPLE), "--watchlist", str(WATCHLIST), "--db", db, "-q")
    label = WATCHLIST.read_text().split("484506", 1)[1].splitlines()[0].strip()
    assert len(label) > 16
    out = cli("sightings", "--db", db)[1]
    assert label in out


def test_one_of_a_thing_is_not_plural(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    rc, out, err = cli("replay", str(SAMPLE), "--watchlist", str(WATCHLIST), "--db", db)
    assert rc == 0
    assert "1 sighting;" in err and "1 sightings" not in err
    title = next(line for line in out.splitlines() if " aircraft, " in line)
    assert title.strip().endswith(", 1 sighting")


def test_the_csv_export_writes_the_address_as_the_tables_do(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    cli("replay", str(SAMPLE), "--watchlist", str(WATCHLIST), "--db", db, "-q")
    rc, out, _ = cli("track", "484506", "--format", "csv", "--db", db)
    assert rc == 0
    rows = out.splitlines()[1:]
    assert rows and all(row.split(",")[1] == "484506" for row in rows)


def test_the_visits_plots_title_fits_the_image(tmp_path: Path) -> None:
    """A long period with aircraft not shown made a title wider than the image, cut at
    both edges: the image's outer columns in the title's band must be background."""
    pytest.importorskip("matplotlib")
    from matplotlib import image

    from adsbwatch.receiver.ui.plots import visits

    rows = [visits.TimelineRow(f"Aircraft number {k} (4840{k:02X})",
                               [(1.7e9 + k * 3600.0, 1.7e9 + k * 3600.0 + 900.0)])
            for k in range(45)]
    period = ("2026-11-01 00:00 to 2026-11-30 23:59 UTC (29 days 23 h 59 min) (asked: "
              "since 2026-11-01 00:00 UTC)")
    path = visits.draw(rows, tmp_path / "v.png", period, (1.7e9, 1.7e9 + 45 * 3600.0))
    pixels = image.imread(str(path))[:, :, :3]
    dark = (pixels < 0.5).all(axis=2)
    frame_top = next(y for y in range(len(dark)) if dark[y].mean() > 0.5)  # the axes' frame
    band = pixels[:frame_top - 1]  # above it: the title
    assert (band < 0.9).any()  # a title is drawn there
    for column in (band[:, :3], band[:, -3:]):
        assert (column > 0.95).all()  # no text reaches the edges
