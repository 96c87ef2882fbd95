"""Adapters: the only code that talks to AWS. Each takes an optional client and builds one only when none is
passed; botocore errors become mailauth's named errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mailauth.errors import AwsThrottledError, is_transient


def client(service: str) -> Any:
    """A boto3 client with adaptive retries (imported here, so handler import stays light)."""
    import boto3
    from botocore.config import Config

    factory: Any = boto3.client  # typed per service name in the stubs; mailauth passes names as strings
    return factory(service, config=Config(retries={"mode": "adaptive", "max_attempts": 5}))


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


@contextmanager
def transient_as_throttled(operation: str) -> Iterator[None]:
    """Turn throttling and 5xx ClientErrors into AwsThrottledError, which the state machine retries."""
    try:
        yield
    except Exception as exc:
        if is_transient(exc):
            raise AwsThrottledError(f"{operation}: {error_code(exc) or 'transient error'}: {exc}") from exc
        raise
