"""The operator's journey offline (issue 11, done-when): the `mailauth` CLI against `mailauth-sandbox serve` over
real HTTP on loopback: onboard with live progress to verified, status, list, report, plan and offboard, every
request SigV4-signed by the CLI and checked by the server as API Gateway's IAM auth would."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mailauth_cli.__main__ import main
from mailauth_sandbox.serve import Server

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def server() -> Iterator[Server]:
    """A world of its own per test (one sandbox world runs per process at a time)."""
    with Server(port=0, speed=86400) as served:
        assert served.endpoint.startswith("http://127.0.0.1:"), "the server did not start"
        yield served


@pytest.fixture
def cli(server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MAILAUTH_ENDPOINT": server.endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_onboard_wait_list_report_status_and_offboard(cli: Run) -> None:
    code, out, err = cli("onboard", "example.com", "--wait", "--interval", "0.2")
    assert code == 0, out + err
    assert "VERIFIED" in out or "verified" in out
    assert "mailauth: example.com verified" in out  # the report's subject at the end

    code, out, _ = cli("status", "example.com")
    assert code == 0 and "example.com" in out

    code, out, _ = cli("list")
    assert code == 0 and "example.com" in out and "VERIFIED" in out

    code, out, _ = cli("--json", "list", "--status", "VERIFIED")
    assert code == 0 and '"domain": "example.com"' in out

    code, out, _ = cli("report", "example.com")
    assert code == 0 and out.startswith("example.com is verified for sending")

    code, out, _ = cli("plan", "example.com")
    assert code == 0 and "READY" in out  # the records are there now: nothing would change

    code, out, err = cli("offboard", "example.com")
    assert code == 0, out + err


def test_a_wrong_secret_is_refused_by_the_server(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    code, _, err = cli("status", "example.com")
    assert code == 4 and "403" in err and "signature" in err, err


def test_an_unknown_domain_is_not_found(cli: Run) -> None:
    code, _, err = cli("status", "unknown.example.net")
    assert code == 5 and "404" in err, err
