"""The unit tests' fixtures: ``api``, the stand-in for mailauth's API the CLI tests run against (fake_api.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mailauth_sandbox import LocalAws
from tests.unit.fake_api import FakeApi, clean_env, credentials_env, serving


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    """The fake API, serving; the caller holds its test credentials only; following a run does not pause."""
    from mailauth_cli import progress

    clean_env(monkeypatch, credentials_env())
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(progress, "_pause", lambda seconds: None)
    with serving(FakeApi()) as fake:
        yield fake


@pytest.fixture
def pace_local(local_aws_factory: Callable[..., LocalAws]) -> LocalAws:
    """An embedded AWS without the template, holding a pace table named ``pace`` (mailauth.pace, mailauth.account)."""
    local = local_aws_factory(template=None)
    local.client("dynamodb").create_table(
        TableName="pace",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}],
    )
    return local
