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


def world(records: dict[str, str]) -> spf.Fetch:
    """DNS as a dict: the TXT record at each name (absent: NXDOMAIN)."""
    return lambda name: (records[name],) if name in records else ()


def test_spf_cost_counts_through_nested_includes() -> None:
    dns = world(
        {
            "a.example": "v=spf1 include:b.example include:c.example -all",
            "b.example": "v=spf1 ip4:192.0.2.0/24 mx -all",
            "c.example": "v=spf1 a -all",
        }
    )
    cost = spf.cost("v=spf1 include:a.example ~all", dns)
    # include:a (1) + include:b (1) + mx (1) + include:c (1) + a (1): what a receiver would count, not the 1 written
    assert (cost.lookups, cost.void, cost.problems) == (5, 0, ())
    assert cost.ok and cost.chain[0] == "include:a.example (5 lookups)"


def test_spf_cost_past_ten_through_includes_is_a_permerror_with_its_chain() -> None:
    dns = world({"big.example": "v=spf1 " + " ".join(f"a:h{i}.example" for i in range(9)) + " -all"})
    merged = spf.merge_include("v=spf1 include:big.example ~all", "amazonses.com")
    dns_with_ses = world(
        {
            "big.example": "v=spf1 " + " ".join(f"a:h{i}.example" for i in range(9)) + " -all",
            "amazonses.com": "v=spf1 ip4:192.0.2.0/24 -all",
        }
    )
    assert spf.cost("v=spf1 include:big.example ~all", dns).lookups == 10  # at the limit: still fine
    after = spf.cost(merged, dns_with_ses)
    assert after.lookups == 11 and not after.ok
    assert "11 DNS lookups, SPF allows 10" in after.verdict()
    assert "include:big.example (10 lookups)" in after.where()


def test_spf_cost_counts_void_lookups_and_missing_records() -> None:
    cost = spf.cost(
        "v=spf1 include:gone1.example include:gone2.example include:gone3.example -all", world({})
    )
    assert cost.void == 3 and not cost.ok
    assert "3 void lookups, SPF allows 2" in cost.verdict()
    assert "include:gone1.example: gone1.example publishes no SPF record" in cost.verdict()


def test_spf_cost_stops_at_a_loop_and_ignores_redirect_beside_all() -> None:
    dns = world({"a.example": "v=spf1 include:b.example -all", "b.example": "v=spf1 include:a.example -all"})
    looped = spf.cost("v=spf1 include:a.example -all", dns)
    assert any("loops back to a.example" in p for p in looped.problems)
    assert spf.cost("v=spf1 mx redirect=a.example -all", dns).lookups == 1  # RFC 7208 6.1
    assert spf.cost("v=spf1 mx redirect=b.example", dns).lookups == 4  # redirect, b, its include, a's include


_LABEL = st.from_regex(r"[a-z]{1,6}", fullmatch=True)


@given(st.data())
def test_spf_cost_is_the_sum_over_the_include_tree(data: st.DataObject) -> None:
    """Property: for any include tree (no loops), the cost is every lookup term of every record reached, and the
    verdict is permerror exactly when that sum passes 10."""
    names = data.draw(st.lists(_LABEL, min_size=1, max_size=8, unique=True))
    records: dict[str, str] = {}
    expected: dict[str, int] = {}
    for i in reversed(range(len(names))):  # a record may include only names after it: a tree, no loops
        children = (
            data.draw(st.lists(st.sampled_from(names[i + 1 :]), max_size=3)) if i + 1 < len(names) else []
        )
        own = data.draw(st.integers(0, 3))
        terms = [f"include:{c}.example" for c in children] + [f"a:x{k}.example" for k in range(own)]
        records[f"{names[i]}.example"] = "v=spf1 " + " ".join(terms) + " -all"
        expected[names[i]] = own + sum(1 + expected[c] for c in children)
    root = spf.cost(f"v=spf1 include:{names[0]}.example ~all", world(records))
    total = 1 + expected[names[0]]
    if total <= spf.MAX_LOOKUPS:
        assert root.lookups == total and root.ok
    else:  # a receiver gives up past 10: the count is at least 11, and the verdict says so
        assert root.lookups > spf.MAX_LOOKUPS and not root.ok


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


def dmarc_world(records: dict[str, str]) -> dmarc.Fetch:
    """_dmarc names and their one TXT record each (absent: nothing served)."""
    return lambda name: (records[name],) if name in records else ()


def test_a_subdomain_inherits_sp_else_p_of_its_organisational_domain() -> None:
    fetch = dmarc_world({"_dmarc.example.co.uk": "v=DMARC1; p=reject; sp=quarantine"})
    rfc7489, dmarcbis = dmarc.in_force("news.example.co.uk", fetch, "example.co.uk")
    assert rfc7489 is not None and (rfc7489.source, rfc7489.policy) == ("example.co.uk", "quarantine")
    assert dmarcbis is not None and (dmarcbis.source, dmarcbis.policy) == ("example.co.uk", "quarantine")
    no_sp = dmarc_world({"_dmarc.example.co.uk": "v=DMARC1; p=reject"})
    assert dmarc.in_force("news.example.co.uk", no_sp, "example.co.uk")[0].policy == "reject"  # type: ignore[union-attr]


def test_rfc7489_and_the_dmarcbis_tree_walk_differ_below_an_intermediate_record() -> None:
    fetch = dmarc_world(
        {"_dmarc.example.com": "v=DMARC1; p=reject", "_dmarc.eu.example.com": "v=DMARC1; p=none"}
    )
    rfc7489, dmarcbis = dmarc.in_force("shop.eu.example.com", fetch, "example.com")
    assert rfc7489 is not None and (rfc7489.source, rfc7489.policy) == ("example.com", "reject")
    assert dmarcbis is not None and (dmarcbis.source, dmarcbis.policy) == ("eu.example.com", "none")
    assert dmarc.strictest((rfc7489, dmarcbis)) == rfc7489


def test_nothing_is_inherited_from_broken_or_doubled_records() -> None:
    def doubled(name: str) -> tuple[str, ...]:
        return ("v=DMARC1; p=reject", "v=DMARC1; p=none") if name == "_dmarc.example.com" else ()

    assert dmarc.in_force("news.example.com", doubled, "example.com") == (None, None)
    broken = dmarc_world({"_dmarc.example.com": "v=DMARC1; p=sometimes"})
    assert dmarc.in_force("news.example.com", broken, "example.com") == (None, None)


@given(st.data())
def test_the_tree_walk_finds_the_nearest_parent_and_asks_at_most_eight_names(data: st.DataObject) -> None:
    """Property: for a domain of 2..12 labels and records at random parents, DMARCbis applies the nearest parent's
    record (sp= else p=), and no more than 8 names are asked in all (the domain's own record included)."""
    prefix = data.draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=10))
    labels = [*prefix, "example", "com"]
    domain = ".".join(labels)
    parents = [".".join(labels[i:]) for i in range(1, len(labels))]
    with_record = data.draw(st.sets(st.sampled_from(parents)))
    policies = {p: data.draw(st.sampled_from(["none", "quarantine", "reject"])) for p in with_record}
    asked: list[str] = []

    def fetch(name: str) -> tuple[str, ...]:
        asked.append(name)
        parent = name.removeprefix("_dmarc.")
        return (f"v=DMARC1; p={policies[parent]}",) if parent in policies else ()

    # organisational = the domain itself: RFC 7489 asks nothing more, so every name asked is the walk's
    _, walked = dmarc.in_force(domain, fetch, domain)
    assert len(set(asked)) <= dmarc.TREE_WALK_MAX - 1  # the 8th query is the domain's own (the planner's)
    candidates = parents if len(labels) <= dmarc.TREE_WALK_MAX else [p for p in parents if p.count(".") < 7]
    expected = next((p for p in candidates[: dmarc.TREE_WALK_MAX - 1] if p in policies), None)
    assert (walked.source if walked else None) == expected
    if walked is not None:
        assert walked.policy == policies[expected]  # type: ignore[index]
