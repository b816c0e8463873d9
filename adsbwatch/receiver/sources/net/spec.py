"""What `--net-connect HOST:PORT[:beast|avr]` names: a peer and the format it sends."""

from __future__ import annotations

from dataclasses import dataclass

from adsbwatch.receiver.addresses import split_host_port, where

PROTOCOLS = ("beast", "avr")
DEFAULT_PROTOCOL = "beast"  # what dump1090-fa and readsb serve on 30005


@dataclass(frozen=True)
class NetSpec:
    host: str
    port: int
    protocol: str = DEFAULT_PROTOCOL

    @property
    def where(self) -> str:
        return where(self.host, self.port)

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
    address = split_host_port(rest)
    if address is None:
        raise ValueError(f"{text!r} is not HOST:PORT[:beast|avr] (e.g. 127.0.0.1:30005)")
    return NetSpec(*address, protocol)
