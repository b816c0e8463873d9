"""One asyncio loop in a daemon thread for every network part of a run: the TCP
servers (Beast, AVR, SBS), the push connectors, the HTTP server.

The station's sinks run in the station's thread and hand bytes over with `call`
(never blocking on a client); the loop's coroutines never touch the pipeline's state
directly, only what was handed to them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from adsbwatch.receiver.core.lines import RateLimitedLine, warn_on_stderr

T = TypeVar("T")

STOP_WAIT_S = 5.0  # a loop that will not stop within this is left to the process's exit


class NetworkThread:
    def __init__(self, name: str = "network",
                 warn: Callable[[str], None] = warn_on_stderr) -> None:
        self.loop = asyncio.new_event_loop()
        # What the loop cannot hand to anyone (an error in a callback, a transport's
        # failure) is one line, not asyncio's traceback, and a repeating one is counted.
        self._loop_trouble = RateLimitedLine(warn)
        self.loop.set_exception_handler(self._report)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def _report(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        text = str(context.get("message") or "an error")
        exc = context.get("exception")
        if exc is not None:
            text += f" ({type(exc).__name__}: {exc})" if str(exc) else f" ({type(exc).__name__})"
        self._loop_trouble(f"network: {text}")

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.loop.is_closed()

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` in the loop's thread, soon; returns at once."""
        if self.running:
            self.loop.call_soon_threadsafe(fn, *args)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` in the loop and wait for its result (or its exception)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self, timeout: float = STOP_WAIT_S) -> None:
        """Cancel what still runs in the loop, stop it and wait for its thread."""
        if not self.running:
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.run(cancel_all(), timeout)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self.loop.close()
