"""The fault matrix (sandbox/mailauth_sandbox/faultmatrix.py) in make test: every AWS operation the handlers of
both workflows call × {3 transient errors, persistent errors, access denied}. Every cell must end verified (or
offboarded), or failed and told to a person; and afterwards a fault-free re-run must converge and an offboarding
restore the zone. `make faults` prints the same table."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from mailauth_sandbox import LocalAws
from mailauth_sandbox.faultmatrix import DOMAIN, operations, run_cell, run_matrix

QUIET = {"POWERTOOLS_LOG_LEVEL": "CRITICAL", "POWERTOOLS_METRICS_DISABLED": "true"}


@pytest.fixture
def make() -> Iterator[Callable[[], LocalAws]]:
    moto_logger = logging.getLogger("moto")
    level = moto_logger.level
    moto_logger.setLevel(logging.CRITICAL)

    def start() -> LocalAws:
        local = LocalAws(env=QUIET)
        local.start()
        return local

    yield start
    moto_logger.setLevel(level)


def test_every_cell_ends_verified_or_failed_and_told(
    make: Callable[[], LocalAws], capsys: pytest.CaptureFixture[str]
) -> None:
    matrix = run_matrix(make)

    rows = {c.operation for c in matrix.cells if c.workflow == "onboard"}
    assert {"sesv2:CreateEmailIdentity", "route53:ChangeResourceRecordSets", "sns:Publish"} <= rows
    assert {"sesv2:DeleteEmailIdentity", "route53:ChangeResourceRecordSets"} <= {
        c.operation for c in matrix.cells if c.workflow == "offboard"
    }
    with capsys.disabled():
        print("\n" + matrix.summary())
    assert matrix.counts()["bad"] == 0, matrix.summary() + "\n" + matrix.table()
    # each kind really failed calls: a fault that never fired proves nothing
    assert all(c.calls_failed > 0 for c in matrix.cells), [c for c in matrix.cells if not c.calls_failed]


def test_a_cell_with_an_unnotified_failure_is_bad(make: Callable[[], LocalAws]) -> None:
    """The judge can say bad: with every SNS publish of the handlers AND of the state machine refused, nobody is
    told, and the cell says so."""
    cell = run_cell(make, "onboard", "sns:Publish", "denied", scope=None)

    assert cell.outcome == "bad"
    assert "nobody was told" in cell.detail


def test_the_rows_are_the_calls_of_a_fault_free_run(make: Callable[[], LocalAws]) -> None:
    rows = operations(make)
    assert "sesv2:CreateEmailIdentity" in rows["onboard"]
    assert "sesv2:CreateEmailIdentity" not in rows["offboard"]
    assert DOMAIN == "example.com"
