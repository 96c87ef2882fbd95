"""The simulated clock: Wait states and retry back-off advance it instead of sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


class SimClock:
    """A thread-safe, timezone-aware (UTC) clock that only moves when told to.

    ``now`` is installed as the source of ``mailauth.clock`` while a :class:`~mailauth_sandbox.LocalAws`
    runs, so deadlines computed by the handlers are measured in simulated time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or DEFAULT_START
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._start = start.astimezone(UTC)
        self._now = self._start
        self._lock = threading.Lock()

    @property
    def start(self) -> datetime:
        """The time the clock started at."""
        return self._start

    def now(self) -> datetime:
        """Current simulated time (UTC, aware)."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` (negative values are ignored) and return the new time."""
        with self._lock:
            if seconds > 0:
                self._now = self._now + timedelta(seconds=seconds)
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when``; the clock never goes backwards."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._lock:
            self._now = max(self._now, when.astimezone(UTC))

    def elapsed(self) -> timedelta:
        """Simulated time since the start."""
        return self.now() - self._start
