"""The command line: AVR lines on stdout, a summary and one-line errors on stderr."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from frames_support import check_house_rule, demodulate_file
from support import adsbwatch_command, checkout_env, run_adsbwatch

from adsbwatch.decoder.sim import simulate as sim
from adsbwatch.receiver.cli.main import main

AVR_LINE = re.compile(r"\*(?:[0-9a-f]{14}|[0-9a-f]{28});")
CAPTURES = ("1641427457780", "1641428106243", "1641428165033")
# Frames the demodulator finds beyond what every peer decoder finds (README: the peers all
# find exactly expected/*.txt). They stand on their CRC: a DF17 from a70bd1 with syndrome
# 0, a second DF0 whose parity is overlaid with a8aac8, heard in a DF17 of the capture,
# and the first frame of acf497, its least certain bit repaired (test_recordings.py).
BEYOND_PEERS = {"1641428106243": ["8da70bd158b99203f07f5b00f2ac", "02e19838bff1d9"],
                "1641427457780": ["8dacf497582b76194ee8aef76714"]}
# ... and the one it holds back: a DF11 of ad9293 at the noise floor, the aircraft's only
# frame in the capture, waits for its address to be confirmed (demod/holding.py).
HELD = {"1641428165033": ["5dad92936265f5"]}


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["replay", *args])
    out, err = capsys.readouterr()
    return status, out, err


# ------------------------------------------------------------------------- good input


@pytest.mark.parametrize("capture", CAPTURES)
def test_real_captures_print_the_expected_frames(recordings: Path, capsys,
                                                 capture: str) -> None:
    path = recordings / f"dump1090rs_{capture}_cs16qi_2400k.iq"
    expected = (recordings / "expected" / f"dump1090rs_{capture}.txt").read_text().split()
    status, out, err = run_main(capsys, str(path), "--raw", "--format", "cs16")
    assert status == 0
    lines = out.splitlines()
    assert all(AVR_LINE.fullmatch(line) for line in lines), out  # nothing else on stdout
    printed = [line[1:-1] for line in lines]
    assert Counter(printed) == (Counter(expected + BEYOND_PEERS.get(capture, []))
                                - Counter(HELD.get(capture, [])))
    assert printed == demodulate_file(path, "cs16").hexes  # the demodulator's, in its order
    check_house_rule(printed)
    summary = err.splitlines()
    assert len(summary) == 1
    assert summary[0].startswith(f"adsbwatch: {len(printed)} frames (")
    assert "131072 samples (0.055 s at 2.4 MS/s)" in summary[0]


@pytest.mark.parametrize("fmt", ["cu8", "cs8", "cs16", "cf32"])
def test_simulated_recording_in_each_format_by_extension(make_recording, capsys,
                                                         fmt: str) -> None:
    path, truth = make_recording(2_400_000, fmt)
    status, out, err = run_main(capsys, str(path), "--raw")
    assert status == 0
    assert out.splitlines() == [f"*{frame};" for frame in truth]
    assert err.startswith(f"adsbwatch: {len(truth)} frames (DF17 {len(truth)}); ")


def test_rate_option_and_quiet(make_recording, capsys) -> None:
    path, truth = make_recording(2_000_000, "cu8")
    status, out, err = run_main(capsys, str(path), "--raw", "--rate", "2M", "-q")
    assert (status, out.splitlines(), err) == (0, [f"*{f};" for f in truth], "")
    # Read at the wrong rate the same bytes give none of those frames.
    status, out, _ = run_main(capsys, str(path), "--raw", "-q")
    assert status == 0 and not set(out.splitlines()) & {f"*{f};" for f in truth}


def test_sigmf_recording_takes_format_and_rate_from_the_metadata(make_recording,
                                                                 capsys) -> None:
    path, truth = make_recording(2_000_000, "cs16", name="capture.sigmf-data")
    meta = path.with_suffix(".sigmf-meta")
    meta.write_text(json.dumps({"global": {"core:datatype": "ci16_le",
                                           "core:sample_rate": 2_000_000}}))
    for named in (meta, path):
        status, out, err = run_main(capsys, str(named), "--raw")
        assert status == 0
        assert out.splitlines() == [f"*{frame};" for frame in truth]
        assert "at 2 MS/s" in err


def test_stdin_gives_the_same_lines_as_the_file(recordings: Path, capsys) -> None:
    path = recordings / "modes1_resampled_cu8_2400k.bin"
    status, from_file, _ = run_main(capsys, str(path), "--raw")
    assert status == 0 and len(from_file.splitlines()) >= 340
    piped = run_adsbwatch("replay", "-", "--raw", "--rate", "2.4M", input=path.read_bytes(),
                          text=False, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.decode() == from_file
    err = piped.stderr.decode().splitlines()
    assert len(err) == 1 and "428242 samples (0.178 s at 2.4 MS/s)" in err[0]


def test_partial_sample_warns_and_keeps_the_whole_samples(make_recording, capsys) -> None:
    path, truth = make_recording(2_400_000, "cs16")
    whole_samples = path.stat().st_size // 4
    with path.open("ab") as f:
        f.write(b"\x01\x02\x03")
    status, out, err = run_main(capsys, str(path), "--raw")
    assert status == 0
    assert out.splitlines() == [f"*{frame};" for frame in truth]
    warning, summary = err.splitlines()
    assert warning == (f"adsbwatch: warning: {path} ends with 3 bytes that do not make a "
                       "whole cs16 sample (4 bytes each); ignored them")
    assert f"; {whole_samples} samples (" in summary


# -------------------------------------------------------------------------- bad input


def one_line_error(status: int, out: str, err: str, message: str) -> None:
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("adsbwatch: error: ")
    assert message in err, err
    assert "Traceback" not in err


def test_missing_file(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.cu8"
    one_line_error(*run_main(capsys, str(missing), "--raw"), f"{missing}: no such file")


def test_directory(tmp_path: Path, capsys) -> None:
    one_line_error(*run_main(capsys, str(tmp_path), "--raw"),
                   f"{tmp_path}: is a directory, not an IQ recording")


def test_unreadable_file(tmp_path: Path, capsys) -> None:
    locked = tmp_path / "locked.cu8"
    locked.write_bytes(bytes(4000))
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user (root) who can read a chmod 000 file")
        one_line_error(*run_main(capsys, str(locked), "--raw"),
                       f"{locked}: permission denied")
    finally:
        locked.chmod(0o600)


def argparse_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The error line of a bad option value: argparse's, after the usage (exit 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["replay", *args])
    assert caught.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    return err.splitlines()[-1]


@pytest.mark.parametrize("rate, message", [
    ("3.2M", "sample rate 3.2 MS/s is not supported: use 2M or 2.4M"),
    ("fast", "cannot read sample rate 'fast': use e.g. 2.4M, 2400000 or 2.4e6"),
    ("nan", "cannot read sample rate 'nan': use e.g. 2.4M"),
])
def test_bad_rate(make_recording, capsys, rate: str, message: str) -> None:
    path, _ = make_recording()
    assert argparse_error(capsys, str(path), "--raw", "--rate", rate).startswith(
        f"adsbwatch replay: error: argument --rate: {message}")


def test_unknown_format_is_argparses_error(make_recording, capsys) -> None:
    path, _ = make_recording()
    assert argparse_error(capsys, str(path), "--raw", "--format", "wav") == (
        "adsbwatch replay: error: argument --format: 'wav' is not a sample format: use one "
        "of cf32, cs16, cs8, cu8")


def test_empty_file(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.cs16"
    empty.write_bytes(b"")
    one_line_error(*run_main(capsys, str(empty), "--raw"),
                   f"{empty} holds no cs16 samples (empty input)")


def test_bad_sigmf_metadata(tmp_path: Path, capsys) -> None:
    (tmp_path / "r.sigmf-data").write_bytes(bytes(400))
    meta = tmp_path / "r.sigmf-meta"
    meta.write_text('{"global": {"core:datatype": "ri8"}}')
    one_line_error(*run_main(capsys, str(meta), "--raw"),
                   f"{meta}: SigMF datatype 'ri8' is not supported")


# ------------------------------------------------------------------ a reader who leaves


def test_reader_closing_stdout_early_is_not_an_error(tmp_path: Path) -> None:
    """`adsbwatch replay - --raw | head -1`: the command ends quietly when head goes."""
    rng = np.random.default_rng(9)
    frames = sim.schedule(rng, 400, 2_400_000, 150e-6, 25.0, [0x4CA000 + k for k in range(6)])
    iq = sim.simulate_iq(frames, 2_400_000, sim.samples_needed(frames, 2_400_000), rng)
    chunk = sim.quantize(iq, "cu8")  # 400 frames, about 12 kB of AVR lines
    proc = subprocess.Popen([*adsbwatch_command(), "replay", "-", "--raw"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=0, env=checkout_env())
    stopped_reading = threading.Event()

    def feed() -> None:
        try:
            for _ in range(100):  # 29 MB: far more output than any pipe buffer holds
                proc.stdin.write(chunk)
        except BrokenPipeError:
            stopped_reading.set()  # it gave up on its input: it ended early
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    first = proc.stdout.readline().decode()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    status = proc.wait(timeout=120)
    feeder.join(timeout=120)
    assert first == f"*{frames[0].data.hex()};\n"
    assert status == 0, err
    assert "Traceback" not in err and "Exception" not in err and "Error" not in err
    assert stopped_reading.is_set()


def test_full_disk_is_a_one_line_runtime_failure(make_recording) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    path, _ = make_recording()
    with open("/dev/full", "wb") as full:
        result = run_adsbwatch("replay", str(path), "--raw", stdout=full,
                               stderr=subprocess.PIPE, capture_output=False, text=False,
                               timeout=120)
    assert result.returncode == 1
    assert result.stderr.decode() == (
        "adsbwatch: error: cannot write to stdout (No space left on device)\n")
