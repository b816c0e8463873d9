"""Sample rates and formats as the user spells them."""

from __future__ import annotations

import math

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.decoder.demod.rates import SUPPORTED_RATES
from adsbwatch.receiver.errors import UserError

DEFAULT_RATE = 2_400_000
DEFAULT_FORMAT = "cu8"


def scaled_number(text: str, units: tuple[str, ...] = ()) -> float:
    """'2.4M', '2400k', '2400000' or '2.4e6' as a number, after dropping one of the
    `units` suffixes ('sps', 'hz'); NaN when it is not one (or not finite)."""
    cleaned = text.strip().lower()
    for unit in units:
        cleaned = cleaned.removesuffix(unit)
    scale = 1.0
    if cleaned.endswith("m"):
        cleaned, scale = cleaned[:-1], 1e6
    elif cleaned.endswith("k"):
        cleaned, scale = cleaned[:-1], 1e3
    try:
        value = float(cleaned) * scale
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


MS_PER_S_BELOW = 1000.0  # a bare number under this is MS/s: nobody samples at 2.4 Hz


def parse_rate(text: str) -> int:
    """'2.4M', '2.4', '2400k', '2400000' or '2.4e6' -> samples per second."""
    value = scaled_number(text, ("sps", "s/s"))  # "2.4 MS/s", "2.4Msps": then the M
    if not math.isfinite(value):  # also 'nan', 'inf' and '1e999', which float() accepts
        raise UserError(
            f"cannot read sample rate {text!r}: use e.g. 2.4M, 2400000 or 2.4e6")
    if value <= 0:
        raise UserError(f"sample rate {_one_line(text)} is not supported: use "
                        f"{supported_rates_text()}")
    if value < MS_PER_S_BELOW:  # given in MS/s: say it back as given
        return check_rate(round(value * 1e6), text)
    return check_rate(round(value))


def check_rate(rate: int, given: str | None = None) -> int:
    """`rate` if the demodulator takes it; `given`: as the user wrote it in MS/s, for the
    error."""
    if rate not in SUPPORTED_RATES:
        shown = f"{rate / 1e6:g} MS/s" if abs(rate) < 10**15 else f"{rate} samples/s"
        if given is not None:
            shown = f"{_one_line(given)} ({shown})"
        raise UserError(f"sample rate {shown} is not supported: use {supported_rates_text()}")
    return rate


def _one_line(text: str) -> str:
    """The user's text said back on the error's one line: its whitespace (a newline
    inside "0\nK" included) as single spaces."""
    return " ".join(text.split())


def supported_rates_text() -> str:
    return " or ".join(f"{r / 1e6:g}M" for r in SUPPORTED_RATES)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UserError(f"unknown IQ format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt
