"""Every way a `mailauth` command can fail, against the fake API (tests/unit/fake_api.py): one line on stderr and
the documented exit code: 5 not found, 4 refused (400 with the API's message, 403 for a wrong signature or a route
the API lacks), 3 unreachable (500, connection refused, no credentials, no region, no such profile or stack), 2 usage
(argparse, no API named, a request that cannot be read); nothing is sent when the command line is wrong."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from botocore.credentials import ReadOnlyCredentials

from mailauth_cli.__main__ import main
from mailauth_cli.api import connect
from tests.unit.fake_api import (
    CREDENTIALS,
    DOMAIN_PATH,
    FakeApi,
    clean_env,
    credentials_env,
    domain_status,
    one_error_line,
    run,
)


def test_an_unknown_domain_exits_5(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    message = "mailauth knows no onboarding of example.com and SES has no such identity"
    api.answer("GET", DOMAIN_PATH, (404, {"message": message}))

    assert run(api, "status", "example.com") == 5
    assert one_error_line(capsys) == f"error: GET /domains/example.com: {message} (HTTP 404)"


def test_a_refused_request_exits_4_with_the_apis_message(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    message = "dmarc.rua.0: not a plain mailto: address"
    api.answer("POST", "/domains", (400, {"message": message, "errors": [message]}))

    assert run(api, "onboard", "example.com", "--rua", "x y") == 4
    assert one_error_line(capsys) == f"error: POST /domains: {message} (HTTP 400)"


def test_a_wrong_signature_is_refused_and_exits_4(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.credentials = ReadOnlyCredentials(CREDENTIALS.access_key, "another-secret", CREDENTIALS.token)
    api.answer("GET", DOMAIN_PATH, (200, domain_status("Resolve")))

    assert run(api, "status", "example.com") == 4
    assert "does not match the signature you provided" in one_error_line(capsys)
    assert api.refused and not api.seen


def test_a_server_error_exits_3(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answer(
        "DELETE", DOMAIN_PATH, (500, {"message": "the request could not be completed", "requestId": "r-1"})
    )

    assert run(api, "offboard", "example.com") == 3
    assert (
        one_error_line(capsys)
        == "error: DELETE /domains/example.com: the request could not be completed (HTTP 500)"
    )


def test_a_route_the_api_lacks_says_so(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(api, "list") == 4
    assert "the API does not have: is the stack up to date?" in one_error_line(capsys)


def test_connection_refused_exits_3(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there

    assert main(["--endpoint", f"http://127.0.0.1:{port}/v1", "list"]) == 3
    assert (
        one_error_line(capsys)
        == f"error: cannot reach the API at http://127.0.0.1:{port}/v1: connection refused"
    )


def test_missing_credentials_exit_3(
    api: FakeApi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        k: v
        for k, v in credentials_env().items()
        if not k.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_SESSION"))
    }
    clean_env(monkeypatch, env)

    assert run(api, "status", "example.com") == 3
    assert one_error_line(capsys).startswith("error: no AWS credentials found: use --profile NAME")
    assert not api.seen and not api.refused


def test_an_unknown_profile_exits_3(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(api, "--profile", "nobody", "status", "example.com") == 3
    assert one_error_line(capsys) == "error: AWS credentials: The config profile (nobody) could not be found"


def test_no_region_exits_3(
    api: FakeApi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    assert run(api, "status", "example.com") == 3
    assert one_error_line(capsys).startswith("error: no AWS region: use --region")
    assert not api.seen


def test_an_execute_api_endpoint_names_the_signing_region(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch, credentials_env())

    api = connect(
        profile=None,
        region=None,
        stack=None,
        endpoint="https://abc123.execute-api.eu-west-1.amazonaws.com/v1/",
    )

    assert (api.endpoint, api.region) == (
        "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
        "eu-west-1",
    )


def test_stack_finds_the_api_in_its_outputs(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    import boto3
    from moto import mock_aws

    api.answer("GET", DOMAIN_PATH, (200, domain_status(None, run="SUCCEEDED", verified=True)))
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ApiUrl": {"Value": api.endpoint}},
    }
    with mock_aws(config={"core": {"mock_credentials": False}}):
        boto3.client("cloudformation").create_stack(StackName="mailauth", TemplateBody=json.dumps(template))

        found = main(["--stack", "mailauth", "status", "example.com"])
        missing = main(["--stack", "other", "status", "example.com"])

    assert found == 0 and api.requests("GET", DOMAIN_PATH)
    assert missing == 3
    assert one_error_line(capsys) == "error: stack other in us-east-1: Stack with id other does not exist"


# -- what the command line itself gets wrong: 2, nothing sent ---------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--request", '{"dmarc": '], "error: --request: not valid JSON: Expecting value (line 1 column 11)"),
        (["--request", '["example.com"]'], "error: --request: the request must be an object, not list"),
        (["--request-file", "missing.json"], "error: --request-file missing.json: no such file"),
        (["--request-file", "bad.yaml"], "error: --request-file bad.yaml: not valid YAML: "),
        (
            ["--request", '{"domain": "other.example"}'],
            "error: the request is for 'other.example' but the command",
        ),
    ],
)
def test_a_request_that_cannot_be_read_exits_2(
    api: FakeApi,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    error: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("dmarc: {policy: [reject\n")

    assert run(api, "onboard", "example.com", *argv) == 2
    assert one_error_line(capsys).startswith(error)
    assert not api.seen


def test_usage_errors_are_argparses_2(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(api, "list", "--status", "pending")
    assert exit_.value.code == 2
    assert "invalid choice: 'PENDING'" in capsys.readouterr().err

    assert main(["status", "example.com"]) == 2  # no API named
    assert one_error_line(capsys).startswith("error: name the API: --stack NAME")
