"""Any JSON a caller can send is either a valid request or a ValidationError that names the problem briefly."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mailauth.domain import SHOWN, validate_mailto
from mailauth.request import OnboardRequest, validation_message

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = list(OnboardRequest.model_fields)


@settings(max_examples=300)
@given(
    st.dictionaries(st.sampled_from([*FIELDS, "dmarc"]), JSON, max_size=6),
    st.sampled_from(["example.com", None]),
)
def test_any_json_is_a_request_or_a_validation_error(body: dict[str, Any], domain: str | None) -> None:
    if domain is not None:
        body.setdefault("domain", domain)
    try:
        OnboardRequest.model_validate(body)
    except ValidationError as exc:  # the only way to refuse: the API turns it into a 400, never a 502
        assert validation_message(exc)


@settings(max_examples=200)
@given(st.sampled_from(["rua", "ruf", "policy", "sp", "adkim", "replace_existing"]), JSON)
def test_any_json_inside_dmarc_is_a_request_or_a_validation_error(field: str, value: Any) -> None:
    with contextlib.suppress(ValidationError):  # anything else (TypeError ...) fails the test
        OnboardRequest.model_validate({"domain": "example.com", "dmarc": {field: value}})


@pytest.mark.parametrize(
    "uri",
    [
        "mailto:dmarc\x00@example.com",  # a control character
        "mailto:dmarc\u202e@example.com",  # a bidi override
        "mailto:dm arc@example.com",
        "mailto:a;b@example.com",
        "mailto:a,b@example.com",
        "mailto:a\uff1bb@example.com",  # FULLWIDTH SEMICOLON, a look-alike of ;
        "mailto:a\u201ab@example.com",  # SINGLE LOW-9 QUOTATION MARK, a look-alike of ,
        "mailto:ré@example.com",
        "mailto:" + "a" * 65 + "@example.com",
        "mailto:.a@example.com",
    ],
)
def test_dmarc_report_mailboxes_are_plain_addresses(uri: str) -> None:
    with pytest.raises(ValueError, match="not a plain address"):
        validate_mailto(uri)


def test_plain_dmarc_mailboxes_are_accepted() -> None:
    assert validate_mailto("dmarc+reports@Example.COM") == "mailto:dmarc+reports@example.com"
    assert validate_mailto("mailto:first.last@example.com!10m") == "mailto:first.last@example.com!10m"


def test_error_messages_quote_only_a_short_prefix_of_the_input() -> None:
    with pytest.raises(ValidationError) as exc:
        OnboardRequest.model_validate({"domain": "x" * 5000 + " .com"})
    message = validation_message(exc.value)
    assert len(message) < SHOWN + 200 and "x" * 100 not in message


def test_report_uris_are_capped() -> None:
    with pytest.raises(ValidationError, match="at most 10 report URIs"):
        OnboardRequest.model_validate(
            {"domain": "example.com", "dmarc": {"rua": [f"mailto:r{i}@example.com" for i in range(11)]}}
        )
