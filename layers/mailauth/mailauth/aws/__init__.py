"""Adapters: the only code that talks to AWS. Each takes an optional client and builds one only when none is
passed; botocore errors become mailauth's named errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Final

from mailauth.errors import AwsThrottledError, is_transient

#: The one retry configuration of every client mailauth builds: botocore's adaptive mode (client-side rate limiting
#: on top of the standard mode's retries of throttling and transient errors), five attempts in all. What outlasts
#: it becomes AwsThrottledError, which the state machine retries with its own back-off.
RETRY_MODE: Final = "adaptive"
MAX_ATTEMPTS: Final = 5


def client(service: str, **credentials: str) -> Any:
    """A boto3 client with the retry configuration above (boto3 imported here, so handler import stays light);
    ``credentials``: ``aws_access_key_id`` and friends, for a role assumed in another account."""
    import boto3
    from botocore.config import Config

    factory: Any = boto3.client  # typed per service name in the stubs; mailauth passes names as strings
    retries: Any = {"mode": RETRY_MODE, "max_attempts": MAX_ATTEMPTS}
    return factory(service, config=Config(retries=retries), **credentials)


class Adapter:
    """Base of the adapters: the client passed in, or one for :attr:`service` built on first use (so a handler that
    never calls the service never pays for its client)."""

    service: ClassVar[str]

    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> Any:
        return client(self.service)


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def refusal_code(exc: Exception) -> str:
    """The error code of an AWS refusal that the caller reports instead of failing on (AccessDenied, ...);
    throttling (AwsThrottledError: the state machine retries it) and exceptions that are not AWS's re-raise."""
    code = error_code(exc)
    if isinstance(exc, AwsThrottledError) or not code:
        raise exc
    return code


@contextmanager
def transient_as_throttled(operation: str) -> Iterator[None]:
    """Turn throttling and 5xx ClientErrors into AwsThrottledError, which the state machine retries."""
    try:
        yield
    except Exception as exc:
        if is_transient(exc):
            raise AwsThrottledError(f"{operation}: {error_code(exc) or 'transient error'}: {exc}") from exc
        raise
