"""`mailauth plan --scenario`: offline against a scenario's world, text and JSON; and the text the CLI renders from
the API's dry-run JSON is exactly the layer's own rendering of the same plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailauth.dryrun import DryRun, render_text
from mailauth_cli.__main__ import main
from mailauth_cli.render import plan_text
from tests.unit.fake_api import a_plan

ROOT = Path(__file__).resolve().parents[2]


def test_plan_against_a_scenario_text(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "example.com", "--scenario", str(ROOT / "scenarios/existing-strict-dmarc.yaml")])

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Plan for example.com: READY")
    assert "CREATE MX    mail.example.com  10 feedback-smtp.us-east-1.amazonses.com" in out
    assert (
        "TXT   _dmarc.example.com" in out
        and "kept unchanged (its policy is stricter than the requested one)" in out
    )


def test_plan_json_and_exit_code_for_conflicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "conflict.yaml"
    scenario.write_text(
        "name: conflict\nzones:\n  - name: example.com\n    records:\n"
        "      - {name: mail.example.com, type: CNAME, values: [elsewhere.example.net.]}\n"
        "submit: [{via: api, request: {domain: example.com}}]\n"
    )

    code = main(
        [
            "plan",
            "example.com",
            "--scenario",
            str(scenario),
            "--json",
            "--request",
            '{"dmarc": {"policy": "reject"}}',
        ]
    )

    out = capsys.readouterr().out
    result = json.loads(out)
    assert code == 1
    assert plan_text(result) == render_text(DryRun.model_validate_json(out))
    assert result["verdict"] == "conflicts"
    assert result["plan"]["conflicts"][0]["name"] == "mail.example.com"
    assert any(
        "p=reject" in c["record"]["values"][0] for c in result["plan"]["changes"] if c["purpose"] == "dmarc"
    )


@pytest.mark.parametrize("conflicts", [False, True])
def test_the_text_of_the_apis_dry_run_is_the_layers(conflicts: bool) -> None:
    answer = a_plan(conflicts=conflicts)
    answer["zone"].update(requested_at="2026-11-27T12:00:00Z", warnings=["the zone is not delegated"])
    answer["notes"] = ["the zone is not delegated"]
    plan = DryRun.model_validate_json(json.dumps(answer))  # the answer is what the API's model dumps

    assert plan_text(plan.model_dump(mode="json")) == render_text(plan)
    assert plan_text(answer) == render_text(plan)
