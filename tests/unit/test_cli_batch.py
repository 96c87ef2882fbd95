"""``mailauth onboard --from-file`` and ``list --batch`` against the API contract (tests/unit/fake_api.py): a file
of domains goes as batches of ``POST /domains`` under one name, the request options are every domain's, and
--wait follows the batch through ``GET /domains?batch=``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.fake_api import FakeApi, one_error_line, run, signed_by_the_caller


def started(domains: list[str]) -> dict[str, Any]:
    rows = [
        {"domain": d, "status": "STARTED", "executionArn": f"arn:x:{d}", "notBefore": None} for d in domains
    ]
    return {"batch": "b", "domains": rows, "counts": {"STARTED": len(rows)}}


def row(domain: str, status: str) -> dict[str, Any]:
    return {"domain": domain, "status": status, "batch": "spring", "warnings": []}


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    from mailauth_cli import batch

    monkeypatch.setattr(batch, "_pause", lambda seconds: None)


def test_a_file_goes_in_batches_of_100_under_one_name(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"brand{i:03d}.example.com" for i in range(150)]
    lines = ["# spring brands", "", *names[:75], "  Brand000.example.com.  # again", *names[75:]]
    listing = tmp_path / "spring brands.txt"
    listing.write_text("\n".join(lines) + "\n")
    api.answer("POST", "/domains", (202, started(names[:100])), (202, started(names[100:])))

    code = run(api, "onboard", "--from-file", str(listing), "--dmarc-policy", "quarantine")

    assert code == 0
    posts = [r.body for r in api.requests("POST", "/domains")]
    assert [len(p["domains"]) for p in posts] == [100, 50]
    assert [d for p in posts for d in p["domains"]] == names  # in order, each once
    assert posts[0]["batch"] == posts[1]["batch"] and posts[0]["batch"].startswith("spring-brands-")
    assert posts[0]["defaults"] == {"dmarc": {"policy": "quarantine"}}
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"batch {posts[0]['batch']}: 150 of 150 domains sent: 150 started"
    assert out[-1] == f"progress: mailauth list --batch {posts[0]['batch']}"
    signed_by_the_caller(api)
    # the same file is the same batch: sending it again starts nothing twice (the API answers ALREADY_RUNNING)
    run(api, "onboard", "--from-file", str(listing), "--dmarc-policy", "quarantine")
    assert api.requests("POST", "/domains")[2].body["batch"] == posts[0]["batch"]


def test_domains_not_started_are_named_and_the_exit_code_says_so(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "d.txt"
    listing.write_text("a.example.com\nb.example.com\n")
    answer = started(["a.example.com"])
    answer["domains"].append(
        {
            "domain": "b.example.com",
            "status": "CONFLICT",
            "message": "an onboarding of b.example.com is running",
        }
    )
    api.answer("POST", "/domains", (207, answer))

    code = run(api, "onboard", "--from-file", str(listing), "--batch", "mine")

    assert code == 1
    assert api.requests("POST", "/domains")[0].body["batch"] == "mine"
    out = capsys.readouterr().out
    assert "1 conflict, 1 started" in out
    assert "  b.example.com: CONFLICT: an onboarding of b.example.com is running" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["onboard"], "onboard needs a DOMAIN, or --from-file FILE"),
        (["onboard", "x.example.com", "--from-file", "FILE"], "not both"),
        (["onboard", "x.example.com", "--batch", "b"], "--batch names the batch of --from-file"),
        (["onboard", "--from-file", "missing.txt"], "missing.txt: no such file"),
        (["onboard", "--from-file", "FILE", "--request", '{"domain": "x.example.com"}'], "take 'domain' out"),
        (["onboard", "--from-file", "TWO"], "line 2: one domain a line"),
        (["onboard", "--from-file", "EMPTY"], "no domains in it"),
    ],
)
def test_what_cannot_be_sent_is_refused_before_any_call(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    files = {
        "FILE": "a.example.com\n",
        "TWO": "a.example.com\nb.example.com c.example.com\n",
        "EMPTY": "# none\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    argv = [str(tmp_path / a) if a in files else a for a in argv]
    argv = [str(tmp_path / a) if a == "missing.txt" else a for a in argv]

    code = run(api, *argv)

    assert code == 2
    assert message in one_error_line(capsys)
    assert api.seen == []


def test_a_chunk_the_api_refuses_says_what_was_sent(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"d{i}.example.com" for i in range(120)]
    (tmp_path / "f.txt").write_text("\n".join(names))
    api.answer(
        "POST", "/domains", (202, started(names[:100])), (503, {"message": "AWS is throttling requests"})
    )

    code = run(api, "onboard", "--from-file", str(tmp_path / "f.txt"))

    assert code != 0
    captured = capsys.readouterr()
    assert "100 of 120 domains sent: 100 started" in captured.out
    assert "domains 101 to 120" in captured.err and "send the same file again" in captured.err


def test_wait_follows_the_batch_until_every_run_ended(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f.txt").write_text("a.example.com\nb.example.com\n")
    api.answer("POST", "/domains", (202, started(["a.example.com", "b.example.com"])))
    api.answer(
        "GET",
        "/domains",
        (
            200,
            {
                "domains": [row("a.example.com", "RUNNING"), row("b.example.com", "STARTING")],
                "nextToken": None,
            },
        ),
        (
            200,
            {
                "domains": [row("a.example.com", "VERIFIED"), row("b.example.com", "RUNNING")],
                "nextToken": None,
            },
        ),
        (
            200,
            {
                "domains": [row("a.example.com", "VERIFIED"), row("b.example.com", "FAILED")],
                "nextToken": None,
            },
        ),
    )

    code = run(api, "onboard", "--from-file", str(tmp_path / "f.txt"), "--batch", "spring", "--wait")

    assert code == 1  # one failed
    assert {r.query["batch"] for r in api.requests("GET", "/domains")} == {"spring"}
    out = capsys.readouterr().out.splitlines()
    assert "batch spring: 2 domains: 1 RUNNING, 1 STARTING" in out
    assert "batch spring: 2 domains: 1 FAILED, 1 VERIFIED" in out
    assert out[-1] == "  b.example.com: FAILED (mailauth report b.example.com)"


def test_list_by_batch_passes_the_name_and_counts(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        row("a.example.com", "VERIFIED"),
        row("b.example.com", "RUNNING"),
        row("c.example.com", "VERIFIED"),
    ]
    api.answer("GET", "/domains", (200, {"domains": rows, "nextToken": None}))

    assert run(api, "list", "--batch", "spring") == 0

    assert [r.query for r in api.requests("GET", "/domains")] == [{"limit": "100", "batch": "spring"}]
    assert capsys.readouterr().out.splitlines()[-1] == "3 domains: 2 VERIFIED, 1 RUNNING"


def test_json_prints_every_domain_s_answer(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f.txt").write_text("a.example.com\n")
    api.answer("POST", "/domains", (202, started(["a.example.com"])))

    assert run(api, "onboard", "--from-file", str(tmp_path / "f.txt"), "--batch", "j", "--json") == 0

    printed = json.loads(capsys.readouterr().out)
    assert printed["batch"] == "j" and printed["domains"][0]["status"] == "STARTED"
