"""The verification poll schedule: about a minute first, doubling, capped, jittered, never past the deadline.

Jitter spreads thousands of executions so their GetEmailIdentity polls do not arrive together (SES allows
1 request/s per account for everything but sending). The jitter is drawn from the top ``jitter`` fraction of
the current interval rather than from [0, interval] ("full jitter"): full jitter averages half the cap, which
over a 48-hour wait would cost about 190 polls (570 state transitions); bounded jitter keeps the spread and
roughly 110 polls. docs/decisions.md has the arithmetic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

DEFAULT_FIRST = 60
DEFAULT_CAP = 1800
DEFAULT_JITTER = 0.2


def interval(attempt: int, *, first: int = DEFAULT_FIRST, cap: int = DEFAULT_CAP) -> int:
    """The un-jittered interval before poll ``attempt + 1`` (attempt 0 → first)."""
    return int(min(cap, first * 2 ** min(attempt, 32)))


def next_wait(
    attempt: int,
    *,
    now: datetime,
    deadline: datetime,
    first: int = DEFAULT_FIRST,
    cap: int = DEFAULT_CAP,
    jitter: float = DEFAULT_JITTER,
    rng: Callable[[], float] = random.random,
) -> int:
    """Seconds to wait before the next poll, at least 1, and never beyond the deadline."""
    base = interval(attempt, first=first, cap=cap)
    wait = base - int(base * jitter * rng())
    remaining = int((deadline - now).total_seconds())
    return max(1, min(wait, remaining))
