"""The `mailauth` commands against the API contract: a real HTTP server on 127.0.0.1 (tests/unit/fake_api.py) that
recomputes every request's SigV4 signature for execute-api from the known test credentials and refuses (403) a
request whose signature does not hold. onboard, status, list (pagination, the status filter), plan (the API's dry
run), report and offboard, as text and --json, with their exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mailauth_cli.__main__ import main
from tests.unit.fake_api import (
    DOMAIN_PATH,
    FakeApi,
    a_plan,
    accepted,
    domain_status,
    report,
    run,
    signed_by_the_caller,
)

A = "CNAME abc._domainkey.example.com is not served by public DNS; it must be abc.dkim.amazonses.com"


def test_onboard_sends_the_request_signed_and_says_it_started(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer("POST", "/domains", (202, accepted()))
    request = tmp_path / "request.yaml"
    request.write_text("dmarc:\n  policy: none\n  adkim: s\ntags:\n  team: mail\n")

    code = run(
        api,
        "onboard",
        "example.com",
        "--request-file",
        str(request),
        "--dmarc-policy",
        "reject",
        "--rua",
        "dmarc@example.com",
        "--rua",
        "mailto:reports@example.net",
        "--mail-from-subdomain",
        "bounce",
        "--max-wait-hours",
        "24",
        "--dns",
        "auto",
        "--repair-drift",
    )

    assert code == 0
    assert capsys.readouterr().out == "example.com: onboarding started (execution example_com-1)\n"
    [post] = api.requests("POST", "/domains")
    assert post.body == {
        "domain": "example.com",
        "dmarc": {
            "policy": "reject",
            "adkim": "s",
            "rua": ["mailto:dmarc@example.com", "mailto:reports@example.net"],
        },
        "tags": {"team": "mail"},
        "mail_from_subdomain": "bounce",
        "max_wait_hours": 24,
        "dns": "auto",
        "repair_drift": True,
    }
    signed_by_the_caller(api)


def test_onboard_json_prints_the_apis_answer(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answer("POST", "/domains", (202, accepted(status="ALREADY_RUNNING")))

    code = main(
        ["onboard", "example.com", "--endpoint", api.endpoint, "--json", "--request", '{"dns": "route53"}']
    )

    assert code == 0
    assert json.loads(capsys.readouterr().out) == accepted(status="ALREADY_RUNNING")
    assert api.requests("POST", "/domains")[0].body == {"dns": "route53", "domain": "example.com"}


def test_status_says_what_ses_and_the_run_say(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answer(
        "GET",
        DOMAIN_PATH,
        (200, domain_status("WaitForVerification", checks=2, diagnosis=(A,))),
        (
            200,
            domain_status(
                "Onboarded", checks=2, dkim="SUCCESS", mail_from="SUCCESS", run="SUCCEEDED", verified=True
            ),
        ),
    )

    pending = run(api, "status", "example.com")
    pending_out = capsys.readouterr().out
    done = run(api, "status", "example.com", "--json")

    assert pending == 1  # not verified yet
    assert pending_out.splitlines() == [
        "example.com",
        "  SES identity: verified for sending: no · DKIM PENDING · MAIL FROM mail.example.com PENDING",
        "  latest run: example_com-1 RUNNING, started 2026-11-27 12:00 UTC",
        "  in WaitForVerification · check 2: DKIM PENDING, MAIL FROM PENDING · next check 2026-11-27 12:10:00 UTC"
        " · deadline 2026-11-29 12:00 UTC",
        f"  - {A}",
    ]
    assert done == 0
    assert json.loads(capsys.readouterr().out)["identity"]["verifiedForSending"] is True


def listed(domain: str, status: str, **more: Any) -> dict[str, Any]:
    return {
        "domain": domain,
        "operation": "onboard",
        "status": status,
        "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:m:{domain}-1",
        "startedAt": "2026-11-27T12:00:00+00:00",
        "finishedAt": None,
        "verifiedAt": None,
        "dkimStatus": "PENDING",
        "mailFromStatus": "PENDING",
        "verifiedForSending": False,
        "warnings": [],
        **more,
    }


def test_list_follows_every_page_and_passes_the_status_filter(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    first = [
        listed("a.example.com", "RUNNING"),
        listed("b.example.com", "RUNNING", warnings=["undelegated", "x"]),
    ]
    second = [listed("c.example.org", "RUNNING", dkimStatus="SUCCESS", startedAt="2026-11-28T08:30:59Z")]
    api.answer(
        "GET",
        "/domains",
        (200, {"domains": first, "nextToken": "page 2+/="}),
        (200, {"domains": second, "nextToken": None}),
    )

    code = run(api, "list", "--status", "running")

    assert code == 0
    assert [r.query for r in api.requests("GET", "/domains")] == [
        {"limit": "100", "status": "RUNNING"},
        {"limit": "100", "status": "RUNNING", "nextToken": "page 2+/="},
    ]
    assert capsys.readouterr().out.splitlines() == [
        "DOMAIN         STATUS   DKIM     MAIL FROM  VERIFIED  STARTED               WARNINGS",
        "a.example.com  RUNNING  PENDING  PENDING    no        2026-11-27 12:00 UTC  0",
        "b.example.com  RUNNING  PENDING  PENDING    no        2026-11-27 12:00 UTC  2",
        "c.example.org  RUNNING  SUCCESS  PENDING    no        2026-11-28 08:30 UTC  0",
    ]
    signed_by_the_caller(api)


def test_list_limit_and_json(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    verified = listed(
        "a.example.com", "VERIFIED", verifiedAt="2026-11-27T12:40:00+00:00", verifiedForSending=True
    )
    api.answer("GET", "/domains", (200, {"domains": [verified], "nextToken": "more"}))

    text = run(api, "list", "--limit", "1")
    text_out = capsys.readouterr().out.splitlines()
    as_json = run(api, "list", "--limit", "1", "--json")

    assert text == as_json == 0
    assert [r.query for r in api.requests("GET", "/domains")] == [{"limit": "1"}, {"limit": "1"}]
    assert re.split(r"\s{2,}", text_out[1])[4] == "2026-11-27 12:40 UTC"
    assert text_out[-1] == "(first 1; more without --limit)"
    assert json.loads(capsys.readouterr().out) == {"domains": [verified], "nextToken": "more"}


@pytest.mark.parametrize("conflicts", [False, True])
def test_plan_goes_through_the_apis_dry_run(
    api: FakeApi, capsys: pytest.CaptureFixture[str], conflicts: bool
) -> None:
    api.answer("POST", "/domains", (200, a_plan(conflicts=conflicts)))

    code = run(api, "plan", "example.com", "--dmarc-policy", "reject")

    out = capsys.readouterr().out.splitlines()
    assert api.requests("POST", "/domains")[0].body == {
        "domain": "example.com",
        "dmarc": {"policy": "reject"},
        "dry_run": True,
    }
    assert out[:3] == [
        f"Plan for example.com: {'CONFLICTS' if conflicts else 'READY'}",
        "  zone example.com (Z1), delegation ok",
        "  SES identity: will be created",
    ]
    assert "    CREATE MX    mail.example.com  10 feedback-smtp.us-east-1.amazonses.com" in out
    assert '    TXT   _dmarc.example.com  "v=DMARC1; p=reject"  (kept unchanged (stricter))' in out
    assert out[-1] == "  note: the SES identity does not exist yet"
    if conflicts:
        assert code == 1
        assert (
            "    CNAME mail.example.com: a CNAME is in the way" in out and "           fix: remove it" in out
        )
    else:
        assert code == 0
        assert not any("Conflicts" in line for line in out)


def test_plan_json_and_a_blocked_plan(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    blocked = {"domain": "example.com", "verdict": "blocked", "blocked": "NoPublicZoneError: no public zone"}
    api.answer("POST", "/domains", (200, blocked))

    as_json = run(api, "plan", "example.com", "--json")
    json_out = json.loads(capsys.readouterr().out)
    text = run(api, "plan", "example.com")

    assert as_json == text == 1
    assert json_out == blocked
    assert capsys.readouterr().out.splitlines() == [
        "Plan for example.com: BLOCKED",
        "  cannot onboard: NoPublicZoneError: no public zone",
    ]


def test_report_prints_the_whole_report(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answer("GET", DOMAIN_PATH + "/report", (200, report()), (200, report("timeout")))

    success = run(api, "report", "example.com")
    text = capsys.readouterr().out
    timeout = run(api, "report", "example.com", "--json")

    assert success == 0 and text == report()["text"] + "\n"
    assert timeout == 1 and json.loads(capsys.readouterr().out) == report("timeout")


def test_offboard_deletes_through_the_api(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answer("DELETE", DOMAIN_PATH, (202, accepted(offboard=True)))

    plain = run(api, "offboard", "example.com")
    plain_out = capsys.readouterr().out
    keep = run(api, "offboard", "example.com", "--keep-identity", "--json")

    assert plain == keep == 0
    assert plain_out == "example.com: offboarding started (execution example_com-offboard-1)\n"
    assert json.loads(capsys.readouterr().out) == accepted(offboard=True)
    assert [r.query for r in api.requests("DELETE", DOMAIN_PATH)] == [{}, {"keep_identity": "true"}]
    signed_by_the_caller(api)
