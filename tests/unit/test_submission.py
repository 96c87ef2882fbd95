"""Execution names: deterministic, within Step Functions' 80 characters and alphabet."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mailauth.models import OnboardRequest
from mailauth.submission import execution_name, request_hash

# StartExecution: "To enable logging with CloudWatch Logs, the name should only contain 0-9, A-Z, a-z, - and _"
ALLOWED = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True)


def test_short_domains_are_readable() -> None:
    assert execution_name("example.com", 1) == "example_com-1"
    assert execution_name("news.example.co.uk", 12) == "news_example_co_uk-12"
    assert execution_name("example.com", 3, "offboard") == "example_com-offboard-3"


def test_names_of_different_domains_never_collide() -> None:
    # a hyphen is a legal letter of a label, so dots must not become hyphens: x-y.example vs x.y-example
    assert execution_name("x-y.example.com", 1) != execution_name("x.y-example.com", 1)


@given(labels=st.lists(LABEL, min_size=1, max_size=6), generation=st.integers(1, 10**6))
def test_names_fit_and_are_deterministic(labels: list[str], generation: int) -> None:
    domain = ".".join([*labels, "com"])
    name = execution_name(domain, generation)
    assert ALLOWED.match(name), name
    assert name == execution_name(domain, generation)
    assert name.endswith(f"-{generation}")


def test_long_domains_are_hashed_and_stay_distinct() -> None:
    a = "a" * 60 + "." + "b" * 60 + ".example.com"
    b = "a" * 60 + "." + "c" * 60 + ".example.com"
    assert len(execution_name(a, 1)) <= 80
    assert ALLOWED.match(execution_name(a, 1))
    assert execution_name(a, 1) != execution_name(b, 1)


def test_request_hash_ignores_how_the_domain_was_typed() -> None:
    one = OnboardRequest(domain="Example.COM.")
    two = OnboardRequest(domain="example.com")
    three = OnboardRequest(domain="example.com", dmarc={"policy": "reject"})
    assert request_hash(one) == request_hash(two) != request_hash(three)
