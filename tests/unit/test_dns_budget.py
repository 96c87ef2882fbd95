"""DNS checks stay inside the step's time: a deadline bounds every lookup, and what is not asked is said so."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dns.exception
import pytest

from mailauth import dnscheck
from mailauth.models import DnsCheck, RecordSet, ZoneInfo
from mailauth.verification import diagnose


class SlowDns:
    """A resolver whose every lookup times out after the lifetime it is given, on a fake clock."""

    def __init__(self, clock: list[float], deadline: float | None = None) -> None:
        self.clock = clock
        self.lifetimes: list[float] = []
        self.mailauth_deadline = deadline  # what make_resolver(deadline=...) sets

    def resolve(
        self, name: str, rtype: str, raise_on_no_answer: bool = True, lifetime: float | None = None
    ) -> Any:
        assert lifetime is not None
        self.lifetimes.append(lifetime)
        self.clock[0] += lifetime
        raise dns.exception.Timeout


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(dnscheck, "_monotonic", lambda: now[0])
    return now


def wanted(count: int) -> list[tuple[Any, RecordSet]]:
    return [
        (
            "dkim",
            RecordSet(
                name=f"t{i}._domainkey.example.com", type="CNAME", values=(f"t{i}.dkim.amazonses.com",)
            ),
        )
        for i in range(count)
    ]


def test_lookups_never_outlast_the_deadline(clock: list[float]) -> None:
    slow = SlowDns(clock, deadline=clock[0] + 7.0)

    checks = dnscheck.check_records(slow, wanted(6))  # type: ignore[arg-type]

    assert sum(slow.lifetimes) <= 7.0  # 3 + 3 + 1: the last lookup gets only what is left
    assert slow.lifetimes == [3.0, 3.0, 1.0]
    assert [c.error for c in checks] == ["Timeout"] * 3 + [dnscheck.OUT_OF_TIME] * 3
    assert all(not c.ok and not c.found for c in checks)


def test_without_a_deadline_each_lookup_has_the_full_timeout(clock: list[float]) -> None:
    slow = SlowDns(clock)
    dnscheck.check_records(slow, wanted(2))  # type: ignore[arg-type]
    assert slow.lifetimes == [dnscheck.TIMEOUT, dnscheck.TIMEOUT]


def test_deadline_for_keeps_a_reserve_for_the_rest_of_the_step(clock: list[float]) -> None:
    assert dnscheck.deadline_for(30_000) == clock[0] + 25.0
    assert dnscheck.deadline_for(2_000) == clock[0]  # nothing left for DNS


def test_an_unchecked_record_is_not_called_missing() -> None:
    zone = ZoneInfo(
        domain="example.com",
        hosted_zone_id="Z1",
        zone_name="example.com",
        delegation="ok",
        requested_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    check = DnsCheck(
        name="t0._domainkey.example.com",
        type="CNAME",
        purpose="dkim",
        expected=("t0.dkim.amazonses.com",),
        error=dnscheck.OUT_OF_TIME,
    )
    lines = diagnose(zone, (check,), None)
    assert lines == ("CNAME t0._domainkey.example.com was not checked this time (the check ran out of time)",)


def test_make_resolver_carries_the_deadline_to_every_lookup() -> None:
    assert dnscheck.make_resolver("127.0.0.1", deadline=5.0).mailauth_deadline == 5.0  # type: ignore[attr-defined]
    assert dnscheck.make_resolver("127.0.0.1").mailauth_deadline is None  # type: ignore[attr-defined]
