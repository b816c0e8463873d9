"""What `--net-connect HOST:PORT[:beast|avr]` names: a peer and the format it sends."""

from __future__ import annotations

from dataclasses import dataclass

PROTOCOLS = ("beast", "avr")
DEFAULT_PROTOCOL = "beast"  # what dump1090-fa and readsb serve on 30005


@dataclass(frozen=True)
class NetSpec:
    host: str
    port: int
    protocol: str = DEFAULT_PROTOCOL

    @property
    def where(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def name(self) -> str:
        return f"{self.where} ({self.protocol})"

    @property
    def text(self) -> str:
        """As the option spells it, in full."""
        return f"{self.where}:{self.protocol}"


def parse_net_spec(text: str) -> NetSpec:
    """HOST:PORT[:beast|avr] (an IPv6 address in brackets); ValueError saying why."""
    rest, protocol = text, DEFAULT_PROTOCOL
    head, sep, tail = text.rpartition(":")
    if sep and tail.lower() in PROTOCOLS:
        rest, protocol = head, tail.lower()
    elif sep and not tail.isdigit():
        raise ValueError(f"{text!r}: the format must be beast or avr, not {tail!r}")
    host, sep, port = rest.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT[:beast|avr] (e.g. 127.0.0.1:30005)")
    return NetSpec(host, int(port), protocol)
