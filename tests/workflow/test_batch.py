"""Bulk submission (issue 12, item 4): ``POST /domains`` with a list starts one execution per domain, each with
its own idempotency; bulk executions are admitted on the account's SES timeline one after another; the batch's
progress is listed by name."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mailauth import pace
from mailauth_sandbox import LocalAws
from tests.conftest import load_event
from tests.handlers.test_api_and_triggers import post
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]


def listed(local: LocalAws, **query: str) -> tuple[int, dict[str, Any]]:
    event = load_event("api_list_domains")
    event.update(
        queryStringParameters=query, multiValueQueryStringParameters={k: [v] for k, v in query.items()}
    )
    response = local.invoke("ApiFunction", event)
    return response["statusCode"], json.loads(response["body"])


def executions(local: LocalAws) -> list[dict[str, Any]]:
    found = local.client("stepfunctions").list_executions(stateMachineArn=local.state_machine_arn)
    return list(found["executions"])


def resolve_started(local: LocalAws, arn: str) -> datetime:
    """When the execution's first step (Resolve) ran, on the simulated clock: after its admission wait."""
    times = [
        i.started_at for i in local.invocations if i.execution == arn and i.function == "ResolveFunction"
    ]
    assert times and all(t is not None for t in times), f"{arn} never ran Resolve"
    return min(t for t in times if t is not None)


def test_the_sample_batch_starts_each_domain_admitted_one_after_another(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")

    response = local.invoke("ApiFunction", load_event("api_post_domains_batch"))

    assert response["statusCode"] == 202
    answer = json.loads(response["body"])
    assert answer["batch"] == "spring-brands" and answer["counts"] == {"STARTED": 3}
    rows = {row["domain"]: row for row in answer["domains"]}
    assert list(rows) == ["brand-one.example.com", "brand-two.example.com", "brand-three.example.com"]
    sfn = local.client("stepfunctions")
    for row in rows.values():
        assert local.wait(row["executionArn"], timeout=300)["status"] == "SUCCEEDED", failure(
            local, row["executionArn"]
        )
    inputs = {
        d: json.loads(sfn.describe_execution(executionArn=r["executionArn"])["input"])
        for d, r in rows.items()
    }
    # the defaults are every domain's, a domain's own fields win, and a batch is bulk work
    assert inputs["brand-one.example.com"]["request"]["dmarc"]["policy"] == "quarantine"
    assert inputs["brand-three.example.com"]["request"]["dmarc"]["policy"] == "reject"
    assert {i["request"]["priority"] for i in inputs.values()} == {"bulk"}
    # the first starts at once; each next one waits its turn, one onboarding's SES calls later
    assert (
        rows["brand-one.example.com"]["notBefore"] is None
        and "not_before" not in inputs["brand-one.example.com"]
    )
    assert local.states_entered(rows["brand-one.example.com"]["executionArn"])[:2] == ["Admission", "Resolve"]
    assert local.states_entered(rows["brand-two.example.com"]["executionArn"])[:3] == [
        "Admission",
        "WaitForTurn",
        "Resolve",
    ]
    starts = [resolve_started(local, r["executionArn"]) for r in rows.values()]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert all(pace.ADMIT_SECONDS - 1 <= gap <= pace.ADMIT_SECONDS + 1 for gap in gaps), gaps
    assert inputs["brand-two.example.com"]["not_before"] == rows["brand-two.example.com"]["notBefore"]


def test_a_batch_sent_again_starts_nothing_twice_and_books_no_new_turns(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    body = {"domains": ["a.example.com", "b.example.com"]}
    status, first = post(local, body)
    assert status == 202
    turns = local.client("dynamodb").get_item(
        TableName=local.resources["PaceTable"]["Ref"], Key={"bucket": {"S": "admit#us-east-1"}}
    )["Item"]

    status, again = post(local, body)  # a client's retry after a timeout

    assert status == 202 and again["batch"] == first["batch"]  # the name derived from the content
    assert [r["status"] for r in again["domains"]] == ["ALREADY_RUNNING", "ALREADY_RUNNING"]
    assert [r["executionArn"] for r in again["domains"]] == [r["executionArn"] for r in first["domains"]]
    assert len(executions(local)) == 2
    after = local.client("dynamodb").get_item(
        TableName=local.resources["PaceTable"]["Ref"], Key={"bucket": {"S": "admit#us-east-1"}}
    )["Item"]
    assert after == turns


def test_one_bad_domain_refuses_the_batch_naming_it_and_starts_nothing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")

    status, body = post(
        local,
        {
            "domains": ["a.example.com", {"domain": "b.example.com", "dmarc": {"policy": "weak"}}, "com"],
            "defaults": {"max_wait_hours": 100},
        },
    )

    assert status == 400
    problems = body["errors"]
    assert any(p.startswith("defaults: max_wait_hours:") for p in problems), problems
    assert any(p.startswith("domains.1.dmarc.policy:") for p in problems), problems
    assert any(p.startswith("domains.2.domain:") and "public suffix" in p for p in problems), problems
    assert len(problems) == 3  # the bad default is told once, not once per domain
    assert executions(local) == []


def test_a_batch_over_the_limit_or_with_a_domain_twice_is_400(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    many = [f"d{i}.example.com" for i in range(101)]
    status, body = post(local, {"domains": many})
    assert status == 400 and "domains: Tuple should have at most 100 items" in body["message"]
    status, body = post(local, {"domains": ["a.example.com", "A.example.com."]})
    assert status == 400 and "listed more than once: a.example.com" in body["message"]
    status, body = post(local, {"domains": ["a.example.com"], "defaults": {"domain": "b.example.com"}})
    assert status == 400 and "unknown field(s) 'domain'" in body["message"]
    status, body = post(local, {"domains": ["a.example.com"], "batch": "no spaces"})
    assert status == 400 and body["errors"][0].startswith("batch:")
    # the deployment's allow-list (AllowedMailFromLabels), judged for the whole batch first
    status, body = post(
        local, {"domains": ["a.example.com", {"domain": "b.example.com", "mail_from_subdomain": "x"}]}
    )
    assert status == 400 and body["errors"] == [
        "domains.1: mail_from_subdomain 'x' is not allowed by this deployment (AllowedMailFromLabels: mail); "
        "use one of those, or redeploy with 'x' added"
    ]
    assert executions(local) == []


def test_a_domain_running_another_request_is_a_conflict_and_the_others_start(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    status, _ = post(local, {"domain": "busy.example.com"})  # interactive, running
    assert status == 202

    status, body = post(local, {"domains": ["busy.example.com", "free.example.com"], "batch": "b1"})

    assert status == 207
    rows = {r["domain"]: r for r in body["domains"]}
    assert (
        rows["busy.example.com"]["status"] == "CONFLICT"
        and "is running" in rows["busy.example.com"]["message"]
    )
    assert rows["free.example.com"]["status"] == "STARTED"
    assert body["counts"] == {"CONFLICT": 1, "STARTED": 1}


def test_the_batch_is_listed_by_name_page_by_page(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    names = [f"d{i}.example.com" for i in range(5)]
    assert post(local, {"domains": names, "batch": "spring"})[0] == 202
    assert post(local, {"domains": ["other.example.com"], "batch": "autumn"})[0] == 202
    assert post(local, {"domain": "single.example.com"})[0] == 202

    seen: list[str] = []
    token = None
    while True:
        status, page = listed(local, batch="spring", limit="2", **({"nextToken": token} if token else {}))
        assert status == 200, page
        assert {row["batch"] for row in page["domains"]} <= {"spring"}
        seen += [row["domain"] for row in page["domains"]]
        token = page["nextToken"]
        if token is None:
            break
    assert sorted(seen) == names
    assert [r["domain"] for r in listed(local, batch="autumn")[1]["domains"]] == ["other.example.com"]
    # a token is good for the list it came from only
    _, page = listed(local, batch="spring", limit="2")
    status, body = listed(local, batch="autumn", nextToken=page["nextToken"])
    assert status == 400 and "nextToken" in body["message"]
    assert listed(local, batch="bad name!")[0] == 400


def test_a_batch_reads_the_account_s_status_once_and_a_single_domain_reads_its_own(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    status, answer = post(local, {"domains": ["a.example.com", "b.example.com", "c.example.com"]})
    assert status == 202
    for row in answer["domains"]:
        assert local.wait(row["executionArn"], timeout=300)["status"] == "SUCCEEDED"
    pace_table = local.resources["PaceTable"]["Ref"]

    calls = local.api_calls(tables=True)
    assert calls["sesv2:GetAccount"] == 1 and calls["sesv2:CreateEmailIdentity"] == 3
    assert calls[f"dynamodb:GetItem@{pace_table}"] == 3 and calls[f"dynamodb:PutItem@{pace_table}"] == 1
    # every domain's early warnings and report still know the account (the sandbox's account is in production)
    for inv in local.invocations:
        if inv.function == "EnsureIdentityFunction":
            assert inv.result["account"]["production_access"] is True

    status, single = post(local, {"domain": "single.example.com"})
    assert local.wait(single["executionArn"], timeout=300)["status"] == "SUCCEEDED"
    after = local.api_calls(tables=True)
    assert after["sesv2:GetAccount"] == 2  # interactive: read by itself, not through the table
    assert after[f"dynamodb:GetItem@{pace_table}"] == 3


def test_bulk_onboard_domain_events_are_admitted_like_a_batch(local_aws_factory: Factory) -> None:
    """A platform that sends one OnboardDomain event per customer domain, marked bulk, gets the same spacing."""
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    arns = []
    for name in ("one", "two"):
        event = load_event("trigger_onboard_domain")
        event["detail"] = {"domain": f"{name}.example.com", "priority": "bulk"}
        arns.append(local.invoke("TriggerFunction", event)["executionArn"])

    sfn = local.client("stepfunctions")
    inputs = [json.loads(sfn.describe_execution(executionArn=arn)["input"]) for arn in arns]
    assert "not_before" not in inputs[0] and "not_before" in inputs[1]
    for arn in arns:
        assert local.wait(arn, timeout=300)["status"] == "SUCCEEDED", failure(local, arn)
    assert local.states_entered(arns[1])[:3] == ["Admission", "WaitForTurn", "Resolve"]


def test_a_domain_whose_start_failed_is_not_started_and_the_same_batch_again_starts_only_it(
    local_aws_factory: Factory,
) -> None:
    """Step Functions refuses one domain's start (access denied, for good): the batch answers 207, that domain
    NOT_STARTED with the error and what to do, the others started; nothing of that domain is left claimed, so
    the same batch sent again starts it and only it."""
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    body = {"domains": ["a.example.com", "b.example.com", "c.example.com"]}
    # the second StartExecution (b.example.com) is refused, with its SDK retries
    local.faults.add(
        "stepfunctions", "StartExecution", "AccessDeniedException", times=1, skip=1, function="ApiFunction"
    )

    status, first = post(local, body)

    assert status == 207
    rows = {r["domain"]: r for r in first["domains"]}
    assert rows["b.example.com"]["status"] == "NOT_STARTED"
    assert rows["b.example.com"]["error"] == "AccessDeniedException"
    assert "submit the batch again" in rows["b.example.com"]["message"]
    assert first["counts"] == {"STARTED": 2, "NOT_STARTED": 1}
    assert len(executions(local)) == 2

    status, again = post(local, body)

    assert status == 202, again
    assert [r["status"] for r in again["domains"]] == ["ALREADY_RUNNING", "STARTED", "ALREADY_RUNNING"]
    assert len(executions(local)) == 3
    for row in again["domains"]:
        assert local.wait(row["executionArn"], timeout=300)["status"] == "SUCCEEDED", failure(
            local, row["executionArn"]
        )
