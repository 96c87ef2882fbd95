"""A batch's request (mailauth.batch): defaults shared, a domain's own fields win, bulk unless said otherwise,
validated whole before anything starts, and a name that is the same for the same batch."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mailauth.batch import MAX_BATCH, BatchRequest


def problems(body: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        BatchRequest.model_validate(body)
    return [".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in caught.value.errors()]


def test_defaults_apply_to_every_domain_and_a_domain_s_own_fields_win() -> None:
    batch = BatchRequest.model_validate(
        {
            "defaults": {"dmarc": {"policy": "quarantine"}, "max_wait_hours": 24},
            "domains": ["A.example.com.", {"domain": "b.example.com", "dmarc": {"policy": "reject"}}],
        }
    )
    one, two = batch.domains
    assert (one.domain, one.dmarc.policy, one.max_wait_hours) == ("a.example.com", "quarantine", 24)
    assert (two.domain, two.dmarc.policy, two.max_wait_hours) == ("b.example.com", "reject", 24)
    assert one.priority == two.priority == "bulk"


def test_a_domain_may_still_ask_for_interactive() -> None:
    batch = BatchRequest.model_validate({"domains": [{"domain": "a.example.com", "priority": "interactive"}]})
    assert batch.domains[0].priority == "interactive"


def test_the_name_is_given_or_the_same_for_the_same_batch() -> None:
    body = {"domains": ["a.example.com", "b.example.com"]}
    derived = BatchRequest.model_validate(body).name
    assert derived.startswith("batch-") and derived == BatchRequest.model_validate(body).name
    assert derived != BatchRequest.model_validate({"domains": ["a.example.com"]}).name
    assert BatchRequest.model_validate({**body, "batch": "spring.2026_v1"}).name == "spring.2026_v1"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"domains": []}, "domains: Tuple should have at least 1 item"),
        ({"domains": [f"d{i}.example.com" for i in range(MAX_BATCH + 1)]}, "at most 100 items"),
        ({"domains": ["a.example.com", "A.EXAMPLE.COM"]}, "listed more than once: a.example.com"),
        ({"domains": ["a.example.com"], "defaults": {"colour": "red"}}, "unknown field(s) 'colour'"),
        ({"domains": ["a.example.com"], "batch": "-leading"}, "batch: String should match pattern"),
        ({"domains": ["a.example.com"], "batch": "x" * 65}, "batch: String should match pattern"),
        ({"domains": [42]}, "domains.0:"),
        ({"domains": "a.example.com"}, "domains: Input should be a valid tuple"),
        ({"domain": "a.example.com"}, "domains: Field required"),
    ],
)
def test_what_a_batch_refuses(body: dict[str, Any], expected: str) -> None:
    found = problems(body)
    assert any(expected in p for p in found), found


def test_a_bad_default_is_told_once_and_each_bad_domain_by_its_position() -> None:
    found = problems(
        {
            "defaults": {"dkim_key_length": "RSA_4096_BIT"},
            "domains": ["a.example.com", "not a domain", "c.example.com"],
        }
    )
    assert len(found) == 2, found
    assert found[0].startswith("defaults: ") and "dkim_key_length" in found[0]
    assert found[1].startswith("domains.1.domain: ")
