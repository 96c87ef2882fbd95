"""The poll schedule: about a minute first, doubling, capped, jittered, never past the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mailauth import backoff

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FAR = NOW + timedelta(days=3)


def test_intervals_double_then_cap() -> None:
    assert [backoff.interval(a) for a in range(7)] == [60, 120, 240, 480, 960, 1800, 1800]


def test_without_jitter_draw_the_wait_is_the_interval() -> None:
    assert backoff.next_wait(0, now=NOW, deadline=FAR, rng=lambda: 0.0) == 60
    assert backoff.next_wait(10, now=NOW, deadline=FAR, rng=lambda: 0.0) == 1800


def test_largest_jitter_stays_in_the_top_fifth() -> None:
    assert backoff.next_wait(10, now=NOW, deadline=FAR, rng=lambda: 0.999999) == 1441


def test_never_waits_past_the_deadline() -> None:
    assert backoff.next_wait(10, now=NOW, deadline=NOW + timedelta(seconds=90), rng=lambda: 0.0) == 90
    assert backoff.next_wait(10, now=NOW, deadline=NOW - timedelta(seconds=5)) == 1


@given(attempt=st.integers(0, 500), draw=st.floats(0, 1, exclude_max=True), cap=st.integers(60, 7200))
def test_bounds(attempt: int, draw: float, cap: int) -> None:
    wait = backoff.next_wait(attempt, now=NOW, deadline=FAR, cap=cap, rng=lambda: draw)
    ceiling = backoff.interval(attempt, cap=cap)
    assert ceiling * 0.8 - 1 <= wait <= ceiling


def test_a_48_hour_wait_stays_within_the_transition_budget() -> None:
    """Worst case (every draw at the largest jitter): polls x 3 states must stay under the 400 budget."""
    deadline = NOW + timedelta(hours=48)
    t, polls = NOW, 0
    while t < deadline:
        t += timedelta(seconds=backoff.next_wait(polls, now=t, deadline=deadline, rng=lambda: 0.999999))
        polls += 1
    assert polls * 3 + 12 <= 400, polls
