"""One botocore event dispatcher for every client, routed to the active sandbox.

The handlers are registered once, on ``botocore.handlers.BUILTIN_HANDLERS``, so every session created
afterwards (``moto.mock_aws`` resets ``boto3.DEFAULT_SESSION`` on start) and every client of it carries
them; a client created while no sandbox is active gets them too and they do nothing.

A call goes through botocore like this (botocore/client.py, botocore/endpoint.py)::

    before-parameter-build -> before-call -> [ before-send -> HTTP -> before-parse -> needs-retry ]* -> after-call
                                             `------------- once per attempt (the retry loop) -------------'

* ``before-parameter-build``: keeps a copy of the caller's API parameters in the request context.
* ``before-call`` (once per API call): what AWS decides before any attempt is worth making and never changes
  on a retry: the call is counted, and the sandbox may refuse it (IAM, the service model's constraints). A
  non-``None`` ``(http_response, parsed)`` short-circuits the whole call.
* ``before-send`` (once per ATTEMPT, beneath botocore's retry handler): injected faults and the emulators'
  answers. An error becomes a real HTTP error response in the service's protocol (rest-json, rest-xml, query,
  json), which botocore parses and its configured retry mode (standard, adaptive) judges exactly as it would
  judge AWS's; a success is an empty HTTP 200 whose parsed body the ``before-parse`` handler supplies.
  Returning ``None`` lets the attempt go on to moto.
* ``after-call``: lets the sandbox observe or amend moto's parsed response.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Protocol
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.handlers import BUILTIN_HANDLERS

PARAMS_KEY = "mailauth_sandbox_params"
ACCOUNT_KEY = "mailauth_sandbox_account"
CALL_KEY = "mailauth_sandbox_call"  # (service, operation, protocol), set at before-call for before-send
ANSWER_HEADER = "x-mailauth-sandbox-answer"
ANSWERED = "mailauth_sandbox_answered"  # set on a prepared request the sandbox answered: moto must not run it

Response = tuple[AWSResponse, dict[str, Any]]


class Dispatcher(Protocol):
    """What the active sandbox implements (``gate.CallGate``)."""

    def on_before_call(
        self, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> Response | None: ...

    def on_before_send(
        self, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> Response | None: ...

    def on_after_call(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        status: int,
        parsed: dict[str, Any],
        context: dict[str, Any],
    ) -> None: ...


_active: Dispatcher | None = None
_lock = threading.Lock()
_answers: dict[str, dict[str, Any]] = {}  # parsed bodies of emulated successes, until before-parse takes them


def activate(dispatcher: Dispatcher) -> None:
    """Route events to ``dispatcher``; only one sandbox can be active at a time."""
    global _active
    with _lock:
        if _active is not None and _active is not dispatcher:
            raise RuntimeError("another LocalAws is already running in this process")
        _active = dispatcher


def active() -> Dispatcher | None:
    """The sandbox events are routed to now, if any."""
    return _active


def deactivate(dispatcher: Dispatcher) -> None:
    """Stop routing events to ``dispatcher``."""
    global _active
    with _lock:
        if _active is dispatcher:
            _active = None
        _answers.clear()


def _before_parameter_build(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    if _active is not None:
        context[PARAMS_KEY] = dict(params)


def _account_of(signer: Any) -> str | None:
    """The account moto files this call under: the one its access key belongs to (an assumed role's, say)."""
    credentials = getattr(signer, "_credentials", None)
    access_key = getattr(credentials, "access_key", None)
    if not access_key:
        return None
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def _before_call(
    model: Any, context: dict[str, Any], request_signer: Any = None, **_: Any
) -> Response | None:
    active = _active
    if active is None:
        return None
    service = model.service_model.service_name
    context[ACCOUNT_KEY] = _account_of(request_signer)
    context[CALL_KEY] = (service, model.name, model.service_model.resolved_protocol)
    return active.on_before_call(service, model.name, context.get(PARAMS_KEY, {}), context)


def _before_send(request: Any, **_: Any) -> AWSResponse | None:
    active = _active
    context = getattr(request, "context", None) or {}
    if active is None or CALL_KEY not in context:
        return None
    service, operation, protocol = context[CALL_KEY]
    answer = active.on_before_send(service, operation, context.get(PARAMS_KEY, {}), context)
    if answer is None:
        return None
    setattr(request, ANSWERED, True)  # botocore runs every before-send handler; moto's must skip this attempt
    response, parsed = answer
    if response.status_code >= 300:
        error = parsed.get("Error") or {}
        return http_error(
            protocol, str(error.get("Code")), str(error.get("Message", "")), response.status_code
        )
    token = str(uuid.uuid4())
    with _lock:
        _answers[token] = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = token
    headers[ANSWER_HEADER] = token
    return AWSResponse("https://sandbox.invalid/", response.status_code, headers, _Body(b""))


def _before_parse(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    token = (response_dict.get("headers") or {}).get(ANSWER_HEADER)
    if token:
        with _lock:
            answer = _answers.pop(token, None)
        if answer is not None:
            customized_response_dict.update(answer)


def _after_call(
    http_response: AWSResponse, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
) -> None:
    active = _active
    if active is None:
        return
    active.on_after_call(
        model.service_model.service_name,
        model.name,
        context.get(PARAMS_KEY, {}),
        http_response.status_code,
        parsed,
        context,
    )


# before-send goes first: moto's own before-send stubber (registered when moto is imported) must only see the
# attempts the sandbox lets through, whichever module was imported first.
if ("before-send", _before_send) not in BUILTIN_HANDLERS:
    BUILTIN_HANDLERS.insert(0, ("before-send", _before_send))
for _entry in [
    ("before-parameter-build", _before_parameter_build),
    ("before-call", _before_call),
    ("before-parse", _before_parse),
    ("after-call", _after_call),
]:
    if _entry not in BUILTIN_HANDLERS:
        BUILTIN_HANDLERS.append(_entry)


class _Body:
    """The ``raw`` of an AWSResponse: what botocore reads the body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def http_error(protocol: str, code: str, message: str, status: int) -> AWSResponse:
    """An HTTP error response as the service's protocol writes it, for botocore to parse (and retry) itself.

    Shapes per botocore's parsers (botocore/parsers.py): rest-json reads the code from the ``x-amzn-ErrorType``
    header and the message from the body; json reads ``__type``; rest-xml and query read
    ``<ErrorResponse><Error><Code>``; ec2 ``<Response><Errors><Error>``.
    """
    request_id = str(uuid.uuid4())
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    kind = "Sender" if status < 500 else "Receiver"
    if protocol == "rest-json":
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = code
        body = json.dumps({"message": message}).encode()
    elif protocol == "json":
        headers["Content-Type"] = "application/x-amz-json-1.0"
        body = json.dumps({"__type": code, "message": message}).encode()
    elif protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
    else:  # rest-xml, query
        headers["Content-Type"] = "text/xml"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
    return AWSResponse("https://sandbox.invalid/", status, headers, _Body(body))


def response(parsed: dict[str, Any], status: int = 200) -> Response:
    """A short-circuit response botocore returns to the caller as if it came from AWS."""
    request_id = str(uuid.uuid4())
    parsed = dict(parsed)
    parsed["ResponseMetadata"] = {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-amzn-requestid": request_id},
        "RetryAttempts": 0,
    }
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    return AWSResponse("https://sandbox.invalid/", status, headers, None), parsed


def error(code: str, message: str, status: int = 400) -> Response:
    """A short-circuit error response: botocore raises the ``ClientError`` (modeled subclass) for ``code``."""
    kind = "Sender" if status < 500 else "Receiver"
    return response({"Error": {"Code": code, "Message": message, "Type": kind}}, status)
