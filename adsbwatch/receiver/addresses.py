"""HOST:PORT as the network options spell it (an IPv6 address in brackets), both ways.
Light: the options' checks use it before anything of the station is loaded."""

from __future__ import annotations


def where(host: str, port: int) -> str:
    """`host:port`, or `[host]:port` for an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def split_host_port(text: str) -> tuple[str, int] | None:
    """(host, port) of HOST:PORT or [IPV6]:PORT; None when it is not one."""
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host, int(port)
