"""dump1090-fa's JSON files (aircraft.json, receiver.json, stats.json, history_N.json)
as --write-json writes them after a replay, and the parts they are built from."""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from pyModeS.util import crc
from support import REPO, run_adsbwatch

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.integrity import nic_rc
from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.outputs.http.aircraft_json import aircraft_json
from adsbwatch.receiver.outputs.http.documents import HistoryRing
from adsbwatch.receiver.outputs.http.json_sink import JsonOutput
from adsbwatch.receiver.outputs.http.stats_json import stats_json
from adsbwatch.receiver.station.stats import SourceCounts, StationStats

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
SAMPLE_ARGS = ["--watchlist", str(REPO / "samples" / "watchlist.txt"), "--lat", "52.3086",
               "--lon", "4.7639", "--start-time", "2025-05-16T09:30:00Z", "--no-db"]
SCHIPHOL = (52.3086, 4.7639)

# Every key dump1090-fa's README-json.md lists for an aircraft.
DUMP1090_FA_KEYS = {
    "hex", "type", "flight", "alt_baro", "alt_geom", "gs", "ias", "tas", "mach", "track",
    "track_rate", "roll", "mag_heading", "true_heading", "baro_rate", "geom_rate", "squawk",
    "emergency", "category", "nav_qnh", "nav_altitude_mcp", "nav_altitude_fms",
    "nav_heading", "nav_modes", "lat", "lon", "nic", "rc", "seen_pos", "version",
    "nic_baro", "nac_p", "nac_v", "sil", "sil_type", "gva", "sda", "modea", "modec", "mlat",
    "tisb", "messages", "seen", "rssi"}
# Ours beside them: the country of the address block (the built-in table), for the map's
# panel; tar1090 and other readers skip keys they do not know.
OUR_KEYS = {"country", "country_name"}
PERIODS = ("latest", "last1min", "last5min", "last15min", "total")


def summary_counts(stderr: str) -> tuple[int, dict[int, int], int]:
    """Frames, frames by DF and samples, as the closing summary says them."""
    line = next(x for x in stderr.splitlines() if re.match(r"adsbwatch: \d+ frames", x))
    frames = int(re.match(r"adsbwatch: (\d+) frames", line).group(1))  # type: ignore[union-attr]
    by_df = {int(df): int(n) for df, n in re.findall(r"DF(\d+) (\d+)", line)}
    samples = int(re.search(r"; (\d+) samples", line).group(1))  # type: ignore[union-attr]
    return frames, by_df, samples


@pytest.fixture(scope="module")
def sample_json(tmp_path_factory: pytest.TempPathFactory,
                ) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("json")
    result = run_adsbwatch("replay", str(SAMPLE), *SAMPLE_ARGS, "--write-json", str(out))
    assert result.returncode == 0, result.stderr
    return out, result


def load(directory: Path, name: str) -> dict:
    return json.loads((directory / name).read_text())


def test_aircraft_json_of_the_bundled_sample_has_the_watched_aircraft(sample_json) -> None:
    directory, _ = sample_json
    doc = load(directory, "aircraft.json")
    assert set(doc) == {"now", "messages", "aircraft"}
    # The recording's clock: one second of samples from --start-time.
    assert doc["now"] == pytest.approx(1747387800.0 + 1.0, abs=0.2)
    assert doc["messages"] == 46
    by_hex = {a["hex"]: a for a in doc["aircraft"]}
    naf = by_hex["484506"]
    assert naf["flight"] == "NAF01   "  # padded to 8, as dump1090-fa writes it
    assert abs(naf["lat"] - SCHIPHOL[0]) < 0.5 and abs(naf["lon"] - SCHIPHOL[1]) < 0.5
    assert naf["alt_baro"] == 7975
    assert naf["nic"] == 8 and naf["rc"] == 186
    assert -30 < naf["rssi"] < 0
    assert 0 <= naf["seen"] <= naf["seen_pos"] + 1
    assert by_hex["485d7c"]["alt_baro"] == "ground"  # KLM87W taxiing
    assert by_hex["40762e"]["squawk"] == "2261"
    for aircraft in doc["aircraft"]:
        assert re.fullmatch(r"~?[0-9a-f]{6}", aircraft["hex"])
        assert set(aircraft) <= DUMP1090_FA_KEYS | OUR_KEYS, set(aircraft) - DUMP1090_FA_KEYS
        assert all(value is not None for value in aircraft.values()), aircraft
        assert aircraft["mlat"] == [] and aircraft["tisb"] == []


def test_stats_json_counts_are_the_closing_summarys(sample_json) -> None:
    directory, result = sample_json
    frames, by_df, samples = summary_counts(result.stderr)
    stats = load(directory, "stats.json")
    assert set(stats) == {"now", *PERIODS}  # `now` as readsb writes it
    for name in PERIODS:
        period = stats[name]
        assert period["start"] <= period["end"]
        assert len(period["messages_by_df"]) == 32
        assert period["local"]["samples_dropped"] == 0
    total = stats["total"]
    assert total["messages"] == frames == 46
    assert {df: n for df, n in enumerate(total["messages_by_df"]) if n} == by_df
    assert total["local"]["samples_processed"] == samples == 2_400_000
    assert sum(total["local"]["accepted"]) == frames
    # The noise is the mean power of every sample (dump1090-fa's), no longer the median
    # magnitude: still far below the frames' signal.
    assert -40 < total["local"]["noise"] < total["local"]["signal"] <= \
        total["local"]["peak_signal"] < 0
    # One second of recording: no minute has finished, so it all sits in "latest".
    assert stats["latest"]["messages"] == frames
    assert stats["last1min"]["messages"] == 0


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_graphs1090s_collector_finds_what_it_reads(sample_json) -> None:
    """Issue 14, fault 4: graphs1090's collector (its dump1090.py, read_1090) stopped
    with KeyError('cpr'). What it reads, from its documented reads: stats.json's
    last1min (end, local.signal, local.noise, max_distance when present) and total (end,
    local.accepted, local.strong_signals, cpr.global_ok and local_ok, tracks.all and
    single_message, every number in cpu); receiver.json's lat and lon; aircraft.json's
    now and each aircraft's messages, seen, rssi, seen_pos with lat and lon, mlat and
    tisb. Every one is there, of its type, and counts what the run heard."""
    directory, _ = sample_json
    stats, receiver = load(directory, "stats.json"), load(directory, "receiver.json")
    assert is_number(stats["now"])
    last1min, total = stats["last1min"], stats["total"]
    assert is_number(last1min["end"]) and isinstance(last1min["local"], dict)
    for key in ("signal", "noise"):  # a finished minute has them; this run has none
        assert key not in last1min["local"] or is_number(last1min["local"][key])
    assert "max_distance" not in last1min or is_number(last1min["max_distance"])
    assert is_number(total["end"])
    accepted = total["local"]["accepted"]
    assert all(isinstance(n, int) for n in accepted) and sum(accepted) == 46
    assert isinstance(total["local"]["strong_signals"], int)
    cpr, tracks, cpu = total["cpr"], total["tracks"], total["cpu"]
    assert all(isinstance(cpr[k], int) for k in ("global_ok", "local_ok"))
    assert cpr["global_ok"] + cpr["local_ok"] == 16  # the sample's positions
    assert (tracks["all"], tracks["single_message"]) == (8, 0)
    assert cpu and all(is_number(ms) for ms in cpu.values()) and cpu["demod"] > 0
    assert is_number(receiver["lat"]) and is_number(receiver["lon"])
    aircraft = load(directory, "aircraft.json")
    assert is_number(aircraft["now"])
    for a in aircraft["aircraft"]:
        assert isinstance(a["messages"], int) and is_number(a["seen"]) and is_number(a["rssi"])
        assert isinstance(a["mlat"], list) and isinstance(a["tisb"], list)
        if "seen_pos" in a:
            assert is_number(a["seen_pos"]) and is_number(a["lat"]) and is_number(a["lon"])
    assert sum(a["seen"] < 60 for a in aircraft["aircraft"]) == 8


def test_receiver_json_and_history(sample_json) -> None:
    directory, _ = sample_json
    receiver = load(directory, "receiver.json")
    assert receiver["refresh"] == 1000
    assert (receiver["lat"], receiver["lon"]) == SCHIPHOL
    histories = [json.loads(p.read_text()) for p in directory.glob("history_*.json")]
    # A snapshot at the first rebuild (when a second of wall time passed before the end)
    # and one of the final state: the newest is what aircraft.json shows.
    assert receiver["history"] == len(histories) in (1, 2)
    assert max(histories, key=lambda doc: doc["now"]) == load(directory, "aircraft.json")
    assert not list(directory.glob(".*"))  # no temporary file left behind


def test_a_directory_that_cannot_be_written_is_one_line_at_the_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_adsbwatch("replay", str(SAMPLE), "--no-db", "--write-json",
                           str(blocker / "json"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"adsbwatch: error: --write-json {blocker / 'json'}: cannot write there "
        "(Not a directory)"]


@pytest.fixture(scope="module")
def modes1_json(tmp_path_factory: pytest.TempPathFactory, recordings: Path) -> Path:
    """modes1 replayed with --write-json: the directory."""
    out = tmp_path_factory.mktemp("modes1")
    result = run_adsbwatch("replay", str(recordings / "modes1_resampled_cu8_2400k.bin"),
                           "--no-db", "--write-json", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_the_real_recording_against_dump1090_mutability(tmp_path: Path, recordings: Path,
                                                        modes1_json: Path) -> None:
    """modes1: ours and dump1090-mutability's own --write-json name the same aircraft."""
    recording = recordings / "modes1_resampled_cu8_2400k.bin"
    theirs_dir = tmp_path / "theirs"
    theirs_dir.mkdir()
    subprocess.run(["dump1090-mutability", "--ifile", str(recording), "--quiet",
                    "--write-json", str(theirs_dir), "--write-json-every", "1"],
                   capture_output=True, timeout=120, check=True)
    theirs = load(theirs_dir, "aircraft.json")["aircraft"]
    ours = load(modes1_json, "aircraft.json")["aircraft"]
    assert [a["hex"] for a in ours] == [a["hex"] for a in theirs] == ["4d2023"]
    for key in ("flight", "squawk", "category"):
        assert ours[0][key] == theirs[0][key], key
    assert ours[0]["flight"] == "AMC421  "
    # Their file is written mid-recording: the aircraft moved on a little since.
    assert abs(ours[0]["lat"] - theirs[0]["lat"]) < 0.3
    assert abs(ours[0]["lon"] - theirs[0]["lon"]) < 0.3


def test_the_real_recordings_accuracy_is_dump1090_fas(modes1_json: Path) -> None:
    """Issue 14, fault 4: 4d2023 sends version 0 ADS-B (no operational status), so
    dump1090-fa and readsb take version 0 and the NACp and SIL its position type code
    implies (TC 11: NACp 8, SIL 2, ED-102A tables N-7, N-8): tar1090 showed n/a."""
    [ac] = load(modes1_json, "aircraft.json")["aircraft"]
    assert (ac["version"], ac["nac_p"], ac["sil"], ac["sil_type"]) == (0, 8, 2, "unknown")
    assert (ac["nic"], ac["rc"]) == (8, 186)  # TC 11, version 0: Rc < 0.1 NM
    # Its ADS-B vertical rate is GNSS (geom_rate); the barometric one comes from its
    # Comm-B BDS 6,0 replies (32 ft/min steps), near the GNSS one while it descends.
    assert ac["baro_rate"] % 32 == 0 and abs(ac["baro_rate"] - ac["geom_rate"]) < 500
    assert ac["geom_rate"] < -1000


# --- the parts --------------------------------------------------------------------

AMC_DF11 = bytes.fromhex("5d4d20237a55a6")  # modes1's all-call reply of 4d2023


def test_rssi_is_the_mean_power_of_the_last_eight_frames() -> None:
    tracker = Tracker()
    for dbfs in [-3.0] * 5 + [-10.0] * 4 + [-20.0] * 4:
        tracker.update(0.0, decode(AMC_DF11), 10 ** (dbfs / 10))
    [entry] = aircraft_json(tracker.aircraft.values(), 1.0, 13)["aircraft"]
    # The last 8: four at 0.1 and four at 0.01 of full-scale power.
    assert entry["rssi"] == round(10 * math.log10(0.055), 1) == -12.6


# What readsb's compute_nic/compute_rc give a version 2 aircraft (DO-260B table 2-14).
# The old table here had TC 13 with NIC-A 0, NIC-B 1 at 0.6 NM: readsb says 0.3 NM.
@pytest.mark.parametrize(("typecode", "nic_a", "nic_b", "expected"), [
    (9, 0, 0, (11, 8)), (11, 0, 0, (8, 186)), (11, 1, 1, (9, 75)), (11, 1, 0, (8, 186)),
    (13, 0, 1, (6, 556)), (13, 0, 0, (6, 926)), (13, 1, 1, (6, 1112)), (16, 1, 1, (3, 7408)),
    (16, 0, 1, (2, 14816)), (17, 0, 0, (1, 37040)), (18, 0, 0, (0, None)), (6, 0, 0, (10, 25)),
    (19, 0, 0, None),
])
def test_integrity_follows_do260b(typecode: int, nic_a: int, nic_b: int, expected) -> None:
    assert nic_rc(typecode, 2, nic_a, nic_b) == expected


M = 1000 * 60.0  # a minute's start (UNIX seconds): the statistics keep UNIX minutes


def batch_of(frames: list[str], levels: list[float], ticks: list[int], until_ticks: int,
             sample_power: float = 0.0, samples: int = 0) -> FrameBatch:
    msg = np.zeros((len(frames), 14), np.uint8)
    for i, f in enumerate(frames):
        raw = bytes.fromhex(f)
        msg[i, :len(raw)] = np.frombuffer(raw, np.uint8)
    return FrameBatch(msg, np.array(ticks, np.int64), np.array(levels, np.float32),
                      np.zeros(len(frames), np.uint8), until_ticks, None,
                      sample_power=sample_power, samples=samples)


def test_stats_periods_roll_each_minute() -> None:
    """The statistics' minutes are UNIX minutes now (the station's clock), no longer
    counted from the run's start: the run starts on one here."""
    stats = StationStats(M)
    frame = "8D4840D6202CC371C32CE0576098"
    for second in range(1, 131):  # 130 s, one frame at -6 dBFS each second
        tick = round((second - 0.5) * CLOCK_HZ)
        stats.on_frames(batch_of([frame], [10 ** (-6 / 20)], [tick], second * CLOCK_HZ,
                                 sample_power=1e-4, samples=2_400_000), M,
                        SourceCounts(samples=second * 2_400_000))
    doc = stats_json(stats, gain_db=49.6)
    assert doc["last1min"]["start"] == M + 60 and doc["last1min"]["end"] == M + 120
    assert doc["last1min"]["messages"] == 60
    assert doc["last1min"]["messages_by_df"][17] == 60
    assert doc["last5min"]["messages"] == 120  # both finished minutes
    assert doc["latest"]["messages"] == 10  # M + 120 to M + 130
    assert doc["total"]["messages"] == 130
    assert doc["total"]["local"]["samples_processed"] == 130 * 2_400_000
    assert doc["total"]["local"]["signal"] == pytest.approx(-6.0, abs=0.05)
    assert doc["total"]["local"]["strong_signals"] == 0
    assert doc["total"]["local"]["gain_db"] == 49.6
    # The noise: the samples' mean power, 1e-4 of full scale.
    assert doc["total"]["local"]["noise"] == -40.0
    assert "modes" not in doc["total"]["local"]  # the demodulator's counts: at the end


def test_history_is_a_ring_of_120_every_30_seconds() -> None:
    ring = HistoryRing()
    names = [ring.offer(t, str(t).encode()) for t in np.arange(0.0, 30.0 * 125, 10.0)]
    kept = [n for n in names if n is not None]
    assert len(kept) == 125  # one of every three offers, 30 s apart
    assert kept[:2] == ["history_0.json", "history_1.json"] and kept[120] == "history_0.json"
    assert ring.count == 120
    assert ring.files["history_0.json"] == str(30.0 * 120).encode()  # overwritten in turn
    assert ring.offer(3725.0, b"final", final=True) == "history_5.json"  # not yet due
    assert ring.offer(3725.0, b"final", final=True) is None  # the same state twice: once


def with_crc(frame_hex: str) -> str:
    body = frame_hex[:-6]
    return body + f"{crc(body + '000000'):06X}"


def test_a_non_icao_address_is_shown_with_a_tilde() -> None:
    tracker = Tracker()
    icao_frame = "8D4840D6202CC371C32CE0576098"  # DF17 identification, KLM1023
    anonymous = with_crc("91ABCDEF" + icao_frame[8:])  # the same as DF18 CF=1 (non-ICAO)
    for frame in (icao_frame, anonymous):
        tracker.update(0.0, decode(bytes.fromhex(frame)), 0.25)
    doc = aircraft_json(tracker.aircraft.values(), 1.0, 2)
    by_hex = {a["hex"]: a for a in doc["aircraft"]}
    assert by_hex["4840d6"]["type"] == "adsb_icao"
    assert by_hex["~abcdef"]["type"] == "adsb_other"
    assert by_hex["~abcdef"]["flight"] == "KLM1023 "
    assert by_hex["4840d6"]["seen"] == 1.0


class View:
    """What JsonOutput reads of a station: the tracker and the statistics."""

    def __init__(self) -> None:
        self.receiver = None
        self.stats = StationStats(0.0)
        self.tracker = Tracker()

    def messages(self) -> int:
        return self.stats.total.messages

    def gain_db(self) -> None:
        return None

    def demod_counts(self) -> dict[str, int]:
        return {}


def test_a_write_that_fails_later_is_one_warning_and_the_run_goes_on(tmp_path: Path) -> None:
    view = View()
    out = tmp_path / "json"
    out.mkdir()
    warnings: list[str] = []
    wall = [0.0]
    sink = JsonOutput(view, write_dir=out, warn=warnings.append, clock=lambda: wall[0])
    assert json.loads((out / "aircraft.json").read_text())["aircraft"] == []
    for f in out.iterdir():
        f.unlink()
    out.rmdir()  # the directory goes away under the run
    frame = bytes.fromhex("8D4840D6202CC371C32CE0576098")
    for second in range(1, 4):
        wall[0] = float(second)
        view.tracker.update(float(second), decode(frame), 0.25)
        sink.on_tick(Tick(float(second), float(second), live=False))
    assert sink.write_failures == 3
    assert warnings == [f"--write-json {out}: cannot write history_0.json (No such file or "
                        "directory); trying again every second"]
    out.mkdir()
    wall[0] = 4.0
    sink.on_tick(Tick(4.0, 4.0, live=False))
    assert warnings[1:] == [f"--write-json {out}: writing again (3 writes failed)"]
    doc = json.loads((out / "aircraft.json").read_text())
    assert [a["flight"] for a in doc["aircraft"]] == ["KLM1023 "]
    # The history snapshot that could not be written then is there now.
    assert json.loads((out / "history_0.json").read_text())["now"] == 1.0
    assert json.loads((out / "receiver.json").read_text())["history"] == 1
    assert sink.published.documents["aircraft.json"] == (out / "aircraft.json").read_bytes()


def test_frames_without_a_level_are_left_out_of_the_signal_figures() -> None:
    """A network peer (AVR) sends frames with no level: NaN, left out, never -180 dBFS."""
    tracker = Tracker()
    tracker.update(0.0, decode(AMC_DF11), float("nan"))
    [entry] = aircraft_json(tracker.aircraft.values(), 0.0, 1)["aircraft"]
    assert "rssi" not in entry
    tracker.update(0.0, decode(AMC_DF11), 0.1)
    [entry] = aircraft_json(tracker.aircraft.values(), 0.0, 2)["aircraft"]
    assert entry["rssi"] == -10.0
    stats = StationStats(M)
    frame = "8D4840D6202CC371C32CE0576098"
    stats.on_frames(batch_of([frame, frame], [float("nan"), 0.5], [0, 1], CLOCK_HZ), M,
                    SourceCounts())
    local = stats_json(stats, None)["latest"]["local"]
    assert local["signal"] == local["peak_signal"] == pytest.approx(20 * math.log10(0.5),
                                                                    abs=0.05)
    assert local["strong_signals"] == 0
    assert stats_json(stats, None)["latest"]["messages"] == 2
    json.dumps(stats_json(stats, None), allow_nan=False)  # no NaN in the file
