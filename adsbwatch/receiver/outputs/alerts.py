"""Alerts for sightings: a highlighted console line, and the user's --on-sighting command.

The command runs without a shell (so a callsign or label can never be run as code), gets
the sighting as JSON on stdin and the main fields in its environment, and is not waited
for: a slow notifier must not hold up the receiver. Finished commands are reaped as new
ones start and at the end.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

from rich.console import Console

from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.station.pipeline import Sighting
from adsbwatch.receiver.when import table_time


def sighting_line(s: Sighting) -> str:
    v, ac = s.visit, s.aircraft
    when = f"{table_time(v.first_seen)} UTC"
    parts = [f"SIGHTING {ac.hex.upper()}"]
    if v.label:
        parts.append(f"({v.label})")
    if ac.callsign:
        parts.append(f"callsign {ac.callsign}")
    if ac.squawk:
        parts.append(f"squawk {ac.squawk}")
    if ac.altitude is not None:
        parts.append(f"{ac.altitude} ft")
    level = v.signal_dbfs(1)  # None: its frames came from a peer that sends no level
    parts.append(f"at {when}" if level is None else f"at {when}, {level:.1f} dBFS")
    return " ".join(parts)


class Alerter:
    def __init__(self, console: Console, command: str | None) -> None:
        self.console = console
        self.argv = _parse_command(command) if command else None
        self.running: list[subprocess.Popen[bytes]] = []
        self.failures = 0

    def __call__(self, sighting: Sighting) -> None:
        self.console.print(sighting_line(sighting), style="bold black on yellow",
                           highlight=False, soft_wrap=True)
        if self.argv is not None:
            self._run(sighting)

    def _run(self, sighting: Sighting) -> None:
        self.running = [p for p in self.running if p.poll() is None]
        data = sighting.as_dict()
        env = dict(os.environ, ADSBWATCH_ICAO=str(data["icao"]),
                   ADSBWATCH_LABEL=str(data["label"]), ADSBWATCH_CALLSIGN=str(data["callsign"]))
        try:
            proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, env=env)  # noqa: S603
        except OSError as exc:
            self.failures += 1
            print(f"adsbwatch: warning: --on-sighting: cannot run {self.argv[0]!r} "
                  f"({exc.strerror or exc})", file=sys.stderr)
            return
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(data).encode() + b"\n")
            proc.stdin.close()
        except OSError:
            pass  # the command need not read its input
        self.running.append(proc)

    def wait(self, timeout: float = 10.0) -> None:
        """Let the last commands finish (each at most `timeout` seconds)."""
        for proc in self.running:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.running = []


def _parse_command(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UserError(f"--on-sighting: cannot parse {command!r} ({exc})") from None
    if not argv:
        raise UserError("--on-sighting: empty command")
    return argv
