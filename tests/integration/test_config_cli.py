"""The config file through the command, and the files in contrib/ a service is made of:
the systemd unit, the example config, the udev rule and the driver blacklist."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tomllib
from pathlib import Path

import pytest
from support import REPO, run_adsbwatch

from adsbwatch.receiver.config import load_station_config
from adsbwatch.receiver.defaults import MAX_CLIENTS
from adsbwatch.receiver.outputs.net.limits import clients_for_open_files
from adsbwatch.receiver.station.signals import EXIT_STATUS

CONTRIB = REPO / "contrib"
UNIT = CONTRIB / "adsbwatch.service"
EXAMPLE = CONTRIB / "adsbwatch.toml"
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
PROGRAM = "/usr/local/bin/adsbwatch"


def unit_keys(text: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit's sections and keys, every value of a repeated key, in order."""
    sections: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {raw!r}"
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


# ------------------------------------------------------------------- the command


def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("lat = 52.3\nstats-every = -1\n")
    result = run_adsbwatch("live", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr == (
        f"adsbwatch: error: {config}:2: stats-every: '-1' is not a number of seconds "
        "(0 or more)\n")
    assert result.stdout == ""


def test_print_config_reads_back_to_itself(tmp_path: Path) -> None:
    first = run_adsbwatch("live", "--lat", "52.3", "--lon", "-4", "--watchlist", "w.txt",
                          "--rtl-tcp", "pi.local:1234", "--gain", "max", "--print-config")
    assert first.returncode == 0 and first.stderr == ""
    config = tmp_path / "printed.toml"
    config.write_text(first.stdout)
    second = run_adsbwatch("live", "--config", str(config), "--print-config")
    assert second.returncode == 0 and second.stdout == first.stdout
    values = tomllib.loads(first.stdout)
    assert (values["lat"], values["lon"], values["watchlist"], values["rtl-tcp"],
            values["gain"]) == (52.3, -4.0, ["w.txt"], "pi.local:1234", "max")


def test_a_replay_takes_its_options_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "replay.toml"
    config.write_text("[replay]\nraw = true\nquiet = true\n")
    from_file = run_adsbwatch("replay", str(SAMPLE), "--config", str(config))
    from_line = run_adsbwatch("replay", str(SAMPLE), "--raw", "-q")
    loud = run_adsbwatch("replay", str(SAMPLE), "--raw")
    assert from_file.returncode == from_line.returncode == loud.returncode == 0
    assert from_file.stdout.count("\n") > 40 and from_file.stdout.startswith("*")
    assert (from_file.stdout, from_file.stderr) == (from_line.stdout, "")
    assert loud.stderr.startswith("adsbwatch: ")  # the summary quiet leaves out


def test_print_config_checks_the_options_as_a_run_would(tmp_path: Path) -> None:
    result = run_adsbwatch("live", "--lat", "52.3", "--print-config")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("adsbwatch: error: give both --lat and --lon (the receiver's "
                             "position), or neither\n")


def test_help_shows_the_config_options() -> None:
    for command in ("live", "replay"):
        text = run_adsbwatch(command, "--help").stdout
        assert "--config FILE" in text and "--print-config" in text


# --------------------------------------------------------------------- contrib/


def test_the_example_config_gives_valid_options_for_live() -> None:
    data = tomllib.loads(EXAMPLE.read_text())
    config = load_station_config("live", {}, EXAMPLE)
    source = config.source
    # no device named: the first dongle, so that uncommenting rtl-tcp is all it takes
    assert "device" not in data and source.dongle == "0"  # type: ignore[union-attr]
    assert (config.receiver, source.device, source.tuner.gain) == (  # type: ignore[union-attr]
        (data["lat"], data["lon"]), None, data["gain"])
    assert (config.store.db, config.decoding.watchlists, source.reopen) == (  # type: ignore[union-attr]
        data["db"], tuple(map(Path, data["watchlist"])), data["reopen"])
    assert config.view.stats_every_s == float(data["stats-every"])
    assert Path(data["db"]).is_absolute() and all(map(Path.is_absolute,
                                                      config.decoding.watchlists))


def test_the_units_command_line_parses_with_the_example_config() -> None:
    command = unit_keys(UNIT.read_text())["Service"]["ExecStart"]
    assert command == [f"{PROGRAM} live --config /etc/adsbwatch.toml"]
    argv = command[0].split()[1:]
    argv[argv.index("/etc/adsbwatch.toml")] = str(EXAMPLE)
    result = run_adsbwatch(*argv, "--print-config")
    assert result.returncode == 0 and result.stderr == ""
    assert tomllib.loads(result.stdout)["db"] == tomllib.loads(EXAMPLE.read_text())["db"]


def test_the_unit_runs_as_a_service_should() -> None:
    service = unit_keys(UNIT.read_text())["Service"]
    one = {key: values[-1] for key, values in service.items()}
    assert (one["Restart"], one["RestartSec"], one["User"]) == ("on-failure", "10", "adsbwatch")
    assert one["SupplementaryGroups"] == "plugdev"
    assert "char-usb_device rw" in service["DeviceAllow"]
    assert one.get("PrivateDevices", "no") == "no"
    assert "MemoryDenyWriteExecute" not in one  # Numba runs the code it compiles
    assert "AF_NETLINK" in one["RestrictAddressFamilies"].split()  # libusb's hotplug
    assert int(one["TimeoutStopSec"]) >= 30
    # The stop signal ends the run through the store's commit (signals.py), and the exit
    # status that gives counts as a clean stop.
    stop = signal.Signals[one["KillSignal"]]
    assert stop in EXIT_STATUS
    assert str(EXIT_STATUS[stop]) in one["SuccessExitStatus"].split()
    assert "2" in one["RestartPreventExitStatus"].split()  # a bad config is not retried


def test_the_store_and_kernel_cache_are_in_the_units_own_folders() -> None:
    service = unit_keys(UNIT.read_text())["Service"]
    environment = dict(value.split("=", 1) for value in service["Environment"])
    state = Path("/var/lib") / service["StateDirectory"][0]
    db = Path(tomllib.loads(EXAMPLE.read_text())["db"])
    assert db.parent == state
    assert Path(environment["XDG_DATA_HOME"]) / "adsbwatch" == state  # the default store
    cache = Path("/var/cache") / service["CacheDirectory"][0]
    assert Path(environment["NUMBA_CACHE_DIR"]).parent == cache
    assert service["WorkingDirectory"] == [str(state)]


def test_the_units_open_files_let_every_port_take_its_clients() -> None:
    files = int(unit_keys(UNIT.read_text())["Service"]["LimitNOFILE"][0])
    ports = 4  # Beast, AVR, SBS and HTTP
    assert clients_for_open_files(files) >= ports * MAX_CLIENTS


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: this machine has none at /usr/local.
    unit = tmp_path / "adsbwatch.service"
    unit.write_text(UNIT.read_text().replace(PROGRAM, shutil.which("true") or "/bin/true"))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=60)
    # Unknown keys are only warnings (exit status 0): nothing may be said at all.
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_the_udev_rule_gives_both_rtl2832u_ids_to_plugdev() -> None:
    rules = [line for line in (CONTRIB / "rtl-sdr.rules").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    products = set()
    for rule in rules:
        assert 'ATTR{idVendor}=="0bda"' in rule
        assert 'MODE="0660"' in rule and 'GROUP="plugdev"' in rule
        products.add(rule.split('ATTR{idProduct}=="')[1][:4])
    assert products == {"2838", "2832"}
    group = unit_keys(UNIT.read_text())["Service"]["SupplementaryGroups"]
    assert group == ["plugdev"]


def test_the_blacklist_keeps_the_dvb_drivers_off() -> None:
    lines = [line.split() for line in (CONTRIB / "blacklist-rtl-sdr.conf").read_text()
             .splitlines() if line.strip() and not line.startswith("#")]
    assert all(words[0] == "blacklist" and len(words) == 2 for words in lines)
    assert {"dvb_usb_rtl28xxu", "rtl2832", "rtl2830"} <= {words[1] for words in lines}
