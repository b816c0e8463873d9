"""The decoding pipeline as a sink: frames decoded, tracked and checked against the
watchlist; sightings announced, visits stored, the aircraft shown.

Its outlets fail apart: stdout closing (`| head`) or filling up ends the view, while
the store and the alerts go on for as long as there is one of them to serve."""

from __future__ import annotations

from collections.abc import Callable

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.outputs.alerts import Alerter
from adsbwatch.receiver.outputs.stdout import StdoutOutlet
from adsbwatch.receiver.station.fanout import OutletGone
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import Recorder


class DecodingSink:
    name = "decoding"

    def __init__(self, pipeline: Pipeline, alerter: Alerter, store: Recorder | None,
                 outlet: StdoutOutlet | None, warn: Callable[[str], None],
                 on_refresh: Callable[[], None] | None = None) -> None:
        self.pipeline = pipeline
        self.alerter = alerter
        self.store = store
        self.outlet = outlet  # where the view and sightings are written, if on stdout
        self.warn = warn
        self.on_refresh = on_refresh  # the live view's redraw, after each batch
        self.view_failure: str | None = None  # stdout failed; recording went on
        self._finished = False

    def on_batch(self, batch: FrameBatch) -> None:
        self.pipeline.on_batch(batch)
        if self.on_refresh is not None and self._view_open():
            self.on_refresh()
        self._check_outlet()

    def finish(self) -> None:
        """Announce what waits and write everything (once; close() calls it too)."""
        if not self._finished:
            self._finished = True
            self.pipeline.finish()

    def close(self) -> None:
        """Announce what waits and commit everything received."""
        try:
            self.finish()
            self.alerter.wait()
        finally:
            if self.store is not None:
                self._close_store()

    def _close_store(self) -> None:
        assert self.store is not None
        try:
            self.store.close()
        except StoreError as exc:
            raise RuntimeFailure(str(exc)) from None

    def _view_open(self) -> bool:
        return self.outlet is None or self.outlet.open

    def _check_outlet(self) -> None:
        if self.outlet is None or self.outlet.open:
            return
        still_serving = self.store is not None or self.alerter.argv is not None
        if self.outlet.gone:
            if not still_serving:
                raise OutletGone
            return  # the reader left; recording goes on
        if not still_serving:
            raise RuntimeFailure(self.outlet.failure)
        if self.view_failure is None:
            self.view_failure = self.outlet.failure
            self.warn(f"{self.outlet.failure}; the aircraft are still recorded")
