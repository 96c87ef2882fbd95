"""Execution names: deterministic, within Step Functions' 80 characters and alphabet."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from mailauth.request import OnboardRequest
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


def test_the_api_body_hashes_and_starts_as_the_request_it_carries() -> None:
    """The API's body is an OnboardRequest with one more field (dry_run): it is validated once, and submitted as
    the request itself, so the same request from the API and from an event is one execution."""
    from mailauth.submission import workflow_input

    class Body(OnboardRequest):
        dry_run: bool = False

    body = Body(domain="Example.COM", dry_run=False)
    plain = OnboardRequest(domain="example.com")
    assert request_hash(body) == request_hash(plain)
    assert workflow_input(body) == workflow_input(plain)
    assert "dry_run" not in workflow_input(body)


class _LosingTable:
    """A DynamoDB client on which every claim loses: another submission's conditional write always came first."""

    def __init__(self) -> None:
        self.puts = 0

    def get_item(self, **_: object) -> dict[str, object]:
        return {
            "Item": {
                "domain": {"S": "example.com"},
                "generation": {"N": str(self.puts)},
                "execution_arn": {"S": "arn:aws:states:us-east-1:123456789012:execution:m:example_com-1"},
                "execution_name": {"S": "example_com-1"},
                "request_hash": {"S": "another request"},
                "kind": {"S": "onboard"},
            }
        }

    def put_item(self, **_: object) -> None:
        from botocore.exceptions import ClientError

        self.puts += 1
        raise ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}, "PutItem")


class _Ended:
    def describe_execution(self, **_: object) -> dict[str, object]:
        return {"status": "SUCCEEDED"}

    def start_execution(self, **_: object) -> dict[str, object]:  # pragma: no cover - never reached
        raise AssertionError("no execution may start without a claim")


def test_a_claim_lost_twice_is_a_conflict_the_caller_is_told_of() -> None:
    import pytest

    from mailauth.errors import ExecutionConflictError
    from mailauth.submission import Submitter

    table = _LosingTable()
    submitter = Submitter(
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        table_name="mailauth-domains",
        sfn=_Ended(),
        dynamodb=table,
    )
    with pytest.raises(ExecutionConflictError, match=r"other submissions for example\.com"):
        submitter.submit(OnboardRequest(domain="example.com"))
    assert table.puts == 2  # claimed, lost, looked again, claimed again, lost: then told, not retried forever


def test_repair_drift_off_leaves_the_request_hash_of_earlier_versions() -> None:
    """A request submitted before repair_drift existed, submitted again while its run goes on, is the same
    request (not a 409): the field is left out of the hash and the input while it is off."""
    from mailauth.submission import workflow_input

    plain = OnboardRequest(domain="example.com")
    assert "repair_drift" not in json.loads(workflow_input(plain))["request"]
    assert request_hash(plain) == request_hash(OnboardRequest(domain="example.com", repair_drift=False))
    repaired = OnboardRequest(domain="example.com", repair_drift=True)
    assert json.loads(workflow_input(repaired))["request"]["repair_drift"] is True
    assert request_hash(repaired) != request_hash(plain)
