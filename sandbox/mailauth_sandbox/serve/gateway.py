"""API Gateway's Lambda proxy integration (REST API, payload format 1.0), both ways.

:func:`proxy_event` is the event API Gateway sends the function for one HTTP request (the shape of
``events/api_*.json`` and of the Lambda Developer Guide's "Input format of a Lambda function for proxy
integration"); :func:`http_response` turns the function's answer back into status, headers and body. A function
that fails, or answers without an integer ``statusCode`` or with a body that is not a string, gets API Gateway's
502 (AWS re:Post Knowledge Center, malformed-502-api-gateway: "If your Lambda function's response to the API request
isn't formatted correctly, API Gateway returns an HTTP 502 status code"); the body ``{"message": "Internal server
error"}`` is the one API Gateway is reported to send (an assumption: the article quotes only the log line).

Assumptions where API Gateway's documentation is silent: ``path`` and ``pathParameters`` keep the percent-encoding
the request had (the API function decodes ``{domain}`` itself), query values are percent-decoded, and the body is
text (``isBase64Encoded`` false: the template's API declares no binary media types).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from .routes import Route
from .sigv4 import Principal

#: the API id the sandbox's API reports (an API Gateway id is 10 lowercase letters and digits)
API_ID = "sandboxapi"


@dataclass(frozen=True)
class Answer:
    """An HTTP response: status, headers (a name may repeat) and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    #: ``x-amzn-RequestId``: the proxy event's ``requestContext.requestId`` (a new one for a refusal)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def error_answer(status: int, message: str, error_type: str | None = None) -> Answer:
    """API Gateway's own JSON error (``{"message": ...}``), with ``x-amzn-ErrorType`` when it names one."""
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return Answer(status, headers, json.dumps({"message": message}).encode())


def _query(query: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    multi: dict[str, list[str]] = {}
    for item in query.split("&"):
        if item:
            key, _, value = item.partition("=")
            multi.setdefault(unquote(key), []).append(unquote(value))
    if not multi:
        return None, None
    return {k: v[-1] for k, v in multi.items()}, multi


def proxy_event(
    *,
    route: Route,
    path_parameters: dict[str, str],
    method: str,
    path: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    principal: Principal | None,
    source_ip: str,
    stage: str,
    account_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The event API Gateway's Lambda proxy integration sends for this request."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    query_single, query_multi = _query(query)
    user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
    request_id = str(uuid.uuid4())
    identity = {
        "cognitoIdentityPoolId": None,
        "accountId": principal.account_id if principal else None,
        "cognitoIdentityId": None,
        "caller": principal.caller if principal else None,
        "accessKey": principal.access_key if principal else None,
        "sourceIp": source_ip,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": principal.user_arn if principal else None,
        "userAgent": user_agent,
        "user": principal.caller if principal else None,
    }
    return {
        "resource": route.resource,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query_single,
        "multiValueQueryStringParameters": query_multi,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account_id,
            "apiId": API_ID,
            "resourceId": route.resource,
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{stage}{path}",
            "resourcePath": route.resource,
            "httpMethod": method,
            "protocol": "HTTP/1.1",
            "domainName": single.get("Host") or single.get("host") or "",
            "identity": identity,
        },
        "body": body.decode("utf-8", "replace") if body else None,
        "isBase64Encoded": False,
    }


def http_response(result: Any, request_id: str) -> Answer:
    """The function's proxy response as HTTP; API Gateway's 502 when it is malformed."""
    return replace(_translate(result), request_id=request_id)


def _translate(result: Any) -> Answer:
    if not isinstance(result, dict):
        return bad_gateway()
    status = result.get("statusCode")
    body = result.get("body")
    if isinstance(status, bool) or not isinstance(status, int) or not (body is None or isinstance(body, str)):
        return bad_gateway()
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        return bad_gateway()
    for name, values in multi.items():
        headers += [(str(name), str(v)) for v in (values if isinstance(values, list) else [values])]
    named = {n.lower() for n, _ in headers}
    headers += [(str(n), str(v)) for n, v in single.items() if str(n).lower() not in named]
    try:
        raw = base64.b64decode(body or "") if result.get("isBase64Encoded") else (body or "").encode()
    except ValueError:
        return bad_gateway()
    return Answer(status, headers, raw)


def bad_gateway() -> Answer:
    """What API Gateway answers when the integration fails or answers malformed."""
    return error_answer(502, "Internal server error")
