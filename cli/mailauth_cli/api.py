"""The mailauth API from an operator's machine: credentials, the endpoint, and SigV4-signed JSON requests.

Credentials come from the standard AWS chain through ``boto3.Session(profile_name=..., region_name=...)``
(environment, shared files, SSO, ...). The endpoint is ``--endpoint`` (or ``MAILAUTH_ENDPOINT``), else the
``ApiUrl`` output of the CloudFormation stack ``--stack`` (or ``MAILAUTH_STACK``). Requests are signed with
botocore's ``SigV4Auth`` for the service ``execute-api`` (what API Gateway's IAM auth checks) and sent with
urllib. Every failure becomes a :class:`CliError` carrying its documented exit code and a one-line message.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit
from urllib.request import Request, urlopen

if TYPE_CHECKING:
    from botocore.credentials import Credentials

# The exit codes (documented in the CLI's --help and in docs/operations.md). 2 is argparse's usage error.
OK = 0
NOT_SUCCESS = 1  # the operation completed, the outcome is not success (timed out, failed, plan has conflicts)
USAGE = 2  # the command line is wrong (argparse), or a --request/--request-file/--scenario cannot be used
UNREACHABLE = 3  # could not reach or use the API: credentials, region, endpoint, connection, 5xx
REFUSED = 4  # the API refused the request: 4xx other than 404
NOT_FOUND = 5  # 404: mailauth knows nothing of the domain (or has no report for it)

ENDPOINT_VAR = "MAILAUTH_ENDPOINT"
STACK_VAR = "MAILAUTH_STACK"
TIMEOUT_SECONDS = 60.0  # API Gateway answers within 29 s; a dry run may take most of it
USER_AGENT = "mailauth-cli"
_EXECUTE_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")


class CliError(Exception):
    """A failure the CLI reports in one line (``error: ...``) and exits with ``code``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class ApiError(CliError):
    """The API answered with an HTTP error; ``status`` is 0 when it could not be reached at all."""

    def __init__(self, status: int, message: str) -> None:
        if status == 0 or status >= 500:
            code = UNREACHABLE
        elif status == 404:
            code = NOT_FOUND
        else:
            code = REFUSED
        super().__init__(code, message)
        self.status = status

    @property
    def transient(self) -> bool:
        """Worth asking again a little later (a watch keeps going through a few of these)."""
        return self.status == 0 or self.status in (429, 502, 503, 504)


@dataclass
class Api:
    """The deployed (or locally served) API at ``endpoint``, called as the holder of ``credentials``."""

    endpoint: str
    region: str
    credentials: Credentials
    timeout: float = TIMEOUT_SECONDS

    def call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a signed request; the decoded JSON answer of a 2xx, else :class:`ApiError`."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        # RFC 3986 encoding (a space is %20, never +), as SigV4's canonical query string has it
        url = self.endpoint + path + (f"?{urlencode(query, quote_via=quote)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = AWSRequest(method=method, url=url, data=data, headers=headers)
        # frozen per request: refreshable credentials (SSO, assumed roles) renew themselves during a long --wait
        SigV4Auth(self.credentials.get_frozen_credentials(), "execute-api", self.region).add_auth(request)
        prepared = request.prepare()
        sent = Request(prepared.url, data=data, headers=dict(prepared.headers.items()), method=method)
        try:
            with urlopen(sent, timeout=self.timeout) as response:  # http(s) only: connect checks the scheme
                return _decode(response.read(), f"{method} {path}")
        except HTTPError as exc:
            raise ApiError(exc.code, _http_error_message(exc, method, path)) from None
        except (URLError, OSError, HTTPException) as exc:
            reason = exc.reason if isinstance(exc, URLError) else exc
            if isinstance(reason, ConnectionRefusedError):
                why = "connection refused"
            elif isinstance(reason, TimeoutError):
                why = f"no answer within {self.timeout:g} s"
            else:
                why = str(reason)
            raise ApiError(0, f"cannot reach the API at {self.endpoint}: {why}") from None

    @staticmethod
    def domain_path(domain: str, suffix: str = "") -> str:
        return f"/domains/{quote(domain.strip(), safe='')}{suffix}"


def _decode(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise ApiError(
            502, f"{what}: the API answered with something that is not JSON: {raw[:80]!r}"
        ) from None


def _http_error_message(exc: HTTPError, method: str, path: str) -> str:
    raw = exc.read() or b""
    message = ""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict):  # mailauth says "message"; API Gateway's IAM refusals say "Message"
        message = str(body.get("message") or body.get("Message") or "")
    message = message or raw.decode("utf-8", "replace").strip()[:200] or (exc.reason or "")
    if exc.code == 403 and message == "Missing Authentication Token":
        message += " (API Gateway answers this for a route the API does not have: is the stack up to date?)"
    if exc.code == 503 and exc.headers.get("Retry-After"):
        message += f" (retry after {exc.headers['Retry-After']} s)"
    return f"{method} {path}: {message} (HTTP {exc.code})"


def connect(*, profile: str | None, region: str | None, stack: str | None, endpoint: str | None) -> Api:
    """The API to call and the credentials to call it with, or a :class:`CliError` saying what is missing."""
    import boto3
    from botocore.exceptions import BotoCoreError

    endpoint = endpoint or os.environ.get(ENDPOINT_VAR) or None
    stack = stack or os.environ.get(STACK_VAR) or None
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        credentials = session.get_credentials()
        if credentials is not None:
            credentials.get_frozen_credentials()  # an expired SSO session fails here, not mid-command
    except BotoCoreError as exc:
        raise CliError(UNREACHABLE, f"AWS credentials: {exc}") from None
    if credentials is None:
        raise CliError(
            UNREACHABLE,
            "no AWS credentials found: use --profile NAME (aws sso login --profile NAME for SSO), or set "
            "AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        )
    if endpoint is None:
        if stack is None:
            raise CliError(
                USAGE,
                f"name the API: --stack NAME (its ApiUrl output), --endpoint URL, or {STACK_VAR} / {ENDPOINT_VAR}",
            )
        endpoint = _stack_api_url(session, stack)
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(USAGE, f"the endpoint must be an http(s) URL, not {endpoint!r}")
    # an execute-api host names the region its signature must be scoped to, whatever the profile says
    host_region = _EXECUTE_API_HOST.search(parts.hostname or "")
    signing_region = host_region.group(1) if host_region else session.region_name
    if not signing_region:
        raise CliError(
            UNREACHABLE, "no AWS region: use --region, or set AWS_REGION or a region in your AWS profile"
        )
    return Api(endpoint=endpoint.rstrip("/"), region=signing_region, credentials=credentials)


def _stack_api_url(session: Any, stack: str) -> str:
    """The stack's ``ApiUrl`` output (CloudFormation DescribeStacks)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not session.region_name:
        raise CliError(
            UNREACHABLE,
            f"no AWS region to find the stack {stack} in: use --region, or set AWS_REGION or a region in "
            "your AWS profile",
        )
    try:
        described = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as exc:
        message = exc.response.get("Error", {}).get("Message") or str(exc)
        raise CliError(UNREACHABLE, f"stack {stack} in {session.region_name}: {message}") from None
    except BotoCoreError as exc:
        raise CliError(UNREACHABLE, f"stack {stack} in {session.region_name}: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    if not outputs.get("ApiUrl"):
        raise CliError(
            UNREACHABLE, f"stack {stack} has no ApiUrl output: is it a mailauth stack, fully deployed?"
        )
    return str(outputs["ApiUrl"])
