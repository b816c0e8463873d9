"""The command line: output on stdout, one-line errors with exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from adsbwatch.receiver.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "sample_2400k.cu8"


def test_replay_raw_prints_only_avr_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(SAMPLE), "--raw"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    truth = {line.split()[0] for line in SAMPLE.with_suffix(".truth.txt").read_text()
             .splitlines() if not line.startswith("#")}
    assert len(lines) > 500
    assert all(line.startswith("*") and line.endswith(";") for line in lines)
    assert {line[1:-1] for line in lines} <= truth  # nothing that was not sent
    assert "frames (DF11" in err and "real time" in err


@pytest.mark.parametrize("args, message", [
    (["replay", "/nonexistent.cu8", "--raw"], "no such file"),
    (["replay", "/tmp", "--raw"], "is a directory"),
    (["replay", str(SAMPLE), "--raw", "--rate", "3.2M"], "not supported"),
    (["replay", str(SAMPLE), "--raw", "--rate", "fast"], "cannot read sample rate"),
])
def test_bad_input_is_one_line_and_status_2(capsys, args: list[str], message: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_empty_file_is_an_error(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.cu8"
    empty.write_bytes(b"")
    assert main(["replay", str(empty), "--raw"]) == 2
    assert "empty" in capsys.readouterr().err


def test_partial_sample_warns_and_keeps_the_rest(tmp_path: Path, capsys) -> None:
    odd = tmp_path / "odd.cs16"
    odd.write_bytes(SAMPLE.read_bytes()[:40_001])  # 10000 cs16 samples and one stray byte
    assert main(["replay", str(odd), "--raw"]) == 0
    err = capsys.readouterr().err
    assert "1 bytes that do not make a whole cs16 sample" in err
    assert "10000 samples" in err
