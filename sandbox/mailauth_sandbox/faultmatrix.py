"""The fault matrix: every AWS operation both workflows make × {transient ×3, persistent, access denied}.

A cell runs one workflow (onboarding a fresh domain, or offboarding one onboarded without faults) with one fault
planned on the handlers' calls of one operation, and judges the end:

* ``ok``: the workflow ended as it does without the fault (Onboarded / Offboarded);
* ``failed_notified``: it ended FAILED and a person was told (a notification of that execution, or an alert on
  the alerts topic naming it);
* ``bad``: anything else: still running, failed without a word, or an inconsistent world afterwards.

Then, faults cleared, the cell checks that the world converges: onboarding again ends Onboarded with the six
records in the zone, and offboarding restores the zone exactly and removes the identity mailauth created. A
cell whose re-run or offboard does not converge is ``bad`` too.

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

Kind = Literal["transient", "persistent", "denied"]
KINDS: tuple[Kind, ...] = ("transient", "persistent", "denied")
Workflow = Literal["onboard", "offboard"]

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
    service, op = operation.split(":", 1)
    if kind == "denied":
        code, status = ACCESS_DENIED.get(service, ("AccessDeniedException", 400))
        times = PERSISTENT_TIMES
    else:
        code, status = THROTTLING.get(service, ("ThrottlingException", 400))
        times = TRANSIENT_TIMES if kind == "transient" else PERSISTENT_TIMES
    return local.faults.add(service, op, code, times=times, status=status, function=scope)


def _run(local: LocalAws, workflow: Workflow, name: str) -> tuple[str, dict[str, Any]]:
    if workflow == "onboard":
        arn = local.start_execution({"request": REQUEST}, name=name)
    else:
        machine = local.resources["OffboardStateMachine"]["Ref"]
        body = {"request": {"domain": DOMAIN, "keep_identity": False}}
        arn = local.start_execution(body, name=name, state_machine_arn=machine)
    return arn, local.wait(arn, timeout=300)


def _told(local: LocalAws, execution: str) -> bool:
    """A notification or an alert about ``execution`` was published."""
    from moto.sns.models import sns_backends

    topics = sns_backends[local.account_id][local.region].topics
    for resource in ("NotificationTopic", "AlertTopic"):
        topic = topics.get(local.resources.get(resource, {}).get("Ref", ""))
        if topic is None:
            continue
        for _id, message, _subject, _attrs, _group in topic.sent_notifications:
            if execution in message or execution.rsplit(":", 1)[-1] in message:
                return True
    return False


def _identities(local: LocalAws) -> list[str]:
    return [i["IdentityName"] for i in local.client("sesv2").list_email_identities()["EmailIdentities"]]


def run_cell(
    make: Callable[[], LocalAws], workflow: Workflow, operation: str, kind: Kind, *, scope: str | None = "*"
) -> Cell:
    """One cell; ``scope`` is the fault's: ``"*"`` the handlers' calls, ``None`` every call (the state machine's
    own SNS integration included)."""
    cell = Cell(workflow, operation, kind)
    local = make()
    try:
        zone_id = local.create_hosted_zone(DOMAIN)
        before = local.zone_records(zone_id)
        if workflow == "offboard":
            arn, result = _run(local, "onboard", "setup")
            if result["status"] != "SUCCEEDED":
                cell.detail = f"setup onboarding ended {result['status']}"
                return cell
        fault = _fault(local, operation, kind, scope)
        arn, result = _run(local, workflow, "faulted")
        cell.calls_failed = fault.hits
        ended = local.states_entered(arn)[-1] if local.states_entered(arn) else ""
        if result["status"] == "SUCCEEDED":
            cell.outcome = "ok"
        elif result["status"] == "FAILED" and _told(local, arn):
            cell.outcome = "failed_notified"
        else:
            cell.detail = f"ended {result['status']} at {ended} and nobody was told"
            return cell
        cell.detail = ended
        local.faults.clear()
        # the world converges: onboarding again, then offboarding, end where a fault-free run ends
        arn, result = _run(local, "onboard", "rerun")
        if result["status"] != "SUCCEEDED":
            cell.outcome, cell.detail = (
                "bad",
                f"re-run ended {result['status']} at {local.states_entered(arn)[-1]}",
            )
            return cell
        if len(local.zone_records(zone_id)) != len(before) + 6:
            cell.outcome, cell.detail = "bad", "after the re-run the zone does not hold the six records"
            return cell
        arn, result = _run(local, "offboard", "cleanup")
        if result["status"] != "SUCCEEDED":
            cell.outcome, cell.detail = "bad", f"offboarding after the re-run ended {result['status']}"
            return cell
        if local.zone_records(zone_id) != before:
            cell.outcome, cell.detail = "bad", "offboarding did not restore the zone"
            return cell
        if DOMAIN in _identities(local):
            cell.outcome, cell.detail = "bad", "offboarding left the identity mailauth created"
            return cell
        return cell
    except Exception as exc:  # a cell must not stop the matrix; it is bad, with the reason
        cell.outcome, cell.detail = "bad", f"{type(exc).__name__}: {exc}"[:300]
        return cell
    finally:
        local.stop()


def operations(make: Callable[[], LocalAws]) -> dict[Workflow, list[str]]:
    """The operations the handlers call in a fault-free onboarding and offboarding (the matrix's rows)."""
    local = make()
    try:
        local.create_hosted_zone(DOMAIN)
        _run(local, "onboard", "probe")
        onboard = sorted(local.api_calls())
        before = Counter(local.api_calls())
        _run(local, "offboard", "probe-off")
        after = Counter(local.api_calls())
        offboard = sorted(k for k in after if after[k] > before.get(k, 0))
        return {"onboard": onboard, "offboard": offboard}
    finally:
        local.stop()


def run_matrix(
    make: Callable[[], LocalAws],
    *,
    workflows: Iterable[Workflow] = ("onboard", "offboard"),
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
