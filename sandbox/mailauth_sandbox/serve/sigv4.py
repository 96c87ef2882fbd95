"""API Gateway's IAM authorisation of one request: the SigV4 signature recomputed with botocore, or the refusal.

The server rebuilds the request as received (method, path, query, the headers the ``SignedHeaders`` list names,
the body), asks botocore's ``SigV4Auth`` for the canonical request, the string to sign and the signature with the
caller's secret (service ``execute-api``, the region of the credential scope), and compares. A refusal carries API
Gateway's status, ``x-amzn-ErrorType`` and ``{"message": ...}`` text. Where each text comes from:

* no ``Authorization`` header: 403 ``Missing Authentication Token`` ("If the API request isn't signed, then you
  receive the following error: 'Missing Authentication Token.'": AWS re:Post Knowledge Center,
  https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch);
* an unknown access key: 403 ``The security token included in the request is invalid.`` (same article);
* a wrong signature: 403 ``The request signature we calculated does not match the signature you provided. Check
  your AWS Secret Access Key and signing method. Consult the service documentation for details.`` followed by the
  canonical string and string to sign (same article; the full text as API Gateway sends it, with
  ``InvalidSignatureException``, in aws/aws-sdk-js#2372 and rpgreen/apigateway-generic-java-sdk#11);
* a signature older than 5 minutes: ``Signature expired: <date> is now earlier than <now - 5 min> (<now> -
  5 min.)``, ``InvalidSignatureException`` (AWS re:Post Knowledge Center, lambda-sdk-signature, and reports of it);
* an ``Authorization`` header without ``Credential``, ``Signature``, ``SignedHeaders`` or a date:
  ``IncompleteSignatureException`` and the "Authorization header requires ..." sentences (aws/chalice#828,
  aws-amplify/amplify-flutter#1539);
* a scope for another region or service: ``Credential should be scoped to a valid region, not '<region>'.
  Credential should be scoped to correct service: 'execute-api'. `` (Kong/insomnia#830, from API Gateway).

The ``x-amzn-ErrorType`` values ``IncompleteSignatureException`` and ``InvalidSignatureException`` are API
Gateway's as reported in the issues above; ``MissingAuthenticationTokenException`` and
``UnrecognizedClientException`` are assumptions (the names AWS's JSON protocols give these errors).

Assumptions (no source settles the wording; the status and error type are the ones above): the texts for a
credential that is not five slash-separated elements, a scope date other than the request's, a malformed
``X-Amz-Date``, an unsigned ``Host``, a date more than 5 minutes ahead ("Signature not yet current"), and a
signed ``X-Amz-Content-SHA256`` that is not the body's hash (answered as a signature mismatch).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

SERVICE = "execute-api"
ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
#: how far a request's date may be from the server's clock (the "- 5 min." of API Gateway's message)
SKEW = timedelta(minutes=5)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."


@dataclass(frozen=True)
class Principal:
    """Who signs with an access key: its secret, the session token it needs, and what API Gateway reports of it."""

    access_key: str
    secret_key: str
    account_id: str
    caller: str
    user_arn: str
    #: the session token the request must carry (``None``: no check)
    token: str | None = None


@dataclass(frozen=True)
class Refusal:
    """API Gateway's answer to a request it does not authorise."""

    status: int
    error_type: str
    message: str


def missing_token() -> Refusal:
    """No signature at all, or a route the API does not have (API Gateway answers both alike)."""
    return Refusal(403, "MissingAuthenticationTokenException", "Missing Authentication Token")


class _Recompute(SigV4Auth):
    """botocore's SigV4 over exactly the headers the caller signed (a server does not choose them)."""

    def __init__(self, credentials: Credentials, region: str, signed: Sequence[str]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = set(signed)

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._signed:
                header_map[name.lower()] = value
        return header_map


def _parse_authorization(value: str) -> tuple[dict[str, str], str | None]:
    """``(parameters, problem)`` of an ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return {}, None
    params: dict[str, str] = {}
    for pair in (p.strip() for p in rest.split(",")):
        if not pair:
            continue
        key, eq, val = pair.partition("=")
        if not eq:
            return (
                {},
                f"'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '{value}'.",
            )
        params[key.strip()] = val.strip()
    return params, None


def _request_time(headers: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """``(timestamp in SigV4's basic format, problem)`` from ``X-Amz-Date`` or else ``Date``."""
    amz = headers.get("x-amz-date")
    if amz:
        try:
            datetime.strptime(amz[-1], SIGV4_TIMESTAMP)
        except ValueError:
            return None, f"Date must be in ISO-8601 'basic format'. Got '{amz[-1]}'."
        return amz[-1], None
    date = headers.get("date")
    if date:
        try:
            return parsedate_to_datetime(date[-1]).astimezone(UTC).strftime(SIGV4_TIMESTAMP), None
        except (TypeError, ValueError):
            return None, f"Date must be in ISO-8601 'basic format'. Got '{date[-1]}'."
    return None, None


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """The query's name/value pairs, percent-decoded (SigV4 encodes them again in its canonical form)."""
    pairs = []
    for item in query.split("&"):
        if item:
            key, _, value = item.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


class Verifier:
    """Checks requests as an API in ``region`` with IAM authorisation would; ``lookup`` names access keys."""

    def __init__(
        self,
        region: str,
        lookup: Callable[[str], Principal | None],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.region = region
        self.lookup = lookup
        self.now = now

    def verify(
        self, method: str, path: str, query: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> Principal | Refusal:
        """The principal that signed the request, or API Gateway's refusal."""
        by_name: dict[str, list[str]] = {}
        for name, value in headers:
            by_name.setdefault(name.lower(), []).append(value)
        authorization = (by_name.get("authorization") or [""])[-1]
        if not authorization:
            return missing_token()
        params, problem = _parse_authorization(authorization)
        timestamp, date_problem = _request_time(by_name)
        if problem is not None:
            return Refusal(403, "IncompleteSignatureException", problem)
        missing = [
            f"Authorization header requires '{key}' parameter."
            for key in ("Credential", "Signature", "SignedHeaders")
            if not params.get(key)
        ]
        if timestamp is None and date_problem is None:
            missing.append(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            )
        if missing:
            return Refusal(
                403, "IncompleteSignatureException", " ".join([*missing, f"Authorization={authorization}"])
            )
        if date_problem is not None or timestamp is None:
            return Refusal(403, "InvalidSignatureException", date_problem or "")
        return self._check(method, path, query, by_name, headers, body, params, timestamp)

    def _check(
        self,
        method: str,
        path: str,
        query: str,
        by_name: dict[str, list[str]],
        headers: Sequence[tuple[str, str]],
        body: bytes,
        params: dict[str, str],
        timestamp: str,
    ) -> Principal | Refusal:
        scope = params["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request":
            return Refusal(
                403,
                "IncompleteSignatureException",
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                f"got '{params['Credential']}'",
            )
        access_key, day, region, service, _ = scope
        wrong = ""
        if region != self.region:
            wrong += f"Credential should be scoped to a valid region, not '{region}'. "
        if service != SERVICE:
            wrong += f"Credential should be scoped to correct service: '{SERVICE}'. "
        if wrong:
            return Refusal(403, "InvalidSignatureException", wrong)
        if day != timestamp[:8]:
            return Refusal(
                403,
                "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{day}' != '{timestamp[:8]}', from '{timestamp}'.",
            )
        signed = [h.strip().lower() for h in params["SignedHeaders"].split(";") if h.strip()]
        if "host" not in signed:
            return Refusal(
                403,
                "InvalidSignatureException",
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            )
        principal = self.lookup(access_key)
        tokens = by_name.get("x-amz-security-token")
        token = tokens[-1] if tokens else None
        if principal is None or (principal.token is not None and (token or "") != principal.token):
            return Refusal(403, "UnrecognizedClientException", INVALID_TOKEN)
        expired = self._expired(timestamp)
        if expired:
            return Refusal(403, "InvalidSignatureException", expired)
        request = AWSRequest(method=method, url=f"http://{by_name['host'][-1]}{path}", data=body)
        # a list of pairs, not a dict: a name may repeat (botocore's signer takes either)
        request.params = _query_pairs(query)  # type: ignore[assignment]
        for name, value in headers:
            if name.lower() in signed:
                request.headers[name] = value
        request.context["timestamp"] = timestamp
        signer = _Recompute(Credentials(access_key, principal.secret_key, token), region, signed)
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(string_to_sign, request)
        content_hash = by_name.get("x-amz-content-sha256")
        body_changed = bool(content_hash) and content_hash != [hashlib.sha256(body).hexdigest()]
        if body_changed or not hmac.compare_digest(expected, params["Signature"]):
            return Refusal(
                403,
                "InvalidSignatureException",
                f"{MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
                f"The String-to-Sign should have been\n'{string_to_sign}'\n",
            )
        return principal

    def _expired(self, timestamp: str) -> str:
        when = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
        now = self.now().astimezone(UTC)
        fmt = SIGV4_TIMESTAMP
        if when < now - SKEW:
            return (
                f"Signature expired: {timestamp} is now earlier than {(now - SKEW).strftime(fmt)} "
                f"({now.strftime(fmt)} - 5 min.)"
            )
        if when > now + SKEW:
            return (
                f"Signature not yet current: {timestamp} is still later than {(now + SKEW).strftime(fmt)} "
                f"({now.strftime(fmt)} + 5 min.)"
            )
        return ""
