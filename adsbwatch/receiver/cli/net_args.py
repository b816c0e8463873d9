"""Argument types the network options share (TCP outputs, --http, `serve`)."""

from __future__ import annotations

import argparse

DEFAULT_BIND = "127.0.0.1"  # network services listen on loopback unless told otherwise


def port_number(text: str) -> int:
    """A TCP port, 0 to 65535 (argparse type; what 0 means is the option's to say)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)
