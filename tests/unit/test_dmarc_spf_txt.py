"""DMARC rendering and parsing, SPF merging, TXT quoting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailauth import dmarc, spf
from mailauth.request import DmarcSettings
from mailauth.txt import quote, unquote


def test_render_minimal() -> None:
    assert dmarc.render(DmarcSettings()) == "v=DMARC1; p=none"


def test_render_full() -> None:
    settings = DmarcSettings(
        policy="reject",
        sp="quarantine",
        adkim="s",
        aspf="r",
        rua=("a@example.com", "b@example.net"),
        ruf=("f@x.org",),
    )
    assert dmarc.render(settings) == (
        "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; "
        "rua=mailto:a@example.com,mailto:b@example.net; ruf=mailto:f@x.org"
    )


def test_rendered_record_parses_clean() -> None:
    parsed = dmarc.parse(dmarc.render(DmarcSettings(policy="quarantine", rua=("a@example.com",))))
    assert parsed.errors == []
    assert parsed.policy == "quarantine"


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ("p=reject; v=DMARC1", "does not start"),
        ("v=DMARC1", "no p="),
        ("v=DMARC1; p=block", "not none"),
        ("v=DMARC1; p=none; rua=reports@example.com", "mailto"),
        ("v=DMARC1; p=none; p=reject", "twice"),
        ("v=DMARC1; p=none; adkim=x", "adkim"),
    ],
)
def test_parse_finds_errors(record: str, error: str) -> None:
    assert any(error in e for e in dmarc.parse(record).errors)


def test_compare_strength() -> None:
    assert dmarc.compare("v=DMARC1; p=reject", DmarcSettings(policy="none")) == "stronger"
    assert dmarc.compare("v=DMARC1; p=none", DmarcSettings(policy="quarantine")) == "weaker"
    assert dmarc.compare("v=DMARC1; p=quarantine", DmarcSettings(policy="quarantine")) == "equal"


def test_spf_merge_inserts_before_all() -> None:
    merged = spf.merge_include("v=spf1 include:_spf.google.com -all", "amazonses.com")
    assert merged == "v=spf1 include:_spf.google.com include:amazonses.com -all"
    assert spf.merge_include(merged, "amazonses.com") == merged


def test_spf_merge_refuses_past_ten_lookups() -> None:
    record = "v=spf1 " + " ".join(f"include:s{i}.example.com" for i in range(10)) + " ~all"
    assert spf.lookup_count(record) == 10
    with pytest.raises(ValueError, match="11 DNS lookups"):
        spf.merge_include(record, "amazonses.com")


def test_spf_lookup_count_counts_only_lookup_terms() -> None:
    assert (
        spf.lookup_count("v=spf1 ip4:192.0.2.0/24 a mx:mail.example.com ptr exists:x.example redirect=y.com")
        == 5
    )


def test_txt_quote_splits_at_255_bytes() -> None:
    value = "v=spf1 " + "x" * 600
    quoted = quote(value)
    parts = quoted.split('" "')
    assert len(parts) == 3
    assert unquote(quoted) == value


def test_txt_escapes() -> None:
    assert quote('say "hi" \\ ok') == '"say \\"hi\\" \\\\ ok"'
    assert unquote('"a\\"b" "c"') == 'a"bc'
    assert unquote("bare") == "bare"


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=700))
def test_txt_round_trip(text: str) -> None:
    quoted = quote(text)
    assert unquote(quoted) == text
    for part in quoted.split('" "'):
        raw = unquote('"' + part.strip('"') + '"')
        assert len(raw.encode()) <= 255


def test_txt_escapes_non_ascii_bytes_in_octal_as_route53_does() -> None:
    # Route 53 writes a byte outside printable ASCII as \ + three OCTAL digits: "ä" is UTF-8 C3 A4 = \303\244.
    assert quote("ä") == '"\\303\\244"'
    assert unquote('"\\303\\244"') == "ä"
    assert unquote('"caf\\303\\251"') == "café"
    # a backslash followed by digits that are not octal is an escaped character, not a byte
    assert unquote('"\\9a"') == "9a"
