"""The fault matrix (sandbox/mailauth_sandbox/faultmatrix.py) in make test, one test per cell: every AWS
operation the handlers of both workflows call (the API's included, DynamoDB per table), and those an onboarding
that parks adds (the wait table, the sweep, the watch), × {3 transient errors, persistent errors, access denied}. Every cell must end verified (or offboarded), or failed and told to a person,
with the zone, the ledger, the SES identity and the domains table consistent; afterwards a fault-free re-run must
converge and an offboarding restore the zone. `make faults` prints the same table; make test's summary prints the
line `fault-matrix: cells=N ok=A failed_notified=B bad=C` (tests/conftest.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from mailauth_sandbox import LocalAws
from mailauth_sandbox.faultmatrix import DOMAIN, KINDS, Workflow, operations, run_cell

QUIET = {"POWERTOOLS_LOG_LEVEL": "CRITICAL", "POWERTOOLS_METRICS_DISABLED": "true"}

#: the matrix's rows: what a fault-free run calls (test_the_rows_are_the_calls_of_a_fault_free_run keeps this
#: list honest: a new call the handlers make must be added here, and so gets its cells)
ROWS: dict[Workflow, list[str]] = {
    "onboard": [
        "dynamodb:GetItem@DomainsTable",
        "dynamodb:GetItem@LedgerTable",
        "dynamodb:PutItem@DomainsTable",
        "dynamodb:PutItem@LedgerTable",
        "dynamodb:UpdateItem@DomainsTable",
        "dynamodb:UpdateItem@PaceTable",
        "route53:ChangeResourceRecordSets",
        "route53:GetChange",
        "route53:GetHostedZone",
        "route53:ListHostedZonesByName",
        "route53:ListResourceRecordSets",
        "sesv2:CreateEmailIdentity",
        "sesv2:GetAccount",
        "sesv2:GetEmailIdentity",
        "sesv2:ListRecommendations",
        "sesv2:PutEmailIdentityMailFromAttributes",
        "sns:Publish",
        "stepfunctions:StartExecution",
    ],
    "offboard": [
        "dynamodb:DeleteItem@LedgerTable",
        "dynamodb:GetItem@DomainsTable",
        "dynamodb:GetItem@LedgerTable",
        "dynamodb:PutItem@DomainsTable",
        "dynamodb:PutItem@LedgerTable",
        "dynamodb:UpdateItem@DomainsTable",
        "dynamodb:UpdateItem@PaceTable",
        "route53:ChangeResourceRecordSets",
        "route53:GetChange",
        "route53:ListResourceRecordSets",
        "sesv2:DeleteEmailIdentity",
        "sns:Publish",
        "stepfunctions:DescribeExecution",
        "stepfunctions:StartExecution",
    ],
    # an onboarding that parks (SES verifies an hour after the records are served): Park's, the sweep's and the
    # waiting checks' wait table, the sweep's listing and wake-up, and the hourly watch that runs meanwhile
    "wait": [
        "dynamodb:DeleteItem@WaitTable",
        "dynamodb:GetItem@PaceTable",
        "dynamodb:GetItem@WaitTable",
        "dynamodb:PutItem@PaceTable",
        "dynamodb:PutItem@WaitTable",
        "dynamodb:Scan@DomainsTable",
        "dynamodb:Scan@WaitTable",
        "sesv2:ListEmailIdentities",
        "stepfunctions:SendTaskSuccess",
    ],
}
CELLS = [
    (workflow, operation, kind) for workflow, rows in ROWS.items() for operation in rows for kind in KINDS
]


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


@pytest.mark.parametrize(("workflow", "operation", "kind"), CELLS, ids=["-".join(c) for c in CELLS])
def test_the_cell_ends_verified_or_failed_and_told_and_converges(
    make: Callable[[], LocalAws],
    record_property: Callable[[str, object], None],
    workflow: Workflow,
    operation: str,
    kind: str,
) -> None:
    cell = run_cell(make, workflow, operation, kind)  # type: ignore[arg-type]

    record_property("fault_cell", cell.outcome)
    assert cell.outcome != "bad", cell.detail
    assert cell.calls_failed > 0, "the fault never fired: the cell proves nothing"


def test_the_rows_are_the_calls_of_a_fault_free_run(make: Callable[[], LocalAws]) -> None:
    assert operations(make) == ROWS
    assert DOMAIN == "example.com"


def test_a_cell_with_an_unnotified_failure_is_bad(make: Callable[[], LocalAws]) -> None:
    """The judge can say bad: with every SNS publish of the handlers AND of the state machine refused, nobody is
    told, and the cell says so."""
    cell = run_cell(make, "onboard", "sns:Publish", "denied", scope=None)

    assert cell.outcome == "bad"
    assert "nobody was told" in cell.detail


def test_a_cell_whose_world_is_inconsistent_is_bad(make: Callable[[], LocalAws]) -> None:
    """The judge checks consistency: a record slipped into the zone behind the ledger's back makes the cell bad."""

    def sneaky() -> LocalAws:
        local = make()

        def add_unknown_record(_event: object) -> None:
            zone = local.client("route53").list_hosted_zones_by_name(DNSName=DOMAIN)["HostedZones"][0]["Id"]
            local.add_record(zone.rsplit("/", 1)[-1], f"unknown.{DOMAIN}", "TXT", '"not mailauth"')

        local.before_invocation("NotifyFunction", add_unknown_record)
        return local

    cell = run_cell(sneaky, "onboard", "route53:GetChange", "transient")

    assert cell.outcome == "bad"
    assert "TXT unknown.example.com changed in the zone, and the ledger does not know it" in cell.detail
