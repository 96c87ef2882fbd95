"""`make e2e-aws`: the real-account test. Deploy a throwaway stack, onboard and offboard a fresh subdomain through
the SigV4-signed API, record what AWS actually answers where mailauth relies on a reading of its documentation,
and delete everything again.

    python scripts/e2e.py aws   [--max-wait-hours N] [--report-dir DIR]
    python scripts/e2e.py local [--max-wait-hours N] [--report-dir DIR]   # the same run in the embedded AWS

``aws`` needs AWS credentials (the usual chain: AWS_PROFILE, environment, SSO, ...) and
``MAILAUTH_E2E_PARENT_ZONE_ID``, a public Route 53 hosted zone delegated from the internet; optional
``MAILAUTH_E2E_REGION`` and ``MAILAUTH_E2E_EMAIL`` (subscribed to the stack's topic). Without credentials or the
zone it prints one ``SKIPPED:`` line and exits 0, without touching the network.

Both backends run the same :func:`run`; only deploying, sending a request and tearing down differ. The report
goes to ``.e2e/report-<stack>.json``. Exit status: 0 passed or skipped, 1 failed, 2 usage or precondition error.
docs/operations.md, "The real-account test", says what it costs and which permissions it needs.
"""

from __future__ import annotations

import argparse
import dataclasses
import hmac
import json
import os
import secrets
import string
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

ROOT = Path(__file__).resolve().parent.parent
STACK_PREFIX = "mailauth-e2e-"
ZONE_VAR = "MAILAUTH_E2E_PARENT_ZONE_ID"
REGION_VAR = "MAILAUTH_E2E_REGION"
EMAIL_VAR = "MAILAUTH_E2E_EMAIL"
OUTPUT_KEYS = ("ApiUrl", "StateMachineArn", "OffboardStateMachineArn", "TopicArn", "TableName")
KEY_LENGTHS = ("RSA_1024_BIT", "RSA_2048_BIT")
PROBE_TAG = {"Key": "mailauth-e2e", "Value": "probe"}
DKIM_DOMAINS_DOC = "https://docs.aws.amazon.com/general/latest/gr/ses.html#ses_dkim_domains"
ACCEPTED_KEYS = {"domain", "executionArn", "executionName", "status"}
OFFBOARD_WAIT_HOURS = 0.5  # offboarding takes minutes; AWS: 30 min + the 15 min margin
Action = Callable[[], str]

#: id -> (question, what mailauth assumes). The probes record what the backend answers; they never fail a run.
ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "A1": (
        "CreateEmailIdentity's response: 3 DKIM tokens and SigningHostedZone?",
        f"3 tokens; SigningHostedZone is the region's Easy DKIM domain {{zone}} ({DKIM_DOMAINS_DOC})",
    ),
    "A2": (
        "PutEmailIdentityDkimSigningAttributes(AWS_SES) with the key length the identity already has?",
        "refused (an error code and message)",
    ),
    "A3": (
        "The same with the other key length on the PENDING identity: accepted? new tokens? DkimStatus after?",
        "accepted (a documented key-length change); it is not a DKIM restart, so mailauth does not rely on new "
        "tokens (it restarts a FAILED setup by deleting and re-creating the identity); tokens are recorded",
    ),
    "A4": (
        "GetEmailIdentity returns the Tags given to CreateEmailIdentity?",
        "yes: mailauth takes its creation-time tag as evidence that it owns the identity",
    ),
    "A5": (
        "TagResource with a tag value containing parentheses ('x (y)')?",
        "refused with BadRequestException",
    ),
    "A6": (
        "CreateEmailIdentity of an identity that exists?",
        "AlreadyExistsException (mailauth then adopts the identity)",
    ),
    "A7": (
        "ListRecommendations (Filter RESOURCE_ARN) without Virtual Deliverability Manager: error or empty list?",
        "either an error with a code (reported as 'not available') or an empty list; both are handled",
    ),
    "A8": (
        "StartExecution with a dotted name ('probe.name-...') and an invalid request: accepted or InvalidName?",
        "refused with InvalidName: both state machines log to CloudWatch Logs, and StartExecution then allows "
        "only 0-9, A-Z, a-z, - and _ (so mailauth writes a domain's dots as '_')",
    ),
    "A9": (
        "Seconds from the Route 53 change's submission to INSYNC, and from INSYNC to DKIM / MAIL FROM SUCCESS?",
        "INSYNC within about 60 s; DKIM and MAIL FROM SUCCESS within max_wait_hours (usually minutes)",
    ),
    "A10": (
        "The error name Step Functions gives a Lambda timeout when a Task calls a function ARN?",
        "'Lambda.Unknown' per the Step Functions guide ('Sandbox.Timedout' in Lambda's own payload); "
        "the ASL retries both",
    ),
    "A12": (
        "Does the layer's pinned botocore (not the runtime's) parse SigningHostedZone in the deployed function?",
        "yes: EnsureIdentity's output in the onboarding's history carries the zone SES returned, not an empty one",
    ),
}
NOT_PROBED_A10 = "not probed: it needs a deliberately slow function deployed for the purpose, and the stack under test has none"


class Skip(Exception):
    """The run cannot start here and that is fine (no credentials, no zone): one SKIPPED line, exit 0."""


class PreconditionError(Exception):
    """The run cannot start: something the caller must fix first (exit 2)."""


class CheckFailed(AssertionError):
    """An assertion about what mailauth did failed (exit 1)."""


# ------------------------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class Zone:
    id: str
    name: str  # without the trailing dot


@dataclass(frozen=True)
class Stack:
    name: str
    api_url: str
    state_machine_arn: str
    offboard_state_machine_arn: str
    topic_arn: str
    table_name: str


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]


@dataclass
class Step:
    name: str
    started_at: str
    seconds: float = 0.0
    ok: bool = True
    detail: str = ""
    error: str | None = None
    cleanup: bool = False


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Probe:
    id: str
    question: str
    assumption: str
    observed: dict[str, Any] = field(default_factory=dict)
    matched: bool | None = None
    error: str | None = None


@dataclass
class Report:
    backend: str
    region: str
    stack: str
    domain: str = ""
    probe_domain: str = ""
    parent_zone: dict[str, str] = field(default_factory=dict)
    account: str = ""
    max_wait_hours: float = 0.0
    started_at: str = ""
    finished_at: str = ""
    steps: list[Step] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    failure: str | None = None
    precondition: str | None = None
    passed: bool = False
    path: str = ""

    def probe(self, probe_id: str) -> Probe:
        return next(p for p in self.probes if p.id == probe_id)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


def utcnow() -> datetime:
    return datetime.now(UTC)


def random_suffix(length: int = 8) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(length))


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def describe_error(exc: BaseException) -> dict[str, str]:
    code = error_code(exc)
    if code:
        message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", ""))
        return {"code": code, "message": message}
    return {"exception": type(exc).__name__, "message": str(exc)}


def dkim_signing_zone(region: str) -> str:
    """Easy DKIM's CNAME target zone as mailauth reads the SES endpoints page (``DKIM_DOMAINS_DOC``)."""
    return "dkim.amazonses.com" if region == "us-east-1" else f"dkim.{region}.amazonses.com"


# ------------------------------------------------------------------------------------------ backends
class Backend(Protocol):
    """Where the stack runs. :func:`run` drives both implementations the same way."""

    name: str
    region: str
    partition: str
    #: seconds between two polls of GET /domains/{domain}
    poll_seconds: float
    default_max_wait_hours: float

    def preflight(self) -> None:
        """Check what the run needs before anything is created; raise PreconditionError."""

    def deploy(self, stack_name: str) -> Stack:
        """Create the stack (and, locally, the parent zone) and return its outputs."""

    def parent_zone(self) -> Zone:
        """The public hosted zone the test subdomain goes into."""

    def client(self, service: str) -> Any:
        """A boto3 client in the stack's region."""

    def credentials(self) -> ReadOnlyCredentials:
        """The caller's credentials, for SigV4-signing API requests."""

    def send(self, request: AWSRequest) -> ApiResponse:
        """Deliver a signed API request (AWS: HTTPS; local: an API Gateway proxy event to ApiFunction)."""

    def wait_budget(self, max_wait_hours: float) -> float:
        """Wall seconds to wait for an onboarding that may wait ``max_wait_hours`` for SES."""

    def sleep(self, seconds: float) -> None:
        """Sleep between polls."""

    def pace(self) -> None:
        """Between two SES calls (SES allows 1 request/s for every action but sending)."""

    def notifications_for(self, domain: str) -> int | None:
        """How many outcome notifications (success, timeout or failure: not the early warnings or announcements sent
        before the wait) the topic published for ``domain``; None where that cannot be seen."""

    def cleanup_actions(self, stack_name: str) -> list[tuple[str, Action]]:
        """Named best-effort steps that remove the stack and what it leaves behind."""


class AwsBackend:
    """A real account, through ``sam deploy`` / ``sam delete`` and boto3 with the caller's credentials."""

    name = "aws"
    poll_seconds = 30.0
    default_max_wait_hours = 2.0

    def __init__(
        self,
        *,
        session: Any,
        region: str,
        zone_id: str,
        email: str | None = None,
        root: Path = ROOT,
        out: TextIO = sys.stdout,
    ) -> None:
        self.session = session
        self.region = region
        self.zone_id = zone_id.strip().removeprefix("/hostedzone/")
        self.email = email or None
        self.root = root
        self.out = out
        self.partition: str = session.get_partition_for_region(region)
        self.sam = root / ".tools" / "bin" / "sam"
        self._zone: Zone | None = None
        self._clients: dict[str, Any] = {}

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] = os.environ, out: TextIO = sys.stdout
    ) -> AwsBackend:
        """The backend the environment describes; Skip without a zone or credentials (no network then)."""
        import boto3
        from botocore.exceptions import ProfileNotFound

        zone_id = environ.get(ZONE_VAR, "").strip()
        try:
            if not zone_id:
                missing = [
                    f"{ZONE_VAR} (the ID of a public Route 53 hosted zone delegated from the internet)"
                ]
                if offline_credentials() is None:
                    missing.append(_CREDENTIALS_HINT)
                raise Skip(_skip_line(missing))
            session = boto3.session.Session()
            if session.get_credentials() is None:
                raise Skip(_skip_line([_CREDENTIALS_HINT]))
        except ProfileNotFound as exc:
            raise PreconditionError(f"{exc}: set AWS_PROFILE to a profile of your AWS config") from exc
        region = environ.get(REGION_VAR, "").strip() or session.region_name or "us-east-1"
        return cls(session=session, region=region, zone_id=zone_id, email=environ.get(EMAIL_VAR), out=out)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(retries={"mode": "adaptive", "max_attempts": 8})
            self._clients[service] = self.session.client(service, region_name=self.region, config=config)
        return self._clients[service]

    def credentials(self) -> ReadOnlyCredentials:
        credentials = self.session.get_credentials()  # refreshable ones refresh here (a run takes hours)
        frozen: ReadOnlyCredentials = credentials.get_frozen_credentials()
        return frozen

    def preflight(self) -> None:
        if not self.sam.exists():
            raise PreconditionError(f"the SAM CLI is not at {self.sam}: run `make tools`")
        try:
            zone = self.client("route53").get_hosted_zone(Id=self.zone_id)["HostedZone"]
        except Exception as exc:
            raise PreconditionError(f"{ZONE_VAR}={self.zone_id}: GetHostedZone failed: {exc}") from exc
        if (zone.get("Config") or {}).get("PrivateZone"):
            raise PreconditionError(
                f"{ZONE_VAR}={self.zone_id} is a private hosted zone; SES needs a public one"
            )
        self._zone = Zone(self.zone_id, str(zone["Name"]).rstrip(".").lower())

    def parent_zone(self) -> Zone:
        if self._zone is None:
            self.preflight()
        assert self._zone is not None
        return self._zone

    def _sam(self, *args: str) -> None:
        import subprocess

        env = {
            **os.environ,
            "SAM_CLI_TELEMETRY": "0",
            "PATH": f"{self.root / '.venv' / 'bin'}:{os.environ['PATH']}",
        }
        self.out.flush()
        subprocess.run([str(self.sam), *args], cwd=self.root, env=env, check=True)

    def deploy(self, stack_name: str) -> Stack:
        built = self.root / ".aws-sam" / "build" / "template.yaml"
        if not built.exists():
            self._sam("build")
        overrides = ["AutoOnboardNewZones=false"] + (
            [f"NotificationEmail={self.email}"] if self.email else []
        )
        # Access logs need the account's API Gateway CloudWatch role, an account-wide setting this test must not
        # change (docs/operations.md): without one, the test stack deploys with ApiAccessLogs=off.
        if not self.client("apigateway").get_account().get("cloudwatchRoleArn"):
            print(
                "note: this account has no API Gateway CloudWatch role; deploying with ApiAccessLogs=off",
                file=self.out,
            )
            overrides.append("ApiAccessLogs=off")
        self._sam(
            "deploy",
            "--template-file", str(built),
            "--stack-name", stack_name,
            "--region", self.region,
            "--capabilities", "CAPABILITY_IAM",
            "--resolve-s3",
            "--s3-prefix", stack_name,  # so that `sam delete` removes exactly this run's artifacts
            "--no-confirm-changeset",
            "--no-fail-on-empty-changeset",
            "--parameter-overrides", *overrides,
        )  # fmt: skip
        stacks = self.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        missing = [k for k in OUTPUT_KEYS if not outputs.get(k)]
        if missing:
            raise CheckFailed(f"stack {stack_name} has no output(s) {', '.join(missing)}")
        return Stack(
            stack_name, *(outputs[k].rstrip("/") if k == "ApiUrl" else outputs[k] for k in OUTPUT_KEYS)
        )

    def send(self, request: AWSRequest) -> ApiResponse:
        import urllib.error
        import urllib.request

        data = request.data.encode() if isinstance(request.data, str) else request.data
        http = urllib.request.Request(
            str(request.url), data=data or None, headers=dict(request.headers.items()), method=request.method
        )
        try:
            with urllib.request.urlopen(http, timeout=60) as response:
                return ApiResponse(response.status, _json_object(response.read()))
        except urllib.error.HTTPError as exc:
            return ApiResponse(exc.code, _json_object(exc.read()))

    def wait_budget(self, max_wait_hours: float) -> float:
        return max_wait_hours * 3600 + 15 * 60

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def pace(self) -> None:
        time.sleep(1.0)

    def notifications_for(self, domain: str) -> int | None:
        return None  # SNS does not let a publisher read back what it published

    def cleanup_actions(self, stack_name: str) -> list[tuple[str, Action]]:
        if not stack_name.startswith(STACK_PREFIX):  # never delete anything but a stack this script named
            raise ValueError(f"refusing to delete stack {stack_name!r}")
        found: dict[str, list[str]] = {"tables": [], "functions": []}

        def read_resources() -> str:
            try:
                resources = self.client("cloudformation").describe_stack_resources(StackName=stack_name)
            except Exception as exc:
                if "does not exist" in str(exc):
                    return "the stack does not exist"
                raise
            for resource in resources["StackResources"]:
                kind = {"AWS::DynamoDB::Table": "tables", "AWS::Lambda::Function": "functions"}
                key = kind.get(resource["ResourceType"])
                if key and resource.get("PhysicalResourceId"):
                    found[key].append(resource["PhysicalResourceId"])
            return f"tables {', '.join(found['tables']) or '-'}; {len(found['functions'])} functions"

        def sam_delete() -> str:
            self._sam("delete", "--stack-name", stack_name, "--no-prompts", "--region", self.region)
            return "stack and its S3 artifacts deleted"

        def delete_tables() -> str:
            return _delete_each(found["tables"], lambda t: self.client("dynamodb").delete_table(TableName=t))

        def delete_log_groups() -> str:
            logs = self.client("logs")
            names = [f"/aws/lambda/{f}" for f in found["functions"]]
            return _delete_each(names, lambda n: logs.delete_log_group(logGroupName=n))

        return [
            ("read stack resources", read_resources),
            ("sam delete", sam_delete),
            ("delete DynamoDB tables (DeletionPolicy Retain)", delete_tables),
            ("delete Lambda log groups (created by Lambda, not the stack)", delete_log_groups),
        ]


_CREDENTIALS_HINT = (
    "AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws configure` / "
    "`aws sso login`)"
)


def _skip_line(missing: list[str]) -> str:
    return (
        f"the real-account test needs {' and '.join(missing)}; run it as "
        f"`{ZONE_VAR}=Z... [{REGION_VAR}=...] [AWS_PROFILE=...] make e2e-aws` (docs/operations.md)"
    )


def offline_credentials() -> Any:
    """What the credential chain finds without its network providers (container and EC2 instance metadata)."""
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    try:
        resolver = botocore.session.Session().get_component("credential_provider")
    except ProfileNotFound:
        return None
    for provider in ("container-role", "iam-role"):
        resolver.remove(provider)
    return resolver.load_credentials()


def _delete_each(names: list[str], delete: Callable[[str], Any]) -> str:
    done = []
    for name in names:
        try:
            delete(name)
            done.append(name)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
    return f"deleted {', '.join(done)}" if done else "nothing to delete"


def _json_object(raw: bytes | str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or "{}")
    except ValueError:
        return {"raw": raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


class LocalBackend:
    """The embedded AWS (``mailauth_sandbox.LocalAws``): what ``make test`` runs the driver against."""

    name = "local"
    partition = "aws"
    poll_seconds = 0.05
    default_max_wait_hours = 48.0
    stage = "v1"

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        parent_zone: str = "example.com",
        wall_timeout: float = 120.0,
        env: Mapping[str, str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        """``options`` go to ``LocalAws`` (e.g. ``ses=SesBehaviour(verify="never")`` to see a failing run)."""
        for path in (ROOT / "layers" / "mailauth", ROOT / "sandbox"):
            if str(path) not in sys.path:
                sys.path.append(str(path))
        self.region = region
        self.zone_name = parent_zone
        self.wall_timeout = wall_timeout
        self.env = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true", **(env or {})}
        self.options = dict(options or {})
        self.local: Any = None
        self._zone: Zone | None = None
        self._moto_level = 0
        self._api_host = f"local.execute-api.{region}.amazonaws.com"

    def preflight(self) -> None:
        return None

    def deploy(self, stack_name: str) -> Stack:
        import logging

        from mailauth_sandbox import LocalAws

        moto_logger = logging.getLogger("moto")
        self._moto_level = moto_logger.level
        moto_logger.setLevel(logging.CRITICAL)  # moto logs every Fail state as an ERROR
        self.local = LocalAws(
            region=self.region, parameters={"AutoOnboardNewZones": "false"}, env=self.env, **self.options
        )
        self.local.start()
        zone_id = self.local.create_hosted_zone(self.zone_name)
        # something of the owner's in the zone, which the run must leave exactly as it was
        self.local.add_record(zone_id, self.zone_name, "TXT", '"v=spf1 -all"', '"owner=e2e"')
        self.local.add_record(zone_id, f"_dmarc.{self.zone_name}", "TXT", '"v=DMARC1; p=reject"')
        self.local.add_record(zone_id, f"www.{self.zone_name}", "A", "192.0.2.10")
        self._zone = Zone(zone_id, self.zone_name)
        resources = self.local.resources
        return Stack(
            name=stack_name,
            api_url=f"https://{self._api_host}/{self.stage}",
            state_machine_arn=resources["OnboardStateMachine"]["Arn"],
            offboard_state_machine_arn=resources["OffboardStateMachine"]["Arn"],
            topic_arn=self.local.topic_arn,
            table_name=self.local.table_name,
        )

    def parent_zone(self) -> Zone:
        if self._zone is None:
            raise RuntimeError("deploy first")
        return self._zone

    def client(self, service: str) -> Any:
        return self.local.client(service)

    def credentials(self) -> ReadOnlyCredentials:
        import boto3

        credentials = boto3.session.Session().get_credentials()
        if credentials is None:
            raise RuntimeError("the embedded AWS sets credentials; none found")
        return credentials.get_frozen_credentials()

    def send(self, request: AWSRequest) -> ApiResponse:
        problem = verify_sigv4(request, self.credentials(), self.region)
        if problem is not None:  # API Gateway's answer to a bad signature under AWS_IAM auth
            return ApiResponse(403, {"message": problem})
        invocation = self.local.run_function("ApiFunction", self.proxy_event(request))
        if not invocation.ok:
            return ApiResponse(502, {"message": f"{invocation.error_type}: {invocation.error_message}"})
        return ApiResponse(int(invocation.result["statusCode"]), _json_object(invocation.result.get("body")))

    def proxy_event(self, request: AWSRequest) -> dict[str, Any]:
        """The API Gateway REST proxy event AWS would deliver for ``request`` (events/api_post_domains.json)."""
        url = urlsplit(str(request.url))
        path = url.path.removeprefix(f"/{self.stage}") or "/"
        params = None if path == "/domains" else {"domain": unquote(path.rsplit("/", 1)[-1])}
        resource = "/domains" if params is None else "/domains/{domain}"
        query = parse_qs(url.query)
        headers = {"Host": url.netloc, **dict(request.headers.items())}
        body = request.data.decode() if isinstance(request.data, bytes) else request.data
        event: dict[str, Any] = json.loads((ROOT / "events" / "api_post_domains.json").read_text())
        event.update(
            body=body or None,
            resource=resource,
            path=path,
            httpMethod=request.method,
            headers=headers,
            multiValueHeaders={k: [v] for k, v in headers.items()},
            queryStringParameters={k: v[-1] for k, v in query.items()} or None,
            multiValueQueryStringParameters=query or None,
            pathParameters=params,
        )
        credentials = self.credentials()
        context = event["requestContext"]
        context.update(
            accountId=self.local.account_id,
            requestId=str(uuid.uuid4()),
            requestTimeEpoch=int(time.time() * 1000),
            path=f"/{self.stage}{path}",
            resourcePath=resource,
            httpMethod=request.method,
            stage=self.stage,
        )
        context["identity"].update(accountId=self.local.account_id, accessKey=credentials.access_key)
        return event

    def wait_budget(self, max_wait_hours: float) -> float:
        return self.wall_timeout  # the simulated clock runs the waits; this bounds real time only

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def pace(self) -> None:
        return None

    def notifications_for(self, domain: str) -> int | None:
        messages = self.local.notifications()
        return sum(
            1
            for m in messages
            if (m["attributes"].get("domain") or {}).get("Value") == domain
            and (m["attributes"].get("outcome") or {}).get("Value") in ("success", "timeout", "failure")
        )

    def cleanup_actions(self, stack_name: str) -> list[tuple[str, Action]]:
        def stop() -> str:
            import logging

            if self.local is not None:
                self.local.stop()
            logging.getLogger("moto").setLevel(self._moto_level)
            return "embedded AWS stopped"

        return [("stop the embedded AWS", stop)]


def signed_request(
    method: str, url: str, data: bytes | None, credentials: ReadOnlyCredentials, region: str
) -> AWSRequest:
    """A request to the API, SigV4-signed for ``execute-api`` (what IAM auth on API Gateway checks)."""
    request = AWSRequest(
        method=method, url=url, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return request


def verify_sigv4(request: AWSRequest, credentials: ReadOnlyCredentials, region: str) -> str | None:
    """Check a SigV4 ``execute-api`` signature as API Gateway does; None when it holds, else the problem."""
    header = str(request.headers.get("Authorization") or "")
    if not header.startswith("AWS4-HMAC-SHA256 "):
        return "Missing Authentication Token"
    fields = dict(part.strip().split("=", 1) for part in header.removeprefix("AWS4-HMAC-SHA256 ").split(","))
    scope = fields.get("Credential", "").split("/")
    if len(scope) != 5 or scope[0] != credentials.access_key or scope[2:4] != [region, "execute-api"]:
        return f"Credential should be scoped to a valid region and service execute-api: {fields.get('Credential')}"
    signed = fields.get("SignedHeaders", "").split(";")
    sent_amz = {k.lower() for k in request.headers if k.lower().startswith("x-amz-")}
    if "host" not in signed or not sent_amz <= set(signed):
        return f"SignedHeaders must include host and every x-amz-* header sent: {fields.get('SignedHeaders')}"
    copy = AWSRequest(
        method=request.method,
        url=request.url,
        data=request.data,
        headers={k: v for k, v in request.headers.items() if k.lower() in signed},
    )
    copy.context["timestamp"] = str(request.headers.get("X-Amz-Date") or "")
    signer = SigV4Auth(credentials, "execute-api", region)
    expected = signer.signature(signer.string_to_sign(copy, signer.canonical_request(copy)), copy)
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        return "The request signature we calculated does not match the signature you provided."
    return None


# -------------------------------------------------------------------------------------------- the run
class Run:
    """One end-to-end run: the steps, their checks and probes, and the cleanup that always follows."""

    def __init__(self, backend: Backend, *, max_wait_hours: float, out: TextIO) -> None:
        self.backend = backend
        self.out = out
        self.max_wait_hours = max_wait_hours
        self.suffix = random_suffix()
        self.report = Report(
            backend.name, backend.region, STACK_PREFIX + self.suffix, max_wait_hours=max_wait_hours
        )
        self.stack: Stack | None = None
        self.zone: Zone | None = None
        self.snapshot: list[dict[str, Any]] = []
        self.deploy_started = False
        self.onboard_arn: str | None = None
        self.offboard_arn: str | None = None
        self.probe_identity_created = False
        self.probe_execution_arn: str | None = None
        self.observed: dict[str, Any] = {
            "dkim_success_at": None,
            "mail_from_success_at": None,
            "error_types": [],
        }
        self._clock = time.monotonic()

    # -- plumbing ---------------------------------------------------------------------------------
    def log(self, text: str) -> None:
        print(f"[{time.monotonic() - self._clock:8.1f}s] {text}", file=self.out, flush=True)

    def step(self, name: str, action: Action, *, cleanup: bool = False) -> None:
        """Run ``action`` as a timed step; a cleanup step records its error instead of raising it."""
        step = Step(name, utcnow().isoformat(), cleanup=cleanup)
        self.report.steps.append(step)
        self.log(f"{name} ...")
        start = time.monotonic()
        try:
            step.detail = action()
        except Exception as exc:
            step.ok, step.error = False, f"{type(exc).__name__}: {exc}"
            if not cleanup:
                raise
        finally:
            step.seconds = round(time.monotonic() - start, 3)
            self.log(
                f"{name}: {'ok' if step.ok else 'FAILED'} ({step.seconds:.1f} s) {step.error or step.detail}"
            )

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.report.checks.append(Check(name, ok, detail))
        if not ok:
            raise CheckFailed(f"{name}: {detail}")

    @property
    def domain(self) -> str:
        return self.report.domain

    @property
    def probe_domain(self) -> str:
        return self.report.probe_domain

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> ApiResponse:
        """A SigV4-signed request to the API (retried on 5xx and connection errors: a fresh stack may lag)."""
        assert self.stack is not None
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(4):
            request = signed_request(
                method, self.stack.api_url + path, data, self.backend.credentials(), self.backend.region
            )
            try:
                response = self.backend.send(request)
            except OSError as exc:
                if attempt == 3:
                    raise
                self.log(f"{method} {path}: {exc}; retrying")
            else:
                if response.status < 500 or attempt == 3:
                    return response
                self.log(f"{method} {path} -> {response.status} {response.body}; retrying")
            self.backend.sleep(self.backend.poll_seconds)
        raise AssertionError("unreachable")

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        pages = self.backend.client("stepfunctions").get_paginator("get_execution_history")
        return [e for page in pages.paginate(executionArn=execution_arn) for e in page["events"]]

    def record_sets(self) -> list[dict[str, Any]]:
        assert self.zone is not None
        pages = self.backend.client("route53").get_paginator("list_resource_record_sets")
        found = [r for page in pages.paginate(HostedZoneId=self.zone.id) for r in page["ResourceRecordSets"]]
        return sorted(found, key=lambda r: (r["Name"], r["Type"], r.get("SetIdentifier", "")))

    # -- steps ------------------------------------------------------------------------------------
    def deploy(self) -> str:
        self.deploy_started = True
        self.stack = self.backend.deploy(self.report.stack)
        self.zone = self.backend.parent_zone()
        self.report.parent_zone = {"id": self.zone.id, "name": self.zone.name}
        self.report.domain = f"e2e-{self.suffix}.{self.zone.name}"
        self.report.probe_domain = f"probe-{self.suffix}.{self.zone.name}"
        self.report.account = str(self.backend.client("sts").get_caller_identity()["Account"])
        return f"API {self.stack.api_url}"

    def take_snapshot(self) -> str:
        self.snapshot = self.record_sets()
        return f"{len(self.snapshot)} record sets in {self.report.parent_zone['name']}"

    def onboard(self) -> str:
        body = {"domain": self.domain, "dmarc": {"policy": "none"}, "max_wait_hours": self.max_wait_hours}
        response = self.api("POST", "/domains", body)
        if response.status == 202 and response.body.get("executionArn"):
            self.onboard_arn = str(response.body["executionArn"])
        self.check("POST /domains -> 202", response.status == 202, f"{response.status} {response.body}")
        self.check(
            "202 body has domain, executionArn, executionName, status",
            set(response.body) >= ACCEPTED_KEYS and response.body["domain"] == self.domain,
            json.dumps(response.body),
        )
        return f"execution {response.body['executionName']} {response.body['status']}"

    def wait_for(
        self, execution_arn: str, *, hours: float, on_poll: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Poll GET /domains/{domain} until it shows ``execution_arn`` ended; return that GET body."""
        deadline = time.monotonic() + self.backend.wait_budget(hours)
        last: ApiResponse | None = None
        while True:
            last = self.api("GET", f"/domains/{self.domain}")
            if on_poll is not None:
                on_poll()
            if last.status == 403:
                raise CheckFailed(f"GET /domains/{self.domain} -> 403 {last.body}")
            execution = (last.body.get("execution") or {}) if last.status == 200 else {}
            if execution.get("executionArn") == execution_arn and execution.get("status") != "RUNNING":
                return last.body
            if time.monotonic() > deadline:
                raise CheckFailed(f"{execution_arn} not ended in time; last GET: {last.status} {last.body}")
            self.backend.sleep(self.backend.poll_seconds)

    def execution_failure(self, execution_arn: str) -> str:
        for event in reversed(self.history(execution_arn)):
            for key in (
                "executionFailedEventDetails",
                "executionAbortedEventDetails",
                "executionTimedOutEventDetails",
            ):
                if key in event:
                    return json.dumps(event[key])[:2000]
        return ""

    def wait_onboarding(self) -> str:
        assert self.onboard_arn is not None
        body = self.wait_for(self.onboard_arn, hours=self.max_wait_hours, on_poll=self.observe_identity)
        status = body["execution"]["status"]
        self.check(
            "onboarding SUCCEEDED",
            status == "SUCCEEDED",
            f"{status} {self.execution_failure(self.onboard_arn)}",
        )
        identity = body.get("identity") or {}
        self.check(
            "identity.verifiedForSending is True",
            identity.get("verifiedForSending") is True,
            json.dumps(identity),
        )
        message_id = notify_message_id(self.history(self.onboard_arn))
        self.check(
            "Notify published (message_id in the history)", bool(message_id), f"message_id={message_id}"
        )
        count = self.backend.notifications_for(self.domain)
        if count is not None:
            self.check(
                "one outcome notification for the domain",
                count == 1,
                f"{count} outcome message(s) on the topic",
            )
        return f"{status}; DKIM {identity.get('dkimStatus')}, MAIL FROM {identity.get('mailFromStatus')}"

    def offboard(self) -> str:
        response = self.api("DELETE", f"/domains/{self.domain}")
        if response.status == 202 and response.body.get("executionArn"):
            self.offboard_arn = str(response.body["executionArn"])
        self.check(
            "DELETE /domains/{domain} -> 202", response.status == 202, f"{response.status} {response.body}"
        )
        self.check(
            "202 body (DELETE) has the four keys",
            set(response.body) >= ACCEPTED_KEYS,
            json.dumps(response.body),
        )
        assert self.offboard_arn is not None
        status = str(self.wait_for(self.offboard_arn, hours=OFFBOARD_WAIT_HOURS)["execution"]["status"])
        self.check(
            "offboarding SUCCEEDED",
            status == "SUCCEEDED",
            f"{status} {self.execution_failure(self.offboard_arn)}",
        )
        return status

    def verify_offboarded(self) -> str:
        after = self.record_sets()
        self.check("zone equals the snapshot", after == self.snapshot, zone_diff(self.snapshot, after))
        try:
            self.backend.client("sesv2").get_email_identity(EmailIdentity=self.domain)
        except Exception as exc:
            gone, detail = error_code(exc) == "NotFoundException", json.dumps(describe_error(exc))
        else:
            gone, detail = False, "GetEmailIdentity still answers"
        self.check("SES identity gone (NotFoundException)", gone, detail)
        return "zone as before, identity gone"

    # -- A9's observations while waiting ----------------------------------------------------------
    def observe_identity(self) -> None:
        """Poll SES for the first time DKIM and MAIL FROM read SUCCESS, and every VerificationInfo ErrorType."""
        try:
            identity = self.backend.client("sesv2").get_email_identity(EmailIdentity=self.domain)
        except Exception as exc:
            if error_code(exc) != "NotFoundException":  # before EnsureIdentity has run: expected
                self.observed.setdefault("poll_errors", []).append(describe_error(exc))
            return
        now = utcnow().isoformat()
        if (identity.get("DkimAttributes") or {}).get("Status") == "SUCCESS":
            self.observed["dkim_success_at"] = self.observed["dkim_success_at"] or now
        if (identity.get("MailFromAttributes") or {}).get("MailFromDomainStatus") == "SUCCESS":
            self.observed["mail_from_success_at"] = self.observed["mail_from_success_at"] or now
        error_type = (identity.get("VerificationInfo") or {}).get("ErrorType")
        if error_type and error_type not in self.observed["error_types"]:
            self.observed["error_types"].append(error_type)

    # -- cleanup ----------------------------------------------------------------------------------
    def cleanup(self) -> None:
        if self.onboard_arn and not self.offboard_arn and self.stack is not None:
            self.step("offboard (cleanup)", self.cleanup_offboard, cleanup=True)
        if self.zone is not None and self.domain:
            self.step(
                "remove leftover records under the test domain", self.remove_leftover_records, cleanup=True
            )
            self.step(
                "delete the test identity if left", lambda: self.delete_identity(self.domain), cleanup=True
            )
        if self.onboard_arn or self.offboard_arn or self.probe_execution_arn:
            self.step("stop executions still running", self.stop_executions, cleanup=True)
        if self.probe_identity_created:
            self.step(
                "delete the probe identity", lambda: self.delete_identity(self.probe_domain), cleanup=True
            )
        if self.deploy_started:
            for name, action in self.backend.cleanup_actions(self.report.stack):
                self.step(name, action, cleanup=True)

    def cleanup_offboard(self) -> str:
        assert self.onboard_arn is not None
        sfn = self.backend.client("stepfunctions")
        if sfn.describe_execution(executionArn=self.onboard_arn)["status"] == "RUNNING":
            sfn.stop_execution(executionArn=self.onboard_arn, cause="mailauth e2e cleanup")
        response = self.api("DELETE", f"/domains/{self.domain}")
        arn = response.body.get("executionArn")
        if response.status != 202 or not arn:
            raise RuntimeError(f"DELETE -> {response.status} {response.body}")
        self.offboard_arn = str(arn)
        return f"offboarding {self.wait_for(self.offboard_arn, hours=OFFBOARD_WAIT_HOURS)['execution']['status']}"

    def remove_leftover_records(self) -> str:
        """Delete record sets under the (fresh, random) test domain that the snapshot did not have."""
        assert self.zone is not None
        suffix = "." + self.domain + "."
        ours = [
            r
            for r in self.record_sets()
            if (r["Name"] == self.domain + "." or r["Name"].endswith(suffix)) and r not in self.snapshot
        ]
        if not ours:
            return "none"
        changes = [{"Action": "DELETE", "ResourceRecordSet": r} for r in ours]
        self.backend.client("route53").change_resource_record_sets(
            HostedZoneId=self.zone.id, ChangeBatch={"Comment": "mailauth e2e cleanup", "Changes": changes}
        )
        return "deleted " + ", ".join(f"{r['Name']} {r['Type']}" for r in ours)

    def delete_identity(self, name: str) -> str:
        try:
            self.backend.client("sesv2").delete_email_identity(EmailIdentity=name)
        except Exception as exc:
            if error_code(exc) == "NotFoundException":
                return "none"
            raise
        return f"deleted {name}"

    def stop_executions(self) -> str:
        """Stop what this run started and is still RUNNING, before the stack (and its machines) goes."""
        sfn = self.backend.client("stepfunctions")
        stopped = []
        for arn in filter(None, (self.onboard_arn, self.offboard_arn, self.probe_execution_arn)):
            if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                sfn.stop_execution(executionArn=arn, cause="mailauth e2e cleanup")
                stopped.append(arn.rsplit(":", 1)[-1])
        return f"stopped {', '.join(stopped)}" if stopped else "none running"


# ------------------------------------------------------------------------------------------- history
def _details(event: dict[str, Any]) -> dict[str, Any]:
    return next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})


def states(events: list[dict[str, Any]]) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Each event with the state it belongs to (the last one entered: the workflows have no Parallel/Map)."""
    current: str | None = None
    for event in events:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        yield current, event


def notify_message_id(events: list[dict[str, Any]]) -> str | None:
    """The SNS message id the Notify state returned (its Lambda/Task result, or its state output)."""
    found: str | None = None
    for state, event in states(events):
        if state != "Notify":
            continue
        details = _details(event)
        output = _json_object(details.get("output")) if details.get("output") else {}
        if event["type"] in ("TaskSucceeded", "LambdaFunctionSucceeded"):
            payload = output["Payload"] if isinstance(output.get("Payload"), dict) else output
            found = payload.get("message_id") or found
        elif event["type"] == "TaskStateExited":
            found = (output.get("notification") or {}).get("message_id") or found
    return found


def last_exit(events: list[dict[str, Any]], name: str) -> datetime | None:
    """When the state ``name`` last exited (history timestamps)."""
    exits = [
        e["timestamp"]
        for e in events
        if e["type"].endswith("StateExited") and e["stateExitedEventDetails"]["name"] == name
    ]
    return exits[-1] if exits else None


def attempts(events: list[dict[str, Any]], name: str) -> int:
    scheduled = ("TaskScheduled", "LambdaFunctionScheduled")
    return sum(1 for state, e in states(events) if state == name and e["type"] in scheduled)


def zone_diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    added = [f"{r['Name']} {r['Type']}" for r in after if r not in before]
    removed = [f"{r['Name']} {r['Type']}" for r in before if r not in after]
    if not added and not removed:
        return f"{len(after)} record sets, identical"
    return f"added or changed: {added or '-'}; removed or changed: {removed or '-'}"


def _seconds(start: datetime | str | None, end: datetime | str | None) -> float | None:
    if start is None or end is None:
        return None
    parse = lambda v: datetime.fromisoformat(v) if isinstance(v, str) else v  # noqa: E731
    return round((parse(end) - parse(start)).total_seconds(), 3)


# -------------------------------------------------------------------------------------------- probes
class Probes:
    """The assumptions mailauth makes about AWS, each asked of the backend and recorded, never asserted."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.backend = run.backend
        self.identity = run.probe_domain
        self.arn = f"arn:{self.backend.partition}:ses:{self.backend.region}:{run.report.account}:identity/{self.identity}"

    def record(self, probe_id: str, ask: Callable[[], tuple[dict[str, Any], bool | None]]) -> None:
        question, assumption = ASSUMPTIONS[probe_id]
        if probe_id == "A1":
            assumption = assumption.format(zone=dkim_signing_zone(self.backend.region))
        probe = Probe(probe_id, question, assumption)
        self.run.report.probes.append(probe)
        try:
            probe.observed, probe.matched = ask()
        except Exception as exc:
            probe.error = f"{type(exc).__name__}: {exc}"
            probe.observed = {"error": describe_error(exc)}
        self.run.log(
            f"{probe_id}: {_matched_word(probe.matched)} {json.dumps(probe.observed, default=str)[:200]}"
        )

    @property
    def ses(self) -> Any:
        self.backend.pace()
        return self.backend.client("sesv2")

    def attempt(
        self, call: Callable[[], Any], *, any_error: bool = False
    ) -> tuple[Any, dict[str, str] | None]:
        """``(result, None)``, or ``(None, error)`` for an AWS error (any exception with ``any_error``)."""
        try:
            return call(), None
        except Exception as exc:
            if not (any_error or error_code(exc)):
                raise
            return None, describe_error(exc)

    def identity_now(self) -> dict[str, Any]:
        found: dict[str, Any] = self.ses.get_email_identity(EmailIdentity=self.identity)
        return found

    def run_before(self, state_machine_arn: str) -> str:
        for probe_id, ask in (
            ("A1", self.a1_create),
            ("A4", self.a4_tags),
            ("A2", self.a2_same_length),
            ("A3", self.a3_other_length),
            ("A5", self.a5_parentheses),
            ("A6", self.a6_exists),
            ("A7", self.a7_recommendations),
            ("A8", lambda: self.a8_dotted_name(state_machine_arn)),
        ):
            self.record(probe_id, ask)
        return f"{len(self.run.report.probes)} probes recorded"

    def a1_create(self) -> tuple[dict[str, Any], bool | None]:
        response = self.ses.create_email_identity(
            EmailIdentity=self.identity,
            DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
            Tags=[PROBE_TAG],
        )
        self.run.probe_identity_created = True
        dkim = response.get("DkimAttributes") or {}
        tokens = dkim.get("Tokens") or []
        expected = dkim_signing_zone(self.backend.region)
        observed = {
            "DkimAttributes keys": sorted(dkim),
            "tokens": len(tokens),
            "SigningHostedZone": dkim.get("SigningHostedZone"),
            "expected SigningHostedZone": expected,
            "Status": dkim.get("Status"),
        }
        return observed, len(tokens) == 3 and dkim.get("SigningHostedZone") == expected

    def a4_tags(self) -> tuple[dict[str, Any], bool | None]:
        tags = self.identity_now().get("Tags")
        return {"Tags": tags}, PROBE_TAG in (tags or [])

    def a2_same_length(self) -> tuple[dict[str, Any], bool | None]:
        dkim = self.identity_now().get("DkimAttributes") or {}
        length = dkim.get("CurrentSigningKeyLength") or dkim.get("NextSigningKeyLength") or "RSA_2048_BIT"
        response, error = self.attempt(
            lambda: self.ses.put_email_identity_dkim_signing_attributes(
                EmailIdentity=self.identity,
                SigningAttributesOrigin="AWS_SES",
                SigningAttributes={"NextSigningKeyLength": length},
            )
        )
        observed: dict[str, Any] = {
            "key length": length,
            "CurrentSigningKeyLength": dkim.get("CurrentSigningKeyLength"),
            "NextSigningKeyLength": dkim.get("NextSigningKeyLength"),
            "refused": error is not None,
        }
        if error is not None:
            observed.update(error)
        else:
            observed["response"] = {k: response.get(k) for k in ("DkimStatus", "DkimTokens")}
        return observed, error is not None

    def a3_other_length(self) -> tuple[dict[str, Any], bool | None]:
        dkim = self.identity_now().get("DkimAttributes") or {}
        current = dkim.get("CurrentSigningKeyLength") or dkim.get("NextSigningKeyLength") or "RSA_2048_BIT"
        other = next(k for k in KEY_LENGTHS if k != current)
        before = list(dkim.get("Tokens") or [])
        response, error = self.attempt(
            lambda: self.ses.put_email_identity_dkim_signing_attributes(
                EmailIdentity=self.identity,
                SigningAttributesOrigin="AWS_SES",
                SigningAttributes={"NextSigningKeyLength": other},
            )
        )
        after = self.identity_now().get("DkimAttributes") or {}
        observed: dict[str, Any] = {
            "status before": dkim.get("Status"),
            "key length": other,
            "accepted": error is None,
            **(error or {}),
            "tokens before": before,
            "tokens in response": (response or {}).get("DkimTokens"),
            "DkimStatus in response": (response or {}).get("DkimStatus"),
            "tokens after": after.get("Tokens"),
            "DkimStatus after": after.get("Status"),
            "NextSigningKeyLength after": after.get("NextSigningKeyLength"),
            "CurrentSigningKeyLength after": after.get("CurrentSigningKeyLength"),
        }
        observed["new tokens"] = bool(after.get("Tokens")) and after.get("Tokens") != before
        return observed, error is None

    def a5_parentheses(self) -> tuple[dict[str, Any], bool | None]:
        tag = {"Key": "mailauth-e2e-note", "Value": "x (y)"}
        _, error = self.attempt(lambda: self.ses.tag_resource(ResourceArn=self.arn, Tags=[tag]))
        observed = {"tag": tag, "refused": error is not None, **(error or {})}
        return observed, error is not None and error.get("code") == "BadRequestException"

    def a6_exists(self) -> tuple[dict[str, Any], bool | None]:
        _, error = self.attempt(
            lambda: self.ses.create_email_identity(EmailIdentity=self.identity, Tags=[PROBE_TAG])
        )
        observed = {"refused": error is not None, **(error or {})}
        return observed, error is not None and error.get("code") == "AlreadyExistsException"

    def a7_recommendations(self) -> tuple[dict[str, Any], bool | None]:
        account, account_error = self.attempt(lambda: self.ses.get_account())
        vdm = ((account or {}).get("VdmAttributes") or {}).get("VdmEnabled")
        response, error = self.attempt(
            lambda: self.ses.list_recommendations(Filter={"RESOURCE_ARN": self.arn}, PageSize=100)
        )
        found = (response or {}).get("Recommendations")
        observed: dict[str, Any] = {
            "VdmEnabled (GetAccount)": vdm if account_error is None else account_error,
            "error": error,
            "recommendations": None
            if found is None
            else [f"{r.get('Type')} {r.get('Status')}" for r in found],
        }
        return observed, error is not None or found is not None

    def a8_dotted_name(self, state_machine_arn: str) -> tuple[dict[str, Any], bool | None]:
        sfn = self.backend.client("stepfunctions")
        name = f"probe.name-{self.run.suffix}"
        started, error = self.attempt(
            lambda: sfn.start_execution(
                stateMachineArn=state_machine_arn,
                name=name,
                input=json.dumps({"request": {"domain": "invalid..example"}}),
            )
        )
        observed: dict[str, Any] = {"name": name, "accepted": error is None, **(error or {})}
        if started is not None:
            self.run.probe_execution_arn = str(started["executionArn"])
            observed["executionArn"] = started["executionArn"]
            _, stop_error = self.attempt(
                lambda: sfn.stop_execution(
                    executionArn=started["executionArn"], cause="mailauth e2e probe A8"
                ),
                any_error=True,  # the embedded AWS may fail here with a plain exception (moto race)
            )
            status = sfn.describe_execution(executionArn=started["executionArn"])["status"]
            observed.update(stop_error=stop_error, status_after_stop=status)
        return observed, error is not None and error.get("code") == "InvalidName"

    def run_after(self) -> str:
        self.record("A9", self.a9_timings)
        self.record("A10", lambda: ({"not_probed": NOT_PROBED_A10}, None))
        self.record("A12", self.a12_layer_sdk)
        return "A9, A10, A12 recorded"

    def a12_layer_sdk(self) -> tuple[dict[str, Any], bool | None]:
        if self.run.onboard_arn is None:
            return {"not_observed": "no onboarding execution"}, None
        zone = None
        for state, event in states(self.run.history(self.run.onboard_arn)):
            details = _details(event)
            if state == "EnsureIdentity" and event["type"] == "TaskStateExited" and details.get("output"):
                zone = (_json_object(details["output"]).get("identity") or {}).get("signing_hosted_zone")
        expected = dkim_signing_zone(self.backend.region)
        return {
            "signing_hosted_zone in EnsureIdentity's output": zone,
            "expected": expected,
        }, zone == expected

    def a9_timings(self) -> tuple[dict[str, Any], bool | None]:
        if self.run.onboard_arn is None:
            return {"not_observed": "no onboarding execution"}, None
        events = self.run.history(self.run.onboard_arn)
        submitted = last_exit(events, "PublishRecords")
        insync = last_exit(events, "AwaitChange")
        seen = self.run.observed
        observed: dict[str, Any] = {
            "change submitted (PublishRecords exited)": submitted,
            "INSYNC seen (AwaitChange exited)": insync,
            "AwaitChange attempts": attempts(events, "AwaitChange"),
            "seconds to INSYNC": _seconds(submitted, insync),
            "DKIM SUCCESS first seen": seen["dkim_success_at"],
            "MAIL FROM SUCCESS first seen": seen["mail_from_success_at"],
            "seconds INSYNC to DKIM SUCCESS": _seconds(insync, seen["dkim_success_at"]),
            "seconds INSYNC to MAIL FROM SUCCESS": _seconds(insync, seen["mail_from_success_at"]),
            "VerificationInfo ErrorType values seen": seen["error_types"],
            "poll interval seconds (resolution of 'first seen')": self.backend.poll_seconds,
            "CheckVerification attempts": attempts(events, "CheckVerification"),
        }
        if seen.get("poll_errors"):
            observed["poll errors"] = seen["poll_errors"][:5]
        to_insync = observed["seconds to INSYNC"]
        verified = seen["dkim_success_at"] is not None and seen["mail_from_success_at"] is not None
        return observed, to_insync is not None and to_insync <= 60 and verified


def _matched_word(matched: bool | None) -> str:
    return {True: "as assumed", False: "DIFFERS", None: "n/a"}[matched]


# ---------------------------------------------------------------------------------------- run, report
def run(
    backend: Backend,
    *,
    max_wait_hours: float | None = None,
    report_dir: Path = ROOT / ".e2e",
    out: TextIO = sys.stdout,
) -> Report:
    """Deploy, onboard, probe, offboard, always clean up; write the JSON report and print the summary."""
    hours = max_wait_hours or backend.default_max_wait_hours
    current = Run(backend, max_wait_hours=hours, out=out)
    report = current.report
    report.started_at = utcnow().isoformat()
    current.log(f"mailauth e2e ({backend.name}, {backend.region}): stack {report.stack}")
    probes: Probes | None = None
    try:
        backend.preflight()
        current.step("deploy", current.deploy)
        current.step("snapshot the parent zone", current.take_snapshot)
        assert current.stack is not None
        machine = current.stack.state_machine_arn
        probes = asked = Probes(current)
        current.step("probes A1-A8", lambda: asked.run_before(machine))
        current.step("onboard (POST /domains)", current.onboard)
        current.step("wait for the onboarding", current.wait_onboarding)
        current.step("probes A9, A10, A12", asked.run_after)
        current.step("offboard (DELETE /domains/{domain})", current.offboard)
        current.step("zone and identity after offboarding", current.verify_offboarded)
    except PreconditionError as exc:
        report.precondition = report.failure = str(exc)
    except CheckFailed as exc:
        report.failure = str(exc)
    except Exception as exc:
        report.failure = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        report.failure = "interrupted"
    finally:
        if probes is not None and not any(p.id == "A9" for p in report.probes):
            current.step("probes A9, A10, A12", probes.run_after, cleanup=True)  # records, never raises
        current.cleanup()
    cleanup_errors = [s for s in report.steps if s.cleanup and not s.ok]
    report.passed = report.failure is None and not cleanup_errors
    if report.failure is None and cleanup_errors:
        report.failure = "cleanup incomplete: " + "; ".join(f"{s.name}: {s.error}" for s in cleanup_errors)
    report.finished_at = utcnow().isoformat()
    write_report(report, report_dir)
    print_summary(report, out)
    return report


def write_report(report: Report, report_dir: Path) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / f"report-{report.stack}.json"
    report.path = str(path)
    path.write_text(json.dumps(dataclasses.asdict(report), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def print_summary(report: Report, out: TextIO) -> None:
    w = lambda text="": print(text, file=out)  # noqa: E731
    w()
    w(f"mailauth e2e: {report.backend} {report.region}, stack {report.stack}, domain {report.domain or '-'}")
    w("Steps:")
    for step in report.steps:
        state = "ok" if step.ok else "FAILED"
        w(f"  {step.name:<58} {step.seconds:9.1f} s  {state}  {(step.error or step.detail)[:100]}")
    w("Checks:")
    for check in report.checks:
        w(f"  {'ok    ' if check.ok else 'FAILED'} {check.name}: {check.detail[:120]}")
    w("Assumptions (what the backend answered):")
    for probe in report.probes:
        w(f"  {probe.id:<4} {_matched_word(probe.matched):<10} {probe.question}")
        w(f"       assumed:  {probe.assumption}")
        w(f"       observed: {json.dumps(probe.observed, default=str)[:300]}")
    w()
    verdict = "PASSED" if report.passed else "FAILED"
    w(f"{verdict}{': ' + report.failure if report.failure else ''}")
    w(f"Report: {report.path}")


# ---------------------------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="e2e.py", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("backend", choices=("aws", "local"), help="a real account, or the embedded AWS")
    parser.add_argument("--max-wait-hours", type=float, help="the request's max_wait_hours (aws 2, local 48)")
    parser.add_argument("--report-dir", type=Path, default=ROOT / ".e2e", help="where the JSON report goes")
    args = parser.parse_args(argv)
    if args.max_wait_hours is not None and not 0 < args.max_wait_hours <= 72:
        parser.error("--max-wait-hours must be in (0, 72]")
    return args


def main(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 2
    try:
        backend: Backend = AwsBackend.from_environment(out=out) if args.backend == "aws" else LocalBackend()
    except Skip as exc:
        print(f"SKIPPED: {exc}", file=out)
        return 0
    except PreconditionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = run(backend, max_wait_hours=args.max_wait_hours, report_dir=args.report_dir, out=out)
    if report.precondition:
        return 2
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
