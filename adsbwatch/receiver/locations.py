"""Where the store is: --db names a SQLite file by its path, or a database server by a URL
(`postgresql://USER:PASSWORD@HOST:PORT/NAME`, libpq's). A URL may hold a password, so every
message, summary or config file that names the store shows `shown(location)`: the URL
without it (the password then comes from PGPASSWORD or ~/.pgpass)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")  # what libpq takes
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SECRET_PARAMETERS = ("password", "passfile", "sslpassword")


def url_scheme(location: str) -> str | None:
    """The scheme of a URL (`mysql` of `mysql://...`, lower case); None for a path."""
    match = _SCHEME.match(location)
    return match.group(1).lower() if match else None


def is_postgres(location: str) -> bool:
    return url_scheme(location) in POSTGRES_SCHEMES


def _split_userinfo(netloc: str) -> tuple[str | None, str]:
    """(user[:password] or None, host[:port][,host...])."""
    userinfo, at, hosts = netloc.rpartition("@")
    return (userinfo, hosts) if at else (None, netloc)


def shown(location: str) -> str:
    """The location as a message may print it: a URL without its password (in the user
    part or as a parameter); a path as it is."""
    if not secrets_of(location) and url_scheme(location) is not None:
        # nothing to hide; urlsplit cannot read some: show the scheme alone then
        return location if _readable(location) else f"{url_scheme(location)}://..."
    if url_scheme(location) is None:
        return location
    try:
        parts = urlsplit(location)
    except ValueError:  # e.g. a bad IPv6 host: show the scheme alone, nothing of the rest
        return f"{url_scheme(location)}://..."
    userinfo, hosts = _split_userinfo(parts.netloc)
    netloc = hosts if userinfo is None else f"{userinfo.partition(':')[0]}@{hosts}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() not in _SECRET_PARAMETERS])
    # not urlunsplit: it drops the `//` of an empty host (`postgresql:///adsb`)
    return (f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
            + (f"#{parts.fragment}" if parts.fragment else ""))


def _readable(location: str) -> bool:
    try:
        urlsplit(location)
    except ValueError:
        return False
    return True


def secrets_of(location: str) -> list[str]:
    """The password(s) a URL holds, as written and decoded: what no message may hold."""
    if url_scheme(location) is None:
        return []
    try:
        parts = urlsplit(location)
    except ValueError:
        return []
    found: list[str] = []
    userinfo, _ = _split_userinfo(parts.netloc)
    if userinfo is not None and ":" in userinfo:
        found.append(userinfo.partition(":")[2])
    found.extend(v for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k.lower() in _SECRET_PARAMETERS)
    return [s for secret in found for s in {secret, unquote(secret)} if s]


def scrubbed(text: str, location: str) -> str:
    """`text` (e.g. a driver's error) with any password of `location` starred out."""
    for secret in sorted(secrets_of(location), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
