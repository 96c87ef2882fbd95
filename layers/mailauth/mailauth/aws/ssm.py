"""SSM Parameter Store: a SecureString read through Powertools' parameters utility, cached with a max age.

The cache lives in the container (one provider per container, Powertools' own cache): a parameter is read
again once its value is ``max_age`` seconds old, so a rotated secret is picked up without a new container.
Values are secrets: never logged, never put in an exception message here.
"""

from __future__ import annotations

from typing import Any

from mailauth.aws import client as make_client

_provider: Any = None


def secure_string(name: str, *, max_age: int, client: Any = None) -> str:
    """The decrypted value of the SecureString parameter ``name`` (``client``: an SSM client; with one, nothing
    is cached across calls)."""
    global _provider
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    if client is not None:
        provider = SSMProvider(boto3_client=client)
    else:
        if _provider is None:
            _provider = SSMProvider(boto3_client=make_client("ssm"))
        provider = _provider
    # Powertools raises its GetParameterError (from the ClientError) when SSM refuses or fails
    return str(provider.get(name, decrypt=True, max_age=max_age))


def forget() -> None:
    """Drop the cached values (a new deployment in the sandbox; tests)."""
    global _provider
    _provider = None
