"""Domain normalisation: what users type, made into what SES and Route 53 accept, or refused by name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from mailauth.domain import normalise_domain, validate_mailto
from mailauth.request import OnboardRequest

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("  news.example.com  ", "news.example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("MÜNCHEN.example", "xn--mnchen-3ya.example"),
        ("news.example.co.uk", "news.example.co.uk"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        # UTS #46 maps the whole name: ideographic and full-width full stops separate labels too
        # (written as escapes: U+3002 ideographic, U+FF0E full-width, U+FF61 half-width ideographic full stop)
        ("例え\u3002テスト.jp", "xn--r8jz45g.xn--zckzah.jp"),
        ("Bücher\uff0eExample", "xn--bcher-kva.example"),
        ("\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25\uff0e\uff23\uff2f\uff2d", "example.com"),  # full-width
        ("news\uff61example.com", "news.example.com"),
    ],
)
def test_normalises(typed: str, expected: str) -> None:
    assert normalise_domain(typed) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a" * 64 + ".com", "63"),
        (".".join(["a" * 60] * 5) + ".com", "253"),
        ("-bad.com", "hyphen"),
        ("bad-.com", "hyphen"),
        ("*.example.com", "wildcard"),
        ("192.0.2.1", "IP address"),
        ("2001:db8::1", "IP address"),
        ("user@example.com", "e-mail address"),
        ("exa mple.com", "spaces"),
        ("com", "public suffix"),
        ("co.uk", "public suffix"),
        ("example..com", "empty label"),
        ("exa_mple.com", "not allowed"),
        ("https://example.com/", "URL"),
        ("example.123", "numeric"),
    ],
)
def test_refuses_with_the_reason(typed: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        normalise_domain(typed)


@given(
    labels=st.lists(LABEL, min_size=1, max_size=4), tld=st.sampled_from(["com", "org", "co.uk", "de", "io"])
)
def test_valid_names_round_trip(labels: list[str], tld: str) -> None:
    name = ".".join([*labels, "mailauth-test", tld])
    normalised = normalise_domain(name.upper() + ".")
    assert normalised == name
    assert normalise_domain(normalised) == normalised  # idempotent


@given(st.text(max_size=80))
def test_anything_is_normalised_or_refused_never_crashes(text: str) -> None:
    try:
        result = normalise_domain(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert result == result.lower()
        assert len(result) <= 253
        assert all(0 < len(label) <= 63 for label in result.split("."))
        assert result.isascii() and " " not in result


def test_request_model_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        OnboardRequest.model_validate({"domain": "co.uk", "max_wait_hours": 100})
    fields = {e["loc"][0] for e in info.value.errors()}
    assert fields == {"domain", "max_wait_hours"}


def test_request_defaults_and_normalisation() -> None:
    request = OnboardRequest.model_validate(
        {
            "domain": "Shop.Example.ORG.",
            "hosted_zone_id": "/hostedzone/Z0ABC",
            "dmarc": {"rua": "d@Example.org"},
        }
    )
    assert request.domain == "shop.example.org"
    assert request.hosted_zone_id == "Z0ABC"
    assert request.mail_from_domain == "mail.shop.example.org"
    assert request.dkim_key_length == "RSA_2048_BIT"
    assert request.max_wait_hours == 48
    assert request.dmarc.rua == ("mailto:d@example.org",)


@pytest.mark.parametrize(
    "bad", ["not-an-address", "mailto:", "mailto:a@b@c.com", "a@b.com,c@d.com", "x@co.uk"]
)
def test_mailto_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        validate_mailto(bad)


def test_mailto_keeps_size_suffix() -> None:
    assert validate_mailto("MAILTO:reports@Example.com!10m") == "mailto:reports@example.com!10m"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="dmarc_policy"):
        OnboardRequest.model_validate({"domain": "example.com", "dmarc_policy": "reject"})


# ------------------------------------------------------------------ the Public Suffix List, one TLD's rules at a time
def _names_for(rule: str) -> list[str]:
    """Names a rule decides: the rule itself and names one and two labels below it, in the form mailauth compares
    (punycode), with a wildcard or an exception label made concrete."""
    bare = rule.lstrip("!").replace("*", "wild")
    try:
        ascii_name = bare.encode("idna").decode("ascii")
    except UnicodeError:
        return []
    return [ascii_name, f"a.{ascii_name}", f"b.a.{ascii_name}", f"other.{ascii_name.split('.', 1)[-1]}"]


def test_each_top_level_domains_rules_answer_as_the_whole_list() -> None:
    """mailauth parses only the rules of the name's top-level domain (a cold start saves ~25 ms of CPU); for every
    rule of the list the layer ships, the names it decides get the same answers as from the whole list."""
    from publicsuffixlist import PSLFILE, PublicSuffixList

    from mailauth import domain

    whole = PublicSuffixList()
    with open(PSLFILE, encoding="utf-8") as source:
        rules = [
            r
            for r in (line.split(" ", 1)[0].strip().lower() for line in source)
            if r and not r.startswith("//")
        ]
    assert len(rules) > 9000  # the list itself, not an empty file
    compared = 0
    for rule in rules:
        for name in _names_for(rule):
            sliced = domain._psl(domain._tld(name))
            assert sliced.is_public(name) == whole.is_public(name), name
            assert sliced.privatesuffix(name) == whole.privatesuffix(name), name
            compared += 1
    assert compared > 4 * 9000
    # a top-level domain the list does not have: every name is one label below an unknown public suffix, as before
    assert domain.organisational_domain("a.b.example.notatld") == whole.privatesuffix("a.b.example.notatld")


@pytest.mark.parametrize(
    ("name", "organisational"),
    [
        ("news.example.co.uk", "example.co.uk"),
        ("a.b.example.com", "example.com"),
        (
            "shop.xn--55qx5d.cn",
            "shop.xn--55qx5d.cn",
        ),  # 公司.cn is a public suffix (an IDN rule under an ASCII TLD)
        ("x.y.xn--p1ai", "y.xn--p1ai"),  # рф: an IDN top-level domain
        ("www.ck", "www.ck"),  # !www.ck: an exception to *.ck
        ("a.b.ck", "a.b.ck"),
    ],
)
def test_organisational_domain(name: str, organisational: str) -> None:
    from mailauth.domain import organisational_domain

    assert organisational_domain(name) == organisational


@pytest.mark.parametrize("suffix", ["com", "co.uk", "xn--55qx5d.cn", "xn--p1ai", "b.ck", "github.io"])
def test_a_public_suffix_is_refused(suffix: str) -> None:
    with pytest.raises(ValueError, match="public suffix"):
        normalise_domain(suffix)
