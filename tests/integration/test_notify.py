"""Push alerts for real: a replay of the bundled sample with --notify reaches Debian's
mosquitto (through Apprise's MQTT plugin and paho-mqtt) and a local JSON webhook with the
sighting of its watched aircraft; with the broker stopped the replay still records the
visit and says once that the alert could not be sent, the URL's password never shown;
`adsbwatch notify-test` says per URL what went; bad URLs and a missing Apprise are one
line each, before anything runs."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from notify_support import Broker, Subscriber, Webhook, broker, free_port, webhook  # noqa: F401
from support import REPO, run_adsbwatch

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
SAMPLE_ARGS = [str(SAMPLE), "--watchlist", str(WATCHLIST), "--lat", "52.3086", "--lon",
               "4.7639", "--start-time", "2025-05-16T09:30:00Z"]
NAF_LABEL = "Dutch government Boeing 737 BBJ (simulated)"  # samples/watchlist.txt's
TOPIC = "adsbwatch/alerts"


def console_sighting(stdout: str) -> str:
    (line,) = [x for x in stdout.splitlines() if x.startswith("SIGHTING")]
    return line


def test_the_broker_and_a_webhook_receive_the_watched_aircraft(
        broker: Broker, webhook: Webhook, tmp_path: Path) -> None:  # noqa: F811
    subscriber = Subscriber(broker.port, TOPIC)
    config = tmp_path / "adsbwatch.toml"  # the URLs from the config file
    config.write_text(f'notify = ["mqtt://127.0.0.1:{broker.port}/{TOPIC}",\n'
                      f'          "json://127.0.0.1:{webhook.port}/hook"]\n')
    try:
        result = run_adsbwatch("replay", *SAMPLE_ARGS, "--db", str(tmp_path / "x.db"),
                               "--config", str(config))
        assert result.returncode == 0, result.stderr
        messages = subscriber.wait(1)
    finally:
        subscriber.stop()
    assert "warning" not in result.stderr
    line = console_sighting(result.stdout)
    altitude = line.split(" ft ")[0].rsplit(" ", 1)[1]
    assert line.startswith(f"SIGHTING 484506 ({NAF_LABEL}) callsign NAF01 {altitude} ft ")
    # Apprise's MQTT plugin publishes the title and the text in one payload.
    (mqtt_text,) = messages
    title, text = mqtt_text.split("\r\n", 1)
    assert title == f"484506 NAF01: {NAF_LABEL}"
    lines = text.splitlines()
    assert lines[0] == f"Sighting of 484506 ({NAF_LABEL})"
    assert lines[1] == "Netherlands"  # the country of its address block, built in
    assert lines[2] == f"callsign NAF01, {altitude} ft"
    distance, _, where = lines[3].partition(" km ")
    assert 0 < float(distance) < 100 and where.endswith("°)")  # from --lat/--lon
    assert f"{distance} km" in line  # the console says the same distance
    assert lines[4] == "2025-05-16 09:30:00 UTC"
    assert len(lines) == 5  # no --http: no link to a map
    (path, body), = webhook.wait(1)
    assert path == "/hook"
    assert (body["title"], body["message"]) == (title, text)
    assert body["type"] == "info"


def test_a_stopped_broker_loses_nothing_else_and_is_said_once(
        broker: Broker, tmp_path: Path) -> None:  # noqa: F811
    broker.stop()  # a broker that was there and went
    db = tmp_path / "x.db"
    url = f"mqtt://watcher:s3cretpw@127.0.0.1:{broker.port}/{TOPIC}"
    result = run_adsbwatch("replay", *SAMPLE_ARGS, "--db", str(db), "--notify", url)
    plain = run_adsbwatch("replay", *SAMPLE_ARGS, "--db", str(tmp_path / "plain.db"))
    assert result.returncode == plain.returncode == 0, result.stderr
    visits = sqlite3.connect(db).execute(
        "SELECT printf('%06X', icao), label, callsigns FROM visits WHERE watched = 1"
    ).fetchall()
    assert visits == [("484506", NAF_LABEL, "NAF01")]
    assert console_sighting(result.stdout) == console_sighting(plain.stdout)
    warnings = [x for x in result.stderr.splitlines() if "--notify" in x]
    shown = f"mqtt://****:****@127.0.0.1:{broker.port}/{TOPIC}"
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"adsbwatch: warning: --notify {shown}: could not send the "
                                  "sighting of 484506 (tried ")
    assert "s3cretpw" not in result.stderr + result.stdout
    assert "watcher" not in result.stderr


def test_notify_test_says_per_url_what_went(webhook: Webhook) -> None:  # noqa: F811
    nobody = free_port()
    result = run_adsbwatch("notify-test", f"json://127.0.0.1:{webhook.port}/hook",
                           f"json://user:pa55word@127.0.0.1:{nobody}/hook", timeout=120)
    assert result.returncode == 1
    sent, failed = result.stdout.splitlines()
    assert sent == f"sent: json://127.0.0.1:{webhook.port}/hook"
    assert failed.startswith(f"failed: json://****:****@127.0.0.1:{nobody}/hook (")
    assert "pa55word" not in result.stdout + result.stderr
    (path, body), = webhook.wait(1)
    assert body["title"] == "adsbwatch: a test message"
    assert "reaches this service" in body["message"]
    result = run_adsbwatch("notify-test", f"json://127.0.0.1:{webhook.port}/hook",
                           timeout=120)
    assert (result.returncode, result.stdout) == (
        0, f"sent: json://127.0.0.1:{webhook.port}/hook\n")


def test_a_url_apprise_does_not_know_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    result = run_adsbwatch("replay", *SAMPLE_ARGS, "--db", str(db), "--notify",
                           "tgramm://123456:BOTSECRET/987", timeout=120)
    assert result.returncode == 2
    assert result.stderr == (
        "adsbwatch: error: --notify tgramm://...: Apprise does not understand this URL (e.g. "
        "ntfy://ntfy.sh/TOPIC, tgram://BOTTOKEN/CHATID, mqtt://HOST/TOPIC, json://HOST/PATH; "
        "see Apprise's list of services)\n")
    assert result.stdout == "" and not db.exists()  # nothing ran, no store made
    result = run_adsbwatch("replay", *SAMPLE_ARGS, "--notify", "BOTSECRET", timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "adsbwatch replay: error: argument --notify: not a notification URL: SERVICE://... as "
        "Apprise writes them, e.g. ntfy://ntfy.sh/TOPIC, tgram://BOTTOKEN/CHATID, "
        "mqtt://HOST/TOPIC")
    assert "BOTSECRET" not in result.stderr


@pytest.mark.parametrize("hidden, needed", [("apprise", "apprise"),
                                            ("paho", "paho-mqtt")])
def test_without_the_notify_extra_one_line_says_what_to_install(
        hidden: str, needed: str, tmp_path: Path) -> None:
    code = (f"import sys; sys.modules[{hidden!r}] = None; "
            "from adsbwatch.receiver.cli.main import main; sys.exit(main(sys.argv[1:]))")
    import subprocess

    from support import checkout_env

    result = subprocess.run(
        [sys.executable, "-c", code, "replay", *SAMPLE_ARGS, "--no-db", "--notify",
         "mqtt://127.0.0.1:1883/x"], capture_output=True, text=True, env=checkout_env(),
        timeout=120)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("adsbwatch: error: ") and needed in line
    assert line.endswith("pip install 'adsbwatch[notify]'")


def test_the_message_names_what_the_aircraft_database_knows(
        webhook: Webhook, warnings: list[str]) -> None:  # noqa: F811
    """The station as `replay` builds it, with an aircraft database (the seam
    build_station's info_of): the console line and the pushed message name the
    registration, type, operator and country."""
    import io

    from adsbwatch.decoder.registry.info import AircraftInfo
    from adsbwatch.receiver.assembly.build import build_station
    from adsbwatch.receiver.config.model import (
        DecodingConfig,
        Position,
        RecordingSourceConfig,
        StationConfig,
        StoreConfig,
    )

    config = StationConfig(
        "replay", RecordingSourceConfig(str(SAMPLE), start_time="2025-05-16T09:30:00Z"),
        receiver=Position(52.3086, 4.7639),
        decoding=DecodingConfig(watchlists=(WATCHLIST,),
                                notify=(f"json://127.0.0.1:{webhook.port}/hook",)),
        store=StoreConfig(enabled=False))
    database = {0x484506: AircraftInfo(
        registration="PH-GOV", type_code="B737", description="Boeing 737-700",
        operator="Netherlands Government", country="NL", country_name="Netherlands")}
    built = build_station(config, warnings.append, info_of=database.get)
    console = io.StringIO()
    built.console.file = console  # type: ignore[union-attr]
    try:
        built.station.run()
    finally:
        built.station.close()
    assert warnings == []
    line = console_sighting(console.getvalue())
    assert line.startswith(f"SIGHTING 484506 ({NAF_LABEL}) PH-GOV B737 callsign NAF01 ")
    (_, body), = webhook.wait(1)
    assert body["title"] == f"484506 NAF01: {NAF_LABEL}"
    assert body["message"].splitlines()[:2] == [
        f"Sighting of 484506 ({NAF_LABEL})",
        "PH-GOV, B737 (Boeing 737-700), Netherlands Government, Netherlands"]
