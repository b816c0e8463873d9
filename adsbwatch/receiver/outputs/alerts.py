"""Alerts for sightings: a highlighted console line, and the user's --on-sighting command.

The command runs without a shell (so a callsign or label can never be run as code), gets
the sighting as JSON on stdin and the main fields, the alert's title and text in its
environment (ADSBWATCH_ICAO, _LABEL, _CALLSIGN, _REGISTRATION, _TYPE, _TITLE, _TEXT:
what a push message says), and never holds up
the receiver: commands run from a thread of their own, at most MAX_RUNNING at once, each
killed after COMMAND_TIMEOUT_S; sightings beyond MAX_WAITING wait for none and are
counted. A command that cannot start is one warning, and the alerts go on.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from rich.console import Console

from adsbwatch.receiver.core.events import Sighting
from adsbwatch.receiver.core.lines import warn_on_stderr
from adsbwatch.receiver.core.stopping import StopClock
from adsbwatch.receiver.outputs.sighting_text import (
    SightingFacts,
    body,
    console_line,
    environment,
    facts_of,
    title,
)

MAX_RUNNING = 4  # commands at once
MAX_WAITING = 100  # sightings waiting for a free slot; more are not run (counted)
COMMAND_TIMEOUT_S = 30.0  # a notifier that takes longer is killed
CLOSE_WAIT_S = 5.0  # at the end, how long running and waiting commands get in all
KILL_WAIT_S = 0.5  # for a killed command to be gone
# What the command's JSON holds beside the sighting's own fields: the database's and the
# receiver's facts, and the words a push message has.
EXTRA = ("registration", "type_code", "description", "operator", "country", "distance_km",
         "bearing_deg", "map_url")


def sighting_line(s: Sighting, receiver: tuple[float, float] | None = None) -> str:
    return console_line(facts_of(s, receiver))


class _Run(NamedTuple):
    """One sighting's run of the command: its input and its variables."""

    stdin: bytes
    env: dict[str, str]


class CommandRunner:
    """Runs `argv` for each sighting handed to it, bounded as the module says."""

    def __init__(self, argv: Sequence[str], warn: Callable[[str], None] = warn_on_stderr,
                 max_running: int = MAX_RUNNING, timeout_s: float = COMMAND_TIMEOUT_S) -> None:
        self.argv = list(argv)
        self.warn = warn
        self.timeout_s = timeout_s
        self.started = 0
        self.failures = 0  # could not start
        self.killed = 0  # ran past the timeout
        self.not_run = 0  # the waiting queue was full, or the run ended first
        self._waiting: queue.Queue[_Run | None] = queue.Queue(MAX_WAITING)
        self._said_full = False
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work, name="on-sighting", daemon=True)
                         for _ in range(max_running)]
        for thread in self._threads:
            thread.start()

    @property
    def running(self) -> int:
        """Commands running now."""
        with self._lock:
            return len(self._running)

    def submit(self, sighting: Sighting, facts: SightingFacts | None = None) -> None:
        """Run the command for `sighting` (what it is given is taken now, on the
        caller's thread: the aircraft changes after)."""
        facts = facts or facts_of(sighting)
        data = sighting.as_dict()
        data.update({key: value for key, value in facts.as_dict().items() if key in EXTRA})
        data.update(title=title(facts), text=body(facts))
        try:
            self._waiting.put_nowait(_Run(json.dumps(data).encode() + b"\n",
                                          environment(facts)))
        except queue.Full:
            self.not_run += 1
            if not self._said_full:
                self._said_full = True
                self.warn(f"--on-sighting: {MAX_WAITING} sightings wait for the command "
                          "already; more are not run until it catches up")

    def _work(self) -> None:
        while not self._stop.is_set():
            run = self._waiting.get()
            if run is None:
                return
            self._run(run)

    def _run(self, run: _Run) -> None:
        env = dict(os.environ, **run.env)
        try:
            proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, env=env)  # noqa: S603
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the environment
            self.failures += 1
            self.warn(f"--on-sighting: cannot run {self.argv[0]!r} "
                      f"({getattr(exc, 'strerror', None) or exc})")
            return
        self.started += 1
        with self._lock:
            self._running.add(proc)
        assert proc.stdin is not None
        try:
            proc.stdin.write(run.stdin)
            proc.stdin.close()
        except OSError:
            pass  # the command need not read its input
        try:
            proc.wait(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.killed += 1
            self.warn(f"--on-sighting: {self.argv[0]!r} ran longer than "
                      f"{self.timeout_s:g} s; killed it")
        finally:
            with self._lock:
                self._running.discard(proc)

    def close(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """Let waiting and running commands finish within `wait_s` in all; the rest are
        not run, or killed."""
        deadline = time.monotonic() + wait_s  # one budget for the queue and the commands
        for _ in self._threads:
            try:
                self._waiting.put(None, timeout=max(0.0, deadline - time.monotonic()))
            except queue.Full:
                break
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._stop.set()
        while True:  # what never got a slot
            try:
                if self._waiting.get_nowait() is not None:
                    self.not_run += 1
            except queue.Empty:
                break
        with self._lock:
            late = list(self._running)
        for proc in late:  # still running when the run must end
            proc.kill()
        for proc in late:  # gone before close() returns (a kill is delivered, not instant)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=KILL_WAIT_S)
        if late:
            self.warn(f"--on-sighting: stopped {len(late)} commands still running at the end")
        if self.not_run:
            self.warn(f"--on-sighting: {self.not_run} sightings were not run (too many "
                      "waiting, or the run ended first)")


class Alerter:
    """The sightings consumer: the console line, and the command if one is given.
    `receiver`: where distances are measured from; `map_root`: the web map, linked to."""

    name = "alerts"

    def __init__(self, console: Console, argv: Sequence[str] | None,
                 warn: Callable[[str], None] = warn_on_stderr,
                 receiver: tuple[float, float] | None = None,
                 map_root: str | None = None, stop_clock: StopClock | None = None) -> None:
        self.console = console
        self.receiver = receiver
        self.map_root = map_root
        self.stop_clock = stop_clock or StopClock()  # after a stop: what is left of it
        self.runner = CommandRunner(argv, warn) if argv else None

    def on_sighting(self, sighting: Sighting) -> None:
        facts = facts_of(sighting, self.receiver, self.map_root)
        self.console.print(console_line(facts), style="bold black on yellow",
                           highlight=False, soft_wrap=True)
        if self.runner is not None:
            self.runner.submit(sighting, facts)

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close(self.stop_clock.left(CLOSE_WAIT_S))
