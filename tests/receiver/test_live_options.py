"""The spellings `adsbwatch live` takes for its own settings (receiver/config/values.py)."""

from __future__ import annotations

import pytest

from adsbwatch.receiver.config.values import device, frequency, gain, host_port, ppm


@pytest.mark.parametrize("text, hz", [("1090M", 1_090_000_000), ("1090e6", 1_090_000_000),
                                      ("1090000000", 1_090_000_000), ("978mhz", 978_000_000),
                                      ("24000k", 24_000_000)])
def test_frequencies(text: str, hz: int) -> None:
    assert frequency(text) == hz


@pytest.mark.parametrize("text", ["abc", "3G", "nan", "inf", "1e999", "10M", "2000M", ""])
def test_frequencies_refused(text: str) -> None:
    with pytest.raises(ValueError):
        frequency(text)


@pytest.mark.parametrize("text, parsed", [("pi.local:1234", ("pi.local", 1234)),
                                          ("192.168.1.20:1234", ("192.168.1.20", 1234)),
                                          ("[::1]:1234", ("::1", 1234))])
def test_host_port(text: str, parsed: tuple[str, int]) -> None:
    assert host_port(text) == parsed


@pytest.mark.parametrize("text", ["pi.local", ":1234", "pi:0", "pi:65536", "pi:http",
                                  "pi:\u0661\u0662", "pi:" + "1" * 5000])
def test_host_port_refused(text: str) -> None:
    with pytest.raises(ValueError):
        host_port(text)


def test_gains_and_devices() -> None:
    assert [gain(g) for g in ("auto", "MAX", "40.2", " 0 ", "-9.9")] == [
        "auto", "max", "40.2", "0", "-9.9"]
    assert [device(d) for d in ("0", "12", "serial:00000002")] == [
        "0", "12", "serial:00000002"]
    for bad_gain in ("loud", "", "nan", "inf"):
        with pytest.raises(ValueError):
            gain(bad_gain)
    for bad_device in ("-1", "serial:", "usb1", "\u0663"):
        with pytest.raises(ValueError):
            device(bad_device)


def test_the_correction_a_dongle_can_apply() -> None:
    # librtlsdr's register for it holds -8192..8191 of -ppm * 2**24 / 1e6.
    assert [ppm(p) for p in ("0", "-3", "+12", "488", "-488")] == [0, -3, 12, 488, -488]
    for bad in ("489", "-489", "2147483648", "1e12", "12.5", "nan", "9" * 5000):
        with pytest.raises(ValueError):
            ppm(bad)
