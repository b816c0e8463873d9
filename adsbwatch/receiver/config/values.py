"""How each setting's value is spelt: plain functions from the text of an option (or of a
config file's value) to the typed value, raising ValueError with a one-line message.
The command line and the config file both go through them, so a value reads the same
wherever it is given."""

from __future__ import annotations

import math
import shlex
from pathlib import Path

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.receiver.addresses import is_number, split_host_port
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.rates import parse_rate, scaled_number
from adsbwatch.receiver.when import parse_when

# librtlsdr writes the correction into a 14-bit signed register of the RTL2832U
# (-ppm * 2**24 / 1e6 must lie in -8192..8191): beyond 488 ppm it wraps around. A dongle
# that far off would also put 1090 MHz outside the band it samples.
MAX_PPM = 488
MIN_STATS_S = 1.0  # a stats line more often floods the journal and costs the receiver
TUNABLE_HZ = (24_000_000, 1_766_000_000)  # what an RTL-SDR's tuners cover
REPAIR_BITS = (0, 1, 2)
TILES_EXAMPLE = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def finite(text: str, what: str) -> float:
    """`text` as a finite float; NaN, infinities and non-numbers are not `what`."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not {what}")
    return value


def seconds(text: str) -> float:
    """A finite, non-negative number of seconds."""
    what = "a number of seconds (0 or more)"
    value = finite(text, what)
    if value < 0:
        raise ValueError(f"{text!r} is not {what}")
    return value


def positive_seconds(text: str) -> float:
    value = seconds(text)
    if value == 0:
        raise ValueError(f"{text!r}: must be more than 0 seconds")
    return value


def stats_interval(text: str) -> float:
    """Seconds between stats lines: 0 for none, else at least MIN_STATS_S."""
    value = seconds(text)
    if 0 < value < MIN_STATS_S:
        raise ValueError(f"{text!r}: at most one stats line a second "
                         f"({MIN_STATS_S:g} or more; 0: none)")
    return value


def days(text: str) -> float:
    """A number of days, more than 0 (fractions too: 0.5 is 12 hours)."""
    what = "a number of days (more than 0)"
    value = finite(text, what)
    if value <= 0:
        raise ValueError(f"{text!r} is not {what}")
    return value


OLD_POINTS = ("thin", "delete")


def old_points(text: str) -> str:
    """What becomes of old points of unwatched aircraft."""
    if text not in OLD_POINTS:
        raise ValueError(f"{text!r}: use thin (keep one a minute) or delete")
    return text


def degrees(text: str) -> float:
    """A latitude or longitude; whether the two make a place on Earth is checked together."""
    return finite(text, "a number of degrees")


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (what 0 means is the option's to say)."""
    if not is_number(text, 5) or int(text) > 65535:
        raise ValueError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def frequency(text: str) -> int:
    """Hz from '1090M', '1090e6' or '1090000000'."""
    value = scaled_number(text, ("hz",))
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a frequency (e.g. 1090M)")
    hz = round(value)
    low, high = TUNABLE_HZ
    if not low <= hz <= high:
        raise ValueError(f"{text!r} is outside what an RTL-SDR tunes "
                         f"({low // 1_000_000} MHz to {high // 1_000_000} MHz)")
    return hz


def gain(text: str) -> str:
    """'auto', 'max' or a number of dB (the tuner's nearest step is checked on opening)."""
    cleaned = text.strip().lower()
    if cleaned in ("auto", "max"):
        return cleaned
    finite(cleaned, "a gain: use auto, max or a gain in dB")
    return cleaned


def ppm(text: str) -> int:
    """A frequency correction in parts per million, within what the dongle can apply."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number of ppm") from None
    if abs(value) > MAX_PPM:
        raise ValueError(f"{text!r} is beyond what an RTL-SDR corrects "
                         f"(-{MAX_PPM} to {MAX_PPM} ppm)")
    return value


def device(text: str) -> str:
    """An index (0, 1, ...) or serial:SERIAL."""
    if is_number(text, 3) or (text.startswith("serial:") and len(text) > len("serial:")):
        return text
    raise ValueError(f"{text!r}: use a device index (0, 1, ...) or serial:SERIAL "
                     "(rtl_test lists them)")


def host_port(text: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 address in brackets: [::1]:1234)."""
    address = split_host_port(text)
    if address is None:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 192.168.1.20:1234)")
    return address


RTL_TCP_PORT = 1234  # rtl_tcp's own default


def rtl_tcp_server(text: str) -> tuple[str, int]:
    """HOST[:PORT] of an rtl_tcp server: its port 1234 unless given, as rtl_tcp's."""
    address = split_host_port(text)
    if address is not None:
        return address
    bracketed = text.startswith("[") and text.endswith("]")  # [IPV6]
    host = text[1:-1] if bracketed else text
    if host and not any(c.isspace() for c in host) and (bracketed or ":" not in host):
        return host, RTL_TCP_PORT
    raise ValueError(f"{text!r} is not HOST or HOST:PORT (e.g. 192.168.1.20:1234)")


def sample_rate(text: str) -> int:
    """Samples per second from '2.4M', '2400000' or '2.4e6', one the demodulator takes."""
    try:
        return parse_rate(text)
    except UserError as exc:
        raise ValueError(str(exc)) from None


def sample_format(text: str) -> str:
    if text not in FORMATS:
        raise ValueError(f"{text!r} is not a sample format: use one of "
                         f"{', '.join(sorted(FORMATS))}")
    return text


def repair_bits(text: str) -> int:
    if text.strip() not in {str(bits) for bits in REPAIR_BITS}:
        raise ValueError(f"{text!r}: use 0, 1 or 2 (the bits to repair)")
    return int(text)


def text_value(text: str, what: str = "value") -> str:
    """Any text but an empty one or one holding NUL (no file name or argument can)."""
    if not text:
        raise ValueError(f"an empty {what}")
    if "\0" in text:
        raise ValueError(f"{text!r}: a {what} cannot hold a NUL character")
    return text


def site(text: str) -> str:
    """A site's name, without the blanks around it (a config file's line may have them)."""
    return text_value(text.strip(), "site name")


def path_text(text: str) -> str:
    """A file name, kept as given: '-' stays stdin, '' is no name."""
    return text_value(text, "file name")


def path(text: str) -> Path:
    return Path(path_text(text))


def command(text: str) -> tuple[str, ...]:
    """A command line to run without a shell, split as a shell would split it."""
    text_value(text, "command")
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise ValueError(f"cannot parse {text!r} ({exc})") from None
    if not argv:
        raise ValueError(f"{text!r} names no program to run")
    return argv


def notify_url(text: str) -> str:
    """An Apprise URL (ntfy://..., tgram://..., mqtt://...); whether Apprise knows it is
    checked when the run starts. Never echoed: it may hold a token."""
    url = text.strip()
    scheme, sep, rest = url.partition("://")
    if not (sep and rest and scheme.replace("+", "").isalnum()) or "\0" in url \
            or any(c.isspace() for c in url):
        raise ValueError("not a notification URL: SERVICE://... as Apprise writes them, "
                         "e.g. ntfy://ntfy.sh/TOPIC, tgram://BOTTOKEN/CHATID, "
                         "mqtt://HOST/TOPIC")
    return url


def bind_address(text: str) -> str:
    """An address to listen on; empty would mean every interface, which must be asked."""
    if not text or text != text.strip() or "\0" in text:
        raise ValueError(f"{text!r} is not an address to listen on (e.g. 127.0.0.1, or "
                         "0.0.0.0 for every interface)")
    return text


def client_limit(text: str) -> int:
    """How many clients a port takes at once: 1 or more."""
    if not is_number(text, 6) or int(text) < 1:
        raise ValueError(f"{text!r} is not a number of clients (1 or more)")
    return int(text)


def http_host(text: str) -> str:
    """A name the HTTP server answers to (as a browser's Host header has it), or * for
    any name."""
    name = text.strip().lower().rstrip(".")
    if name == "*":
        return name
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-.:")
    if not name or not set(name) <= allowed:
        raise ValueError(f"{text!r} is not a host name (e.g. adsb.home.example or "
                         "192.168.1.20; * for any)")
    return name


def tile_url(text: str) -> str:
    """A Leaflet tile URL template: http(s) with {z}, {x} and {y}."""
    if not text.startswith(("http://", "https://")):
        raise ValueError(f"{text!r}: a tile URL starts with http:// or https:// "
                         f"(e.g. {TILES_EXAMPLE})")
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in text]
    if missing:
        raise ValueError(f"{text!r}: a tile URL template holds {{z}}, {{x}} and {{y}}; "
                         f"this one lacks {', '.join(missing)} (e.g. {TILES_EXAMPLE})")
    return text


def start_time(text: str) -> str:
    """When a recording began, kept as given (a span ago counts back from the run's
    start), checked now."""
    parse_when(text, 0.0)
    return text
