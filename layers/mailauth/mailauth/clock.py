"""The one clock every step reads, and the one way a step waits.

In AWS they are the wall clock and ``time.sleep``. The local sandbox replaces both with its simulated clock
(advanced by Wait states and retry back-off instead of sleeping; concurrent executions wait at the same time),
so deadline logic sees simulated hours and a step that waits for its turn lets the others run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None
_sleeper: Callable[[float], None] | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _source() if _source is not None else datetime.now(UTC)


def sleep(seconds: float) -> None:
    """Wait ``seconds`` (nothing when not positive)."""
    if seconds > 0:
        (_sleeper or time.sleep)(seconds)


def set_source(source: Callable[[], datetime] | None, sleeper: Callable[[float], None] | None = None) -> None:
    """Install a time source and its sleep (the sandbox's simulated clock); ``None`` restores the wall clock."""
    global _source, _sleeper
    _source = source
    _sleeper = sleeper if source is not None else None
