"""The one clock every step reads.

In AWS it is the wall clock. The local sandbox replaces the source with a simulated clock (advanced by Wait
states and retry back-off instead of sleeping), so deadline logic sees simulated hours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _source() if _source is not None else datetime.now(UTC)


def set_source(source: Callable[[], datetime] | None) -> None:
    """Install a time source (the sandbox's simulated clock); ``None`` restores the wall clock."""
    global _source
    _source = source
