"""A --notify URL, understood by Apprise and shown without its secrets.

What is secret depends on the service (a Telegram bot token sits where a host would,
a Pushover user key where a user name would): Apprise knows, and writes each URL with
its secrets hidden (`url(privacy=True)`). Every piece of the URL that this private form
does not show, and the user name and password, count as secret: lines name the URL with
them masked, and any text said of the URL (a service's error) has them masked too."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from adsbwatch.receiver.errors import UserError

NOTIFY_EXTRA = "pip install 'adsbwatch[notify]'"
MASK = "****"
SEPARATORS = r"[:/@?&=,#+;]+"  # what splits a URL into the pieces that may be secret
MQTT_SCHEMES = ("mqtt", "mqtts")


@dataclass(frozen=True)
class NotifyTarget:
    url: str  # as given: never printed
    shown: str  # its secrets masked
    secrets: tuple[str, ...]

    def redact(self, text: str) -> str:
        """`text` with every secret of the URL masked."""
        for secret in self.secrets:  # longest first: a secret may hold a shorter one
            text = re.sub(rf"(?<![\w.~-]){re.escape(secret)}(?![\w.~-])", MASK, text)
        return text


def scheme_of(url: str) -> str:
    """'ntfy' of 'ntfy://...', or the text before anything that could be secret."""
    head, sep, _ = url.partition("://")
    return head.lower() if sep and re.fullmatch(r"[A-Za-z][\w+.-]*", head) else "?"


def secret_pieces(url: str, private: str) -> tuple[str, ...]:
    """The pieces of `url` that its private form (Apprise's) does not show, and its user
    name and password; longest first."""
    _, _, rest = url.partition("://")
    shown = {piece.lower() for piece in re.split(SEPARATORS, private.partition("://")[2])}
    parts = urlsplit(url)
    try:
        port = str(parts.port) if parts.port is not None else None
    except ValueError:  # not a number: may be a token after a colon
        port = None
    secrets = {piece for piece in re.split(SEPARATORS, rest)
               if piece and piece.lower() not in shown and piece != port}
    for who in (parts.username, parts.password):
        if who:
            secrets |= {who, unquote(who)}
    return tuple(sorted(secrets, key=len, reverse=True))


def masked(url: str, secrets: tuple[str, ...]) -> str:
    """`url` with each secret piece replaced by the mask."""
    scheme, sep, rest = url.partition("://")
    hidden = set(secrets)
    pieces = re.split(f"({SEPARATORS})", rest)
    return scheme + sep + "".join(MASK if piece in hidden else piece for piece in pieces)


def importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def needs_extra() -> None:
    """A one-line error (exit 2) when Apprise is not installed."""
    if not importable("apprise"):
        raise UserError(f"--notify needs apprise, which is not installed: {NOTIFY_EXTRA}")


def notify_target(url: str) -> NotifyTarget:
    """`url` as a target; a URL Apprise does not understand is a one-line UserError
    that shows no more of it than its scheme."""
    needs_extra()
    import apprise

    scheme = scheme_of(url)
    if scheme in MQTT_SCHEMES and not importable("paho.mqtt.client"):
        raise UserError(f"--notify {scheme}://...: MQTT needs paho-mqtt, which is not "
                        f"installed: {NOTIFY_EXTRA}")
    plugin = apprise.Apprise.instantiate(url.strip())
    if plugin is None:
        raise UserError(f"--notify {scheme}://...: Apprise does not understand this URL "
                        "(e.g. ntfy://ntfy.sh/TOPIC, tgram://BOTTOKEN/CHATID, "
                        "mqtt://HOST/TOPIC, json://HOST/PATH; see Apprise's list of services)")
    secrets = secret_pieces(url, plugin.url(privacy=True))
    return NotifyTarget(url, masked(url, secrets), secrets)
