"""One botocore event dispatcher for every client, routed to the active sandbox.

The handlers are registered once, on ``botocore.handlers.BUILTIN_HANDLERS``, so every session created
afterwards (``moto.mock_aws`` resets ``boto3.DEFAULT_SESSION`` on start) and every client of it carries
them; a client created while no sandbox is active gets them too and they do nothing.

* ``before-parameter-build``: keeps a copy of the caller's API parameters in the request context (the
  ``before-call`` event only sees the serialized request).
* ``before-call``: counts the call when made by a handler, then asks the active sandbox for a response;
  a non-``None`` ``(http_response, parsed)`` short-circuits the HTTP call (moto is never reached).
* ``after-call``: lets the sandbox observe or amend moto's parsed response.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Protocol

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.handlers import BUILTIN_HANDLERS

PARAMS_KEY = "mailauth_sandbox_params"

Response = tuple[AWSResponse, dict[str, Any]]


class Dispatcher(Protocol):
    """What the active sandbox implements."""

    def on_before_call(
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


def activate(dispatcher: Dispatcher) -> None:
    """Route events to ``dispatcher``; only one sandbox can be active at a time."""
    global _active
    with _lock:
        if _active is not None and _active is not dispatcher:
            raise RuntimeError("another LocalAws is already running in this process")
        _active = dispatcher


def deactivate(dispatcher: Dispatcher) -> None:
    """Stop routing events to ``dispatcher``."""
    global _active
    with _lock:
        if _active is dispatcher:
            _active = None


def _before_parameter_build(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    if _active is not None:
        context[PARAMS_KEY] = dict(params)


ACCOUNT_KEY = "mailauth_sandbox_account"


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
    context[ACCOUNT_KEY] = _account_of(request_signer)
    return active.on_before_call(
        model.service_model.service_name, model.name, context.get(PARAMS_KEY, {}), context
    )


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


_HANDLERS = [
    ("before-parameter-build", _before_parameter_build),
    ("before-call", _before_call),
    ("after-call", _after_call),
]
for _entry in _HANDLERS:
    if _entry not in BUILTIN_HANDLERS:
        BUILTIN_HANDLERS.append(_entry)


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
