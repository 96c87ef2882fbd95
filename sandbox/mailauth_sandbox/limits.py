"""Account-level API rate limits on the simulated clock (issue 12): token buckets shared by every caller of the
account, the handlers, the state machine's integrations and the test alike, as AWS counts them.

- **SES v2**: every action except sending is limited to 1 request per second per account and region, not
  adjustable (SES Developer Guide, "Service quotas in Amazon SES"; shared/reference/aws-facts.md). A throttled
  call is ``TooManyRequestsException``, HTTP 429 (sesv2 botocore model: "Too many requests have been made to the
  operation."). The bucket's burst is not documented: ASSUMPTION A20, a capacity of one request (the strictest
  reading: nothing piles up while idle); mailauth must work under either.
- **Route 53**: a token bucket per account for all API requests, capacity 50, refilled at 10 per second (Route 53
  Developer Guide, "Throttling for Amazon Route 53 API requests"); a throttled request is HTTP 400 with Code
  ``Throttling`` and Message ``Rate exceeded`` (same page). The page also gives each operation its own bucket and
  limits record changes per second; those are not modelled (A21): mailauth's few calls per domain stay far below
  the per-operation defaults, and it changes at most a few records per batch.

- **Latency**: with limits on, every AWS call takes ``call_latency`` simulated seconds before it reaches the
  service (ASSUMPTION A22, 50 ms: AWS publishes no figure; what matters is that an invocation takes time, so that
  concurrent executions' calls spread out and interleave as they do in AWS, rather than landing at one instant).

Limits are off unless asked for (``LocalAws(limits=ApiLimits(...))``, a scenario's ``limits:``), so the suite's
other tests keep their dynamics; botocore's retries wait on the simulated clock, so a bucket refills while a call
backs off, as it does in AWS.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import hooks

#: SES v2 operations that send mail: governed by the sending quota, not by the 1 request/s management limit
SES_SENDING = frozenset({"SendEmail", "SendBulkEmail", "SendCustomVerificationEmail"})


@dataclass
class ApiLimits:
    """Requests per second (None: unlimited) and burst capacities."""

    ses_per_second: float | None = None
    ses_burst: float = 1.0  # A20
    route53_per_second: float | None = None
    route53_burst: float = 50.0
    #: simulated seconds every AWS call takes (A22)
    call_latency: float = 0.0

    @classmethod
    def aws_defaults(cls) -> ApiLimits:
        """The documented defaults: SES 1/s (burst 1, A20), Route 53 10/s with a burst of 50; 50 ms a call (A22)."""
        return cls(ses_per_second=1.0, route53_per_second=10.0, call_latency=0.05)


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float
    updated: datetime | None = None

    def take(self, now: datetime) -> bool:
        """Refill for the time since the last request, then take one token if there is one."""
        if self.updated is not None:
            elapsed = max((now - self.updated).total_seconds(), 0.0)
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class RateLimiter:
    """The buckets of every account (and, for SES, region) that has made a limited call."""

    limits: ApiLimits
    buckets: dict[tuple[str, str, str], TokenBucket] = field(default_factory=dict)
    #: calls refused, by "service:Operation"
    throttled: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(
        self, service: str, operation: str, *, account: str, region: str, now: datetime
    ) -> hooks.Response | None:
        """The throttling error AWS answers with when the call's bucket is empty; None: the call goes on."""
        if service == "sesv2" and operation not in SES_SENDING and self.limits.ses_per_second:
            key, rate, burst = ("sesv2", account, region), self.limits.ses_per_second, self.limits.ses_burst
            error: tuple[str, str, int] = (
                "TooManyRequestsException",
                "Too many requests have been made to the operation.",
                429,
            )
        elif service == "route53" and self.limits.route53_per_second:
            key, rate, burst = (
                ("route53", account, ""),
                self.limits.route53_per_second,
                self.limits.route53_burst,
            )
            error = ("Throttling", "Rate exceeded", 400)
        else:
            return None
        with self._lock:
            bucket = self.buckets.setdefault(key, TokenBucket(rate=rate, capacity=burst, tokens=burst))
            if bucket.take(now):
                return None
            name = f"{service}:{operation}"
            self.throttled[name] = self.throttled.get(name, 0) + 1
        return hooks.error(*error)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"throttled": dict(self.throttled)}
