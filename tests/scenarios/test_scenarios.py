"""Every scenario in scenarios/ runs against the embedded AWS and meets its own `expect` block."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailauth_sandbox.cli import main
from mailauth_sandbox.scenario import Scenario, run_file

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_meets_its_expectations(path: Path) -> None:
    scenario = Scenario.load(path)
    assert scenario.expect, f"{path.name} has no expect block"

    result = run_file(path)

    failed = [e for e in result["expectations"] if not e["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert len(result["domains"]) == len(scenario.submit)


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
    }


def test_json_output_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(ROOT / "scenarios" / "existing-strict-dmarc.yaml"), "--json"])

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"scenario", "simulated_seconds", "wall_seconds", "domains", "expectations"}
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
