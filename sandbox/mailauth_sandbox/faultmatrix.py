"""The fault matrix: every AWS operation both workflows make × {transient ×3, persistent, access denied}.

A cell runs one workflow (onboarding a fresh domain, or offboarding one onboarded without faults) with one fault
planned on the handlers' calls of one operation, and judges the end. A third set of rows, ``wait``, onboards a
domain that SES verifies only an hour after its records are served, so the run parks and the fleet sweep wakes it
(the hourly watch runs meanwhile); its rows are the operations such a run makes that an onboarding SES verifies at
once does not (the wait table's, the sweep's listing and wake-up, the watch's):

* ``ok``: the workflow ended as it does without the fault (Onboarded / Offboarded);
* ``failed_notified``: it ended FAILED and a person was told (a notification of that execution, or an alert on
  the alerts topic naming it);
* ``bad``: anything else: still running, failed without a word, or an inconsistent world afterwards.

Both workflows are submitted through the API (``POST /domains``, ``DELETE /domains/{domain}``), as a user
submits them, so the API's own calls are rows too; a submission the API refuses with a 5xx has told its caller,
synchronously, and started nothing. DynamoDB rows are per table (``dynamodb:PutItem@LedgerTable``).

After the faulted run the world must be consistent (:func:`consistent`): every record set that differs from
the zone as it began is in the ledger as the zone holds it, with the values it held before; an SES identity
that exists carries mailauth's tag; the domains table names the run's execution (or, for a refused submission,
is unchanged or holds a claim the same request turns into its execution). Then, faults cleared, the world must
converge: onboarding again ends Onboarded with the six records (and consistent), and offboarding restores the
zone exactly, removes the identity mailauth created and empties the ledger. Any of these failing makes the
cell ``bad``.

Faults fail single HTTP attempts beneath botocore's retries (see :mod:`.faults`) and only calls made by
handlers (``function="*"``): the state machine's own SNS integration (AlertOperator) is the independent path
being tested, not a target. The codes are each service's own: throttling from the botocore model (retried by the
SDK, or by mailauth as transient), access denied as :data:`.iam.ACCESS_DENIED` gives it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .engine import LocalAws
from .iam import ACCESS_DENIED
from .ses import SesBehaviour

Kind = Literal["transient", "persistent", "denied"]
KINDS: tuple[Kind, ...] = ("transient", "persistent", "denied")
Workflow = Literal["onboard", "offboard", "wait"]
#: how long after its records are served SES verifies the domain of a ``wait`` cell (the run parks meanwhile)
WAIT_HOURS = 1.0

#: each service's throttling error as its botocore model names it (code, HTTP status)
THROTTLING: dict[str, tuple[str, int]] = {
    "sesv2": ("TooManyRequestsException", 429),
    "route53": ("ThrottlingException", 400),
    "dynamodb": ("ThrottlingException", 400),
    "sns": ("Throttled", 429),
    "stepfunctions": ("ThrottlingException", 400),
    "sts": ("Throttling", 400),
    "ssm": ("ThrottlingException", 400),
}
TRANSIENT_TIMES = 3
PERSISTENT_TIMES = 10_000
DOMAIN = "example.com"
REQUEST: dict[str, Any] = {"domain": DOMAIN, "dmarc": {"policy": "quarantine", "rua": ["d@example.com"]}}


@dataclass
class Cell:
    workflow: Workflow
    operation: str  # "service:Operation"
    kind: Kind
    outcome: Literal["ok", "failed_notified", "bad"] = "bad"
    detail: str = ""
    calls_failed: int = 0


@dataclass
class Matrix:
    cells: list[Cell] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(c.outcome for c in self.cells)

    def summary(self) -> str:
        n = self.counts()
        return (
            f"fault-matrix: cells={len(self.cells)} ok={n['ok']} failed_notified={n['failed_notified']} "
            f"bad={n['bad']}"
        )

    def table(self) -> str:
        lines = [f"{'workflow':9} {'operation':48} {'kind':10} {'outcome':16} detail"]
        for c in self.cells:
            lines.append(f"{c.workflow:9} {c.operation:48} {c.kind:10} {c.outcome:16} {c.detail}")
        return "\n".join(lines)


def _fault(local: LocalAws, operation: str, kind: Kind, scope: str | None = "*") -> Any:
    """Plan the cell's fault; ``operation`` is ``service:Operation`` or ``dynamodb:Operation@TableLogicalId``."""
    name, _, table = operation.partition("@")
    service, op = name.split(":", 1)
    if kind == "denied":
        code, status = ACCESS_DENIED.get(service, ("AccessDeniedException", 400))
        times = PERSISTENT_TIMES
    else:
        code, status = THROTTLING.get(service, ("ThrottlingException", 400))
        times = TRANSIENT_TIMES if kind == "transient" else PERSISTENT_TIMES
    physical = local.resources[table]["Ref"] if table else None
    return local.faults.add(service, op, code, times=times, status=status, function=scope, table=physical)


@dataclass
class Run:
    """One workflow submitted through the API as a user submits it: what the API answered and how it ended."""

    api_status: int | None
    execution: str | None = None
    status: str = "NOT_STARTED"
    ended_at: str = ""


def _prepare(local: LocalAws, workflow: Workflow) -> None:
    """A ``wait`` cell's SES verifies late; the other workflows' at once (the sandbox's default)."""
    if workflow == "wait":
        local.ses.behaviour = SesBehaviour(verify=("after", WAIT_HOURS))


def _kind(workflow: Workflow) -> str:
    """What the domains table calls the workflow's runs."""
    return "offboard" if workflow == "offboard" else "onboard"


def _run(local: LocalAws, workflow: Workflow) -> Run:
    """``POST /domains`` (onboard, wait) or ``DELETE /domains/{domain}`` (offboard), then wait for the execution."""
    invocation = local.api_delete(DOMAIN) if workflow == "offboard" else local.api_post(REQUEST)
    if not invocation.ok:
        return Run(api_status=None, ended_at=f"ApiFunction raised {invocation.error_type}")
    answer = invocation.result
    body = json.loads(answer.get("body") or "{}")
    arn = body.get("executionArn") if answer["statusCode"] == 202 else None
    if arn is None:
        return Run(api_status=answer["statusCode"], ended_at=f"API {answer['statusCode']}")
    result = local.wait(arn, timeout=300)
    states = local.states_entered(arn)
    return Run(answer["statusCode"], arn, result["status"], states[-1] if states else "")


def _told(local: LocalAws, execution: str) -> bool:
    """A notification or an alert about ``execution`` was published."""
    name = execution.rsplit(":", 1)[-1]
    messages = [n["email"] for n in local.notifications() if n["execution"] == execution] + [
        a["message"] for a in local.alerts()
    ]
    return any(execution in m or name in m for m in messages)


def _identities(local: LocalAws) -> list[str]:
    return [i["IdentityName"] for i in local.client("sesv2").list_email_identities()["EmailIdentities"]]


def _item(local: LocalAws, table: str) -> dict[str, Any] | None:
    """The table's item for the domain, as plain values (None: no item)."""
    item = (
        local.client("dynamodb")
        .get_item(TableName=local.resources[table]["Ref"], Key={"domain": {"S": DOMAIN}}, ConsistentRead=True)
        .get("Item")
    )
    return {k: next(iter(v.values())) for k, v in item.items()} if item else None


def _zone_vs_ledger(
    local: LocalAws, zone_id: str, before: dict[tuple[str, str], tuple[str, ...]]
) -> str | None:
    """Every record set mailauth changed is in the ledger, as the zone holds it, with what it held before."""
    ledger = _item(local, "LedgerTable") or {}
    entries = {(e["name"].rstrip("."), e["type"]): e for e in json.loads(ledger.get("records") or "[]")}
    after = local.zone_records(zone_id)
    for key in sorted(after.keys() | before.keys()):
        if after.get(key) == before.get(key):
            continue
        entry = entries.get(key)
        if entry is None:
            return f"{key[1]} {key[0]} changed in the zone, and the ledger does not know it"
        if tuple(sorted(entry["after"])) != after.get(key, ()):
            return f"{key[1]} {key[0]}: the zone holds {after.get(key)}, the ledger says {entry['after']}"
    for key, entry in entries.items():
        if tuple(sorted(entry["before"])) != before.get(key, ()):
            return f"{key[1]} {key[0]}: the ledger says it held {entry['before']} before, it held {before.get(key)}"
    return None


def _identity_is_mailauths(local: LocalAws) -> str | None:
    """An identity that exists was made by mailauth (the cell starts without one), and says so."""
    if DOMAIN not in _identities(local):
        return None
    tags = local.client("sesv2").get_email_identity(EmailIdentity=DOMAIN).get("Tags", [])
    if {"Key": "mailauth:managed-by", "Value": "mailauth"} not in tags:
        return f"the identity exists without mailauth's tag: {tags}"
    return None


def _domains_table(
    local: LocalAws, run: Run, workflow: Workflow, previous: dict[str, Any] | None
) -> str | None:
    """The domains table names the run's execution; a refused submission left it as it was, or an in-flight claim
    that the same request, submitted again, turns into its execution."""
    item = _item(local, "DomainsTable")
    if run.execution is not None:
        if item is None or item.get("execution_arn") != run.execution or item.get("kind") != _kind(workflow):
            return f"the domains table names {item and item.get('execution_arn')}, not {run.execution}"
        return None
    if item == previous:
        return None
    if item is not None and item.get("kind") == _kind(workflow) and "claimed_at" in item:
        return None  # a claim whose StartExecution failed: the same request within the claim's time starts it
    return f"a refused submission changed the domains table: {item}"


def consistent(
    local: LocalAws,
    zone_id: str,
    before: dict[tuple[str, str], tuple[str, ...]],
    run: Run,
    workflow: Workflow,
    previous: dict[str, Any] | None,
) -> str | None:
    """What is inconsistent between the zone, the ledger, the SES identity and the domains table (None: nothing)."""
    return (
        _zone_vs_ledger(local, zone_id, before)
        or _identity_is_mailauths(local)
        or _domains_table(local, run, workflow, previous)
    )


def _cleaned_up(local: LocalAws, zone_id: str, before: dict[tuple[str, str], tuple[str, ...]]) -> str | None:
    """After offboarding: the zone as it began, no identity, the ledger empty, the table naming the offboarding."""
    if local.zone_records(zone_id) != before:
        return "offboarding did not restore the zone"
    if DOMAIN in _identities(local):
        return "offboarding left the identity mailauth created"
    ledger = _item(local, "LedgerTable")
    if ledger is not None and (json.loads(ledger.get("records") or "[]") or ledger.get("identity_created")):
        return f"offboarding left the ledger holding {ledger}"
    item = _item(local, "DomainsTable") or {}
    if item.get("kind") != "offboard":
        return f"after offboarding the domains table names {item.get('execution_arn')}"
    return None


def _converges(local: LocalAws, zone_id: str, before: dict[tuple[str, str], tuple[str, ...]]) -> str | None:
    """Faults cleared: onboarding again, then offboarding, end where a fault-free run ends (None), or the problem."""
    again = _run(local, "onboard")
    if again.status != "SUCCEEDED":
        return f"re-run ended {again.status} at {again.ended_at}"
    if len(local.zone_records(zone_id)) != len(before) + 6:
        return "after the re-run the zone does not hold the six records"
    problem = consistent(local, zone_id, before, again, "onboard", None)
    if problem:
        return f"after the re-run: {problem}"
    cleanup = _run(local, "offboard")
    if cleanup.status != "SUCCEEDED":
        return f"offboarding after the re-run ended {cleanup.status} at {cleanup.ended_at}"
    return _cleaned_up(local, zone_id, before)


def run_cell(
    make: Callable[[], LocalAws], workflow: Workflow, operation: str, kind: Kind, *, scope: str | None = "*"
) -> Cell:
    """One cell; ``scope`` is the fault's: ``"*"`` the handlers' calls, ``None`` every call (the state machine's
    own SNS integration included)."""
    cell = Cell(workflow, operation, kind)
    local = make()
    try:
        _prepare(local, workflow)
        zone_id = local.create_hosted_zone(DOMAIN)
        before = local.zone_records(zone_id)
        if workflow == "offboard":
            setup = _run(local, "onboard")
            if setup.status != "SUCCEEDED":
                cell.detail = f"setup onboarding ended {setup.status} at {setup.ended_at}"
                return cell
        previous = _item(local, "DomainsTable")
        fault = _fault(local, operation, kind, scope)
        run = _run(local, workflow)
        cell.calls_failed = fault.hits
        if run.status == "SUCCEEDED":
            cell.outcome = "ok"
        elif run.execution is None and run.api_status is not None and run.api_status >= 500:
            cell.outcome = "failed_notified"  # the caller was told, synchronously: nothing started
        elif run.status == "FAILED" and run.execution is not None and _told(local, run.execution):
            cell.outcome = "failed_notified"
        else:
            cell.detail = f"ended {run.status} at {run.ended_at} and nobody was told"
            return cell
        cell.detail = run.ended_at
        problem = consistent(local, zone_id, before, run, workflow, previous)
        if problem:
            cell.outcome, cell.detail = "bad", f"after the faulted run: {problem}"
            return cell
        local.faults.clear()
        problem = _converges(local, zone_id, before)
        if problem:
            cell.outcome, cell.detail = "bad", problem
        return cell
    except Exception as exc:  # a cell must not stop the matrix; it is bad, with the reason
        cell.outcome, cell.detail = "bad", f"{type(exc).__name__}: {exc}"[:300]
        return cell
    finally:
        local.stop()


def _rows(calls: Iterable[str], tables: dict[str, str]) -> list[str]:
    """``service:Operation`` rows; DynamoDB's per table, by the table's logical ID."""
    out = set()
    for key in calls:
        name, _, table = key.partition("@")
        out.add(f"{name}@{tables.get(table, table)}" if table else name)
    return sorted(out)


def operations(make: Callable[[], LocalAws]) -> dict[Workflow, list[str]]:
    """The operations the handlers call in a fault-free onboarding and offboarding through the API (the matrix's
    rows), DynamoDB's per table; ``wait``: what a fault-free onboarding that parks calls besides those."""
    rows: dict[Workflow, list[str]] = {}
    sandboxes: tuple[tuple[Workflow, ...], ...] = (("onboard", "offboard"), ("wait",))
    for workflows in sandboxes:
        local = make()
        try:
            _prepare(local, workflows[0])
            local.create_hosted_zone(DOMAIN)
            tables = {
                r["Ref"]: logical for logical, r in local.resources.items() if ":table/" in r.get("Arn", "")
            }
            before: Counter[str] = Counter()
            for workflow in workflows:
                _run(local, workflow)
                after = Counter(local.api_calls(tables=True))
                rows[workflow] = _rows((k for k in after if after[k] > before.get(k, 0)), tables)
                before = after
        finally:
            local.stop()
    rows["wait"] = sorted(set(rows["wait"]) - set(rows["onboard"]))
    return rows


def run_matrix(
    make: Callable[[], LocalAws],
    *,
    workflows: Iterable[Workflow] = ("onboard", "offboard", "wait"),
    kinds: Iterable[Kind] = KINDS,
    progress: Callable[[Cell], None] | None = None,
) -> Matrix:
    matrix = Matrix()
    rows = operations(make)
    for workflow in workflows:
        for operation in rows[workflow]:
            for kind in kinds:
                cell = run_cell(make, workflow, operation, kind)
                matrix.cells.append(cell)
                if progress is not None:
                    progress(cell)
    return matrix


def as_json(matrix: Matrix) -> str:
    return json.dumps([c.__dict__ for c in matrix.cells], indent=1)
