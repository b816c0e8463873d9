"""The spellings `adsbwatch live` takes for its own options."""

from __future__ import annotations

import argparse

import pytest

from adsbwatch.receiver.cli.live import device_choice, frequency, gain_setting, host_port


@pytest.mark.parametrize("text, hz", [("1090M", 1_090_000_000), ("1090e6", 1_090_000_000),
                                      ("1090000000", 1_090_000_000), ("978mhz", 978_000_000),
                                      ("24000k", 24_000_000)])
def test_frequencies(text: str, hz: int) -> None:
    assert frequency(text) == hz


@pytest.mark.parametrize("text", ["abc", "3G", "nan", "inf", "1e999", "10M", "2000M", ""])
def test_frequencies_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        frequency(text)


@pytest.mark.parametrize("text, parsed", [("pi.local:1234", ("pi.local", 1234)),
                                          ("192.168.1.20:1234", ("192.168.1.20", 1234)),
                                          ("[::1]:1234", ("::1", 1234))])
def test_host_port(text: str, parsed: tuple[str, int]) -> None:
    assert host_port(text) == parsed


@pytest.mark.parametrize("text", ["pi.local", ":1234", "pi:0", "pi:65536", "pi:http"])
def test_host_port_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        host_port(text)


def test_gains_and_devices() -> None:
    assert [gain_setting(g) for g in ("auto", "MAX", "40.2", " 0 ")] == ["auto", "max", "40.2",
                                                                          "0"]
    assert [device_choice(d) for d in ("0", "12", "serial:00000002")] == [
        "0", "12", "serial:00000002"]
    for bad_gain in ("loud", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            gain_setting(bad_gain)
    for bad_device in ("-1", "serial:", "usb1"):
        with pytest.raises(argparse.ArgumentTypeError):
            device_choice(bad_device)
