"""Every scenario in scenarios/ runs against the embedded AWS and meets its own `expect` block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailauth_sandbox.cli import main
from mailauth_sandbox.scenario import Scenario, run_file

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_meets_its_expectations(path: Path) -> None:
    scenario = Scenario.load(path)
    expectations = [scenario.expect, scenario.expect_zones] + [
        e for phase in scenario.phases for e in (phase.expect, phase.expect_zones, phase.expect_watch)
    ]
    assert any(expectations), f"{path.name} expects nothing"

    result = run_file(path)

    failed = [e for e in result["expectations"] if not e["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert len(result["domains"]) == sum(len(phase.submit) for phase in scenario.steps())


def test_every_required_scenario_is_shipped() -> None:
    names = {p.stem for p in SCENARIOS}
    assert names >= {
        "plan",
        "cross-account",
        "external-dns",
        "offboard",
        "merge-and-conflict",
        "happy-path",
        "existing-strict-dmarc",
        "slow-propagation",
        "never-verifies",
        "undelegated",
        "throttling-storm",
        "new-hosted-zone",
        "subdomain-in-parent-zone",
        "private-zone-refused",
        "twenty-domains",
        "retry-after-failure",
        "existing-identity",
        "refused-requests",
        "inherited-dmarc",
        "spf-nested-includes",
        "external-report-destinations",
        "ses-sandbox-account",
        "weighted-mail-from",
        "fifty-domains",
        "drift",
    }


def test_the_readme_counts_the_shipped_scenarios() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"`scenarios/` has {len(SCENARIOS)} ready-made worlds" in readme


def test_json_output_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(ROOT / "scenarios" / "existing-strict-dmarc.yaml"), "--json"])

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {
        "scenario",
        "simulated_seconds",
        "wall_seconds",
        "domains",
        "zones",
        "expectations",
    }
    [domain] = result["domains"]
    for key in (
        "domain",
        "via",
        "status",
        "verification",
        "report",
        "zone",
        "notifications",
        "api_calls",
        "state_transitions",
        "simulated_seconds",
    ):
        assert key in domain, key
    assert {r["type"] for r in domain["zone"]["added"]} == {"CNAME", "MX", "TXT"}
    assert domain["zone"]["removed"] == [] and domain["zone"]["changed"] == []
    # the copied zone's records arrived (the alias and the apex NS/SOA are the sandbox's own or skipped)
    assert domain["api_calls"]["stepfunctions:StartExecution"] == 1
    assert domain["notifications"][0]["subject"].startswith("mailauth: example.com")


def test_a_failing_expectation_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "name: wrong\nzones: [{name: example.com}]\nsubmit: [{via: api, request: {domain: example.com}}]\n"
        "expect: {example.com: {status: FAILED}}\n"
    )
    assert main(["run", str(wrong)]) == 1
    assert "FAILED example.com: status" in capsys.readouterr().out


def test_a_scenario_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsubmit: [{via: api, request: {domain: example.com}}]\nsesbehaviour: {}\n")
    with pytest.raises(ValueError, match="sesbehaviour"):
        Scenario.load(bad)


def test_every_kind_of_expectation_can_fail(tmp_path: Path) -> None:
    """Phases, negative expectations, notification times and exact zone diffs each say FAILED when wrong."""
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        """
name: wrong on purpose
zones: [{name: example.com}]
phases:
  - name: first
    submit: [{via: api, request: {domain: example.com}}]
    advance_hours: 5
    expect:
      example.com:
        executions: 2
        notifications: 3
        notified_after_hours: 1
        no_calls: ["route53:Change*"]
        warned_early: ["words no early warning has"]
    expect_zones:
      example.com: {unchanged: true}
  - name: second
    submit: [{via: offboard, request: {domain: example.com}}]
    expect:
      example.com: {notified_within_hours: 0.5}
expect_zones:
  example.com:
    added: ["*._domainkey.example.com 1800 CNAME *.dkim.amazonses.com"]
    removed: []
"""
    )
    result = run_file(wrong)

    failed = {(e.get("phase"), e["check"]) for e in result["expectations"] if not e["ok"]}
    assert failed == {
        ("first", "executions"),
        ("first", "notifications"),
        ("first", "notified_after_hours"),
        ("first", "no call to route53:Change*"),
        ("first", "warned early"),
        ("first", "early warning contains 'words no early warning has'"),
        ("first", "zone unchanged"),
        # second: the offboarding's notification came within 0.5 h of ITS submission (the 5 hours passed before)
        (None, "zone added"),
    }
    [onboard, offboard] = result["domains"]
    assert onboard["phase"] == 1 and offboard["phase"] == 2
    assert offboard["notifications"][0]["after_hours"] < 0.5
    assert result["zones"]["example.com"] == {
        "id": result["zones"]["example.com"]["id"],
        "added": [],
        "removed": [],
        "changed": [],
    }


def test_zone_lines_match_patterns_one_to_one() -> None:
    from mailauth_sandbox.scenario.checks import _match_all

    lines = ["a 300 TXT x", "b 300 TXT y"]
    assert _match_all(["* 300 TXT *", "a 300 TXT x"], lines)  # the specific pattern takes a, the wildcard b
    assert not _match_all(["* 300 TXT *"], lines)  # one pattern cannot match two lines
    assert not _match_all(["a 300 TXT x", "a 300 TXT x"], lines)


@pytest.mark.parametrize(
    "text, words",
    [
        ("name: x\n", "either `submit` or `phases`"),
        (
            "name: x\nsubmit: [{via: api, request: {domain: a.com}}]\nphases: [{submit: []}]\n",
            "either `submit` or `phases`",
        ),
        ("name: x\nphases: [{name: p}]\n", "no phase submits anything"),
        ("name: x\nphases: [{submit: [{via: api}], expect_zone: {}}]\n", "expect_zone"),
    ],
)
def test_a_scenario_that_cannot_run_is_refused(tmp_path: Path, text: str, words: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ValueError, match=words):
        Scenario.load(bad)


def test_a_zone_copy_keeps_routed_and_alias_sets() -> None:
    """`aws route53 list-resource-record-sets` output as people have it: weighted, latency and alias sets load as
    they are (they used to be dropped or to collide), and only the apex NS and SOA are left to the sandbox."""
    from mailauth_sandbox.scenario.spec import records_from_cli_json

    records = records_from_cli_json(ROOT / "scenarios" / "zones" / "example.org.json")
    sets = {(r.name, r.type, r.set_identifier): r.resource_record_set() for r in records}
    assert set(sets) == {
        ("example.org.", "A", None),
        ("mail.example.org.", "A", "blue"),
        ("mail.example.org.", "A", "green"),
        ("api.example.org.", "CNAME", "eu"),
        ("api.example.org.", "CNAME", "us"),
    }
    assert sets[("example.org.", "A", None)] == {
        "Name": "example.org.",
        "Type": "A",
        "AliasTarget": {
            "DNSName": "d111111abcdef8.cloudfront.net.",
            "HostedZoneId": "Z2FDTNDATAQYW2",
            "EvaluateTargetHealth": False,
        },
    }
    assert sets[("mail.example.org.", "A", "blue")]["Weight"] == 80
    assert sets[("api.example.org.", "CNAME", "eu")]["Region"] == "eu-west-1"


@pytest.mark.parametrize(
    "record",
    [
        "{name: a.example.com, type: A}",
        "{name: a.example.com, type: A, values: [192.0.2.1], alias: {dns_name: x.example.net., hosted_zone_id: Z1}}",
    ],
)
def test_a_record_needs_values_or_an_alias(tmp_path: Path, record: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"name: bad\nzones: [{{name: example.com, records: [{record}]}}]\nsubmit: []\n")
    with pytest.raises(ValueError, match="either values or an alias"):
        Scenario.load(bad)


def test_a_scenario_can_put_aws_rate_limits_on(tmp_path: Path) -> None:
    """`limits: {}` puts SES's 1/s and Route 53's 10/s (burst 50) on; the SDK's retries absorb one domain's calls."""
    limited = tmp_path / "limited.yaml"
    limited.write_text(
        "name: limited\nzones: [{name: example.com}]\nlimits: {}\n"
        "submit: [{via: api, request: {domain: example.com}}]\n"
        "expect: {example.com: {status: SUCCEEDED, outcome: success}}\n"
    )
    result = run_file(limited)
    assert all(e["ok"] for e in result["expectations"]), result["expectations"]
    assert Scenario.load(limited).limits is not None


@pytest.mark.parametrize(
    ("phase", "words"),
    [
        (
            {"edits": [{"zone": "example.com", "action": "upsert", "name": "x", "type": "TXT"}]},
            "needs values",
        ),
        (
            {
                "edits": [
                    {"zone": "example.com", "action": "delete", "name": "x", "type": "TXT", "values": ["a"]}
                ]
            },
            "takes none",
        ),
        ({"expect_watch": {"example.com": {"told": 1}}}, "needs watch: true"),
    ],
)
def test_a_phase_that_cannot_mean_anything_is_refused(phase: dict[str, Any], words: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=words):
        Scenario.model_validate(
            {
                "name": "x",
                "phases": [{"submit": [{"via": "api", "request": {"domain": "example.com"}}], **phase}],
            }
        )
