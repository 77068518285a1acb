"""Keeps the overview warm: computed in the background when the server starts, after every
submission or approval, and before the lake results expire — so no reader waits for the
assessment (a cold overview took ≈ 4 s; ``ecoplan bench web`` measures it).

Started by the application's lifespan (uvicorn; ``with TestClient(app)`` in tests), so the
many short-lived apps of the test suite do not each start a thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from ecoplan.web import context
from ecoplan.web.routes.pages import warm_overview

log = logging.getLogger(__name__)


class Warmer:
    """One background thread per application: warm now, on :meth:`poke`, and every
    ``interval`` seconds (less than the lake cache lifetime)."""

    def __init__(self, ctx: Any, interval: float = context.LAKE_CACHE_SECONDS * 0.8) -> None:
        self.ctx = ctx
        self.interval = interval
        self.generation = 0  # completed warm-ups
        self.started = 0  # warm-ups begun
        self.requested = 1  # the warm-up that includes the latest change
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._done = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ecoplan-warm", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def poke(self) -> None:
        """Something changed (a submission, an approval): warm again soon."""
        with self._done:
            self.requested = self.started + 1
        self._wake.set()

    def wait_for(self, generation: int, timeout: float = 120.0) -> bool:
        """Block until warm-up number ``generation`` has completed (tests, the bench)."""
        deadline = time.monotonic() + timeout
        with self._done:
            while self.generation < generation:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(left)
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            with self._done:
                self.started += 1
            context.REFRESHING.since = time.monotonic()
            try:
                warm_overview(self.ctx)
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs speed
                self.last_error = repr(exc)
                log.warning("overview warm-up failed: %r", exc)
            finally:
                context.REFRESHING.since = None
            with self._done:
                self.generation += 1
                self._done.notify_all()
            self._wake.wait(self.interval)
