"""`mailauth onboard --wait` and `status --watch` against the fake API (tests/unit/fake_api.py): one plain line per
change when piped (no repeats), one live line rewritten with \\r on a terminal, JSON lines with --json, the report's
summary at the end, exit 0 only when verified (or offboarded), a throttled poll ridden out, Ctrl-C."""

from __future__ import annotations

import itertools
import json
import sys
from typing import Any

import pytest

from mailauth_cli import progress
from tests.unit.fake_api import (
    DOMAIN_PATH,
    FakeApi,
    accepted,
    domain_status,
    report,
    run,
    signed_by_the_caller,
)

A = "CNAME abc._domainkey.example.com is not served by public DNS; it must be abc.dkim.amazonses.com"
B = "MX mail.example.com is not served by public DNS; it must be 10 feedback-smtp.us-east-1.amazonses.com"
PREVIOUS_RUN = "arn:aws:states:us-east-1:123456789012:execution:mailauth-onboard-domain:example_com-0"


def a_run(*, ends: str = "SUCCEEDED") -> list[tuple[int, Any]]:
    """What GET /domains/example.com answers, poll after poll, while a run goes from start to end."""
    verified = ends == "SUCCEEDED"
    return [
        # the run before is still the latest at the first poll: not shown, not the end
        (200, domain_status("Notify", run="FAILED", execution_arn=PREVIOUS_RUN)),
        (200, domain_status("Resolve")),
        (200, domain_status("Resolve")),  # nothing changed: nothing shown
        (200, domain_status("AwaitChange")),
        (200, domain_status("CheckVerification", checks=1, diagnosis=(A, B))),
        (200, domain_status("WaitForVerification", checks=1, diagnosis=(A, B))),
        (200, domain_status("WaitForVerification", checks=2, diagnosis=(A, B))),
        (200, domain_status("BuildReport", checks=3, dkim="SUCCESS", mail_from="SUCCESS")),
        (
            200,
            domain_status(
                "Onboarded" if verified else "VerificationTimedOut",
                checks=3,
                dkim="SUCCESS" if verified else "PENDING",
                mail_from="SUCCESS" if verified else "PENDING",
                run=ends,
                verified=verified,
            ),
        ),
    ]


def test_onboard_wait_piped_prints_one_line_per_change(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer("POST", "/domains", (202, accepted()))
    api.answer("GET", DOMAIN_PATH, *a_run())
    api.answer("GET", DOMAIN_PATH + "/report", (200, report()))

    code = run(api, "onboard", "example.com", "--wait", "--interval", "0.01")

    out = capsys.readouterr().out
    next_and_deadline = "next check 2026-11-27 12:10:00 UTC; deadline 2026-11-29 12:00 UTC"
    assert code == 0
    assert out.splitlines() == [
        "example.com: onboarding started (execution example_com-1)",
        "example.com: Resolve",
        "example.com: AwaitChange",
        "example.com: CheckVerification",
        f"example.com: check 1: SES says DKIM PENDING, MAIL FROM PENDING; {next_and_deadline}",
        f"  - {A}",
        f"  - {B}",
        f"example.com: check 2: SES says DKIM PENDING, MAIL FROM PENDING; {next_and_deadline}",
        "  public DNS: as at the previous check (2 to fix)",
        "example.com: BuildReport",
        f"example.com: check 3: SES says DKIM SUCCESS, MAIL FROM SUCCESS; {next_and_deadline}",
        "  public DNS serves every record",
        "example.com: Onboarded",
        "example.com: VERIFIED (latest run SUCCEEDED)",
        "Report: mailauth: example.com verified",
        "  example.com is verified for sending with SES.",
        *(f"  line {i}" for i in range(2, 13)),
        "  … 8 more lines: mailauth report example.com",
    ]
    assert len(api.requests("GET", DOMAIN_PATH)) == len(a_run())
    signed_by_the_caller(api)


def test_onboard_wait_on_a_terminal_rewrites_one_live_line(
    api: FakeApi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "100")
    api.answer("POST", "/domains", (202, accepted()))
    api.answer("GET", DOMAIN_PATH, *a_run())
    api.answer("GET", DOMAIN_PATH + "/report", (200, report(lines=3)))

    code = run(api, "onboard", "example.com", "--wait", "--interval", "0.01")

    started, live, *after = capsys.readouterr().out.split("\n")
    frames = live.split("\r")
    assert code == 0
    assert started == "example.com: onboarding started (execution example_com-1)"
    assert frames[0] == ""  # each frame starts with \r: the line is rewritten in place
    shown = [frame.rstrip() for frame in frames[1:]]
    assert len(shown) == 7  # one frame per change: the old run and the repeated Resolve are not drawn
    assert all(a != b for a, b in itertools.pairwise(shown))
    assert all(len(frame) <= 99 for frame in frames)  # never wider than the terminal: \r could not rewrite it
    assert shown[0] == "example.com · in Resolve"
    assert shown[2].startswith(
        "example.com · in CheckVerification · check 1: DKIM PENDING, MAIL FROM PENDING · next"
    )
    assert shown[2].endswith("…")
    assert (
        shown[-1]
        == (
            "example.com · in Onboarded · check 3: DKIM SUCCESS, MAIL FROM SUCCESS · deadline 2026-11-29 12:00 UTC · "
            "public DNS serves every record"
        )[:98]
        + "…"
    )
    assert after[0] == "example.com: VERIFIED (latest run SUCCEEDED)"
    assert after[1] == "Report: mailauth: example.com verified"


def test_a_run_that_timed_out_exits_1_with_the_reports_summary(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer("GET", DOMAIN_PATH, *a_run(ends="FAILED"))
    api.answer("GET", DOMAIN_PATH + "/report", (200, report("timeout", lines=2)))

    code = run(api, "status", "example.com", "--watch", "--interval", "0.01")

    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[-4:] == [
        "example.com: NOT VERIFIED (latest run FAILED)",
        "Report: mailauth: example.com timed out",
        "  example.com is verified for sending with SES.",
        "  line 2",
    ]


def test_a_watch_rides_out_a_throttled_poll(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answer(
        "GET",
        DOMAIN_PATH,
        (200, domain_status("Resolve")),
        (503, {"message": "AWS is throttling requests; try again shortly"}),
        (
            200,
            domain_status(
                "Onboarded", checks=1, dkim="SUCCESS", mail_from="SUCCESS", run="SUCCEEDED", verified=True
            ),
        ),
    )
    api.answer("GET", DOMAIN_PATH + "/report", (404, {"message": "no report"}))

    code = run(api, "status", "example.com", "--watch", "--interval", "0.5")

    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[1] == (
        "example.com: GET /domains/example.com: AWS is throttling requests; try again shortly (HTTP 503); "
        "asking again in 0.5 s"
    )
    assert out[-1] == "example.com: VERIFIED (latest run SUCCEEDED)"  # no report yet: no summary


def test_watching_an_offboarding_ends_offboarded(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    arn = accepted(offboard=True)["executionArn"]
    api.answer(
        "GET",
        DOMAIN_PATH,
        (200, domain_status("UnpublishRecords", execution_arn=arn, verified=True)),
        (200, {**domain_status(None, run="SUCCEEDED", execution_arn=arn), "identity": None}),
    )
    api.answer("GET", DOMAIN_PATH + "/report", (404, {"message": "no report"}))

    code = run(api, "status", "example.com", "--watch", "--interval", "0.01")

    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "example.com: UnpublishRecords",
        "example.com: OFFBOARDED (latest run SUCCEEDED)",
    ]


def test_watch_json_prints_each_changed_answer_as_a_line(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer("GET", DOMAIN_PATH, *a_run()[1:])
    api.answer("GET", DOMAIN_PATH + "/report", (200, report()))

    code = run(api, "status", "example.com", "--watch", "--json", "--interval", "0.01")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert len(lines) == 8  # 7 distinct answers (the repeated one once), then the report
    assert lines[0]["progress"]["state"] == "Resolve" and lines[-2]["execution"]["status"] == "SUCCEEDED"
    assert lines[-1] == report()


def test_ctrl_c_while_following_exits_130_and_the_run_goes_on(
    api: FakeApi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(progress, "_pause", interrupted)
    api.answer("GET", DOMAIN_PATH, (200, domain_status("Resolve")))

    assert run(api, "status", "example.com", "--watch") == 130
    assert "a run that was started goes on" in capsys.readouterr().err
