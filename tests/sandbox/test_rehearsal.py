"""Rehearsals: the README's flow on a copy of a zone, kept out of git and out of make test, and the text a
scenario run prints (plan verdict; records added, merged, kept with why, refused with the fix)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from mailauth_sandbox.scenario.text import render

ROOT = Path(__file__).resolve().parents[2]


def readme_rehearsal_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Rehearse on a copy of your zone", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_readme_rehearsal_writes_only_into_the_ignored_folder() -> None:
    block = readme_rehearsal_block()
    written = re.findall(r"(?:>|mkdir -p) (\S+)", block)
    assert written and all(path.startswith("rehearsals/") for path in written), written
    paths = ["rehearsals/example.com.yaml", "rehearsals/zones/example.com.json"]
    ignored = subprocess.run(
        ["git", "check-ignore", *paths], cwd=ROOT, check=False, capture_output=True, text=True
    )
    assert ignored.stdout.split() == paths, "rehearsals/ must be in .gitignore"
    collected = (ROOT / "tests" / "scenarios" / "test_scenarios.py").read_text()
    assert 'glob("*.yaml")' in collected and "rehearsals" not in collected  # make test reads scenarios/ only


def test_the_readme_rehearsal_runs_as_written(tmp_path: Path) -> None:
    """The block runs in a scratch directory, `aws` answering with a copy of a real zone (scenarios/zones)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_aws = bin_dir / "aws"
    fake_aws.write_text(f"#!/bin/sh\ncat {ROOT / 'scenarios' / 'zones' / 'example.com.json'}\n")
    fake_aws.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    block = readme_rehearsal_block().replace(
        "scripts/mailauth-sandbox", str(ROOT / "scripts" / "mailauth-sandbox")
    )
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "example.com via api: SUCCEEDED" in out
    assert "plan: READY (5 to add or merge, 1 kept)" in out
    assert len(re.findall(r"^  \+ CNAME .*\._domainkey\.example\.com ", out, re.M)) == 3
    assert re.search(r"^  = TXT +_dmarc\.example\.com .*p=reject", out, re.M)
    assert "kept, NOT as requested: an existing DMARC record is kept unchanged" in out
    assert (work / "rehearsals" / "example.com.yaml").is_file()


def test_the_text_shows_merges_with_why_and_refusals_with_the_fix() -> None:
    conflict = (
        '{"errorMessage": "1 record conflict(s); nothing was changed.\\n- MX mail.news.example.org: it has '
        'another MX. Fix: choose another mail_from_subdomain."}'
    )
    txt = {
        "name": "mail.shop.example.org",
        "type": "TXT",
        "values": ['"v=spf1 mx include:amazonses.com -all"'],
    }
    base = {"simulated_seconds": 0.0, "state_transitions": 4, "api_calls": {}, "via": "api"}
    result = {
        "scenario": "s",
        "wall_seconds": 1.0,
        "simulated_seconds": 0.0,
        "expectations": [],
        "domains": [
            {
                **base,
                "domain": "shop.example.org",
                "status": "SUCCEEDED",
                "publish": {
                    "changes": [
                        {"action": "UPSERT", "record": txt, "reason": "include:amazonses.com merged"}
                    ],
                    "kept": [],
                    "early_warnings": ["The zone is not delegated."],
                },
                "verification": {"diagnosis": ["MX mail.shop.example.org is not served"]},
            },
            {
                **base,
                "domain": "news.example.org",
                "status": "FAILED",
                "error": "OnboardingFailed",
                "step_error": "RecordConflictError",
                "state_error": {"Error": "RecordConflictError", "Cause": conflict},
            },
        ],
    }

    text = render(result)

    assert '  ~ TXT   mail.shop.example.org "v=spf1 mx include:amazonses.com -all"\n' in text
    assert "          why: include:amazonses.com merged" in text
    assert "  ! The zone is not delegated." in text
    assert "  ? MX mail.shop.example.org is not served" in text
    assert "  plan: CONFLICTS (1 refused; nothing was changed for them)" in text
    assert "  x MX mail.news.example.org: it has another MX. Fix: choose another mail_from_subdomain." in text
