"""`mailauth plan`: offline against a scenario's world, text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailauth_cli.__main__ import main

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

    result = json.loads(capsys.readouterr().out)
    assert code == 2
    assert result["verdict"] == "conflicts"
    assert result["plan"]["conflicts"][0]["name"] == "mail.example.com"
    assert any(
        "p=reject" in c["record"]["values"][0] for c in result["plan"]["changes"] if c["purpose"] == "dmarc"
    )
