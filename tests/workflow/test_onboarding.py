"""The real statemachine/onboard_domain.asl.json, run by moto's interpreter with the real handlers in-process.

Each test asserts on the execution history (which states ran), on the zone's records, and on what was notified,
not only on the final status. Waits run on the sandbox's simulated clock.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mailauth_sandbox import LocalAws, SesBehaviour
from tests.conftest import load_event
from tests.workflow.helpers import failure, last_input, notifications, output, results, zone_records

HAPPY_STATES = [
    "Admission",
    "Resolve",
    "EnsureIdentity",
    "PublishRecords",
    "PublishedWhere",
    "AwaitChange",
    "CheckVerification",
    "VerificationDecision",
    "BuildReport",
    "Notify",
    "PutOutcomeEvent",
    "OutcomeDecision",
    "Onboarded",
]
Factory = Callable[..., LocalAws]


def run(local: LocalAws, request: dict[str, Any], name: str = "run-1") -> tuple[str, dict[str, Any]]:
    arn = local.start_execution({"request": request}, name=name)
    # a safety net, not a speed target: a 48-hour wait is ~600 schedule ticks and ~100 checks of real work, which a
    # loaded 2-core machine needs more than two minutes for
    return arn, local.wait(arn, timeout=600)


def ses_identity(local: LocalAws, domain: str) -> dict[str, Any]:
    return local.client("sesv2").get_email_identity(EmailIdentity=domain)


def test_happy_path(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    before = zone_records(local, zone_id)

    arn, result = run(
        local, {"domain": "Example.COM.", "dmarc": {"policy": "quarantine", "rua": ["d@example.com"]}}
    )

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.states_entered(arn) == HAPPY_STATES
    assert local.transitions(arn) <= 20
    identity = ses_identity(local, "example.com")
    tokens = identity["DkimAttributes"]["Tokens"]
    assert identity["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert identity["MailFromAttributes"]["MailFromDomain"] == "mail.example.com"
    assert {t["Key"] for t in identity["Tags"]} == {"mailauth:managed-by"}
    added = {k: v for k, v in zone_records(local, zone_id).items() if k not in before}
    assert added == {
        **{(f"{t}._domainkey.example.com", "CNAME"): (f"{t}.dkim.amazonses.com",) for t in tokens},
        ("_dmarc.example.com", "TXT"): ('"v=DMARC1; p=quarantine; rua=mailto:d@example.com"',),
        ("mail.example.com", "MX"): ("10 feedback-smtp.us-east-1.amazonses.com",),
        ("mail.example.com", "TXT"): ('"v=spf1 include:amazonses.com ~all"',),
    }
    final = output(result)
    assert final["verification"]["outcome"] == "verified"
    assert all(check["ok"] for check in final["verification"]["dns"])
    [message] = notifications(local)
    assert message["attributes"]["outcome"]["Value"] == "success"
    assert "example.com" in message["subject"]
    # the fewest calls that do the job: everything but the verification polls (each poll: its SES slot and
    # GetEmailIdentity)
    calls = local.api_calls(tables=True) - local.api_calls("CheckVerificationFunction", tables=True)
    assert sum(calls.values()) <= 20, calls
    assert calls[f"dynamodb:UpdateItem@{local.table_name}"] == 1  # the outcome kept for GET /domains
    # SES's slots (mailauth.pace), one write each: Resolve books its call, EnsureIdentity its three at once, the
    # report its one
    pace = local.resources["PaceTable"]["Ref"]
    assert calls[f"dynamodb:UpdateItem@{pace}"] == 3
    # the account's status: read once when the identity is set up, again at the report only when it was not ok
    assert calls["sesv2:GetAccount"] == 1
    assert calls["route53:ChangeResourceRecordSets"] == 1


def test_verification_after_several_polls_backs_off(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 3)))
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    checks = results(local, "CheckVerificationFunction")
    assert [c["outcome"] for c in checks][-1] == "verified"
    assert len(checks) >= 5
    waits = [c["next_wait_seconds"] for c in checks[:-1]]
    assert 48 <= waits[0] <= 60  # about a minute first
    assert all(b > a for a, b in itertools.pairwise(waits[:4]))  # then doubling (with jitter)
    assert max(waits) <= 1800
    assert local.states_entered(arn).count("WaitForVerification") == len(checks) - 1
    assert timedelta(hours=3) <= local.clock.elapsed() < timedelta(hours=4)


def test_timeout_at_the_deadline(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(verify="never"))
    zone_id = local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com", "max_wait_hours": 48})

    assert result["status"] == "FAILED"
    assert failure(local, arn)["error"] == "VerificationTimedOut"
    states = local.states_entered(arn)
    assert states[-5:] == [
        "BuildReport",
        "Notify",
        "PutOutcomeEvent",
        "OutcomeDecision",
        "VerificationTimedOut",
    ]
    assert local.transitions(arn) <= 400
    last = results(local, "CheckVerificationFunction")[-1]
    assert last["outcome"] == "timeout"
    # the last check lands at the deadline, not a poll interval past it
    assert timedelta(hours=48) <= local.clock.elapsed() < timedelta(hours=48, minutes=2)
    [message] = notifications(local)
    assert message["attributes"]["outcome"]["Value"] == "timeout"
    assert (
        "48" in message["subject"] or "timed out" in message["subject"].lower() or "NOT" in message["subject"]
    )
    assert len(zone_records(local, zone_id)) == 2 + 6  # NS, SOA and the six record sets mailauth added


def test_a_conflict_changes_nothing_and_says_why(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "mail.example.com.", "MX", "10 inbound.mailhost.example.")
    before = zone_records(local, zone_id)

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    assert failure(local, arn)["error"] == "OnboardingFailed"
    # Found by Resolve's plan, before any step that writes: no SES identity, no change batch, no ledger entry.
    assert local.states_entered(arn) == [
        "Admission",
        "Resolve",
        "Notify",
        "PutOutcomeEvent",
        "OutcomeDecision",
        "OnboardingFailed",
    ]
    pace = "dynamodb:UpdateItem@" + local.resources["PaceTable"]["Ref"]  # SES's slot for Resolve's lookup
    writes = {
        call
        for call in local.api_calls(tables=True)
        if not call.split(":")[1].startswith(("Get", "List")) and call not in ("sns:Publish", pace)
    }
    assert writes == {
        "dynamodb:UpdateItem@" + local.resources["DomainsTable"]["Ref"]
    }  # the outcome, for the list
    assert local.client("sesv2").list_email_identities()["EmailIdentities"] == []
    assert zone_records(local, zone_id) == before
    error = last_input(local, "NotifyFunction")["state"]["error"]
    assert error["Error"] == "RecordConflictError"
    assert "mail.example.com" in error["Cause"] and "must not receive" in error["Cause"]
    assert "nothing was changed" in error["Cause"]
    [message] = notifications(local)
    assert message["attributes"]["outcome"]["Value"] == "failure"
    assert "inbound.mailhost.example" in message["email"]


def test_a_conflict_that_appears_after_the_plan_says_what_was_created(local_aws_factory: Factory) -> None:
    """Someone adds a record between Resolve's plan and PublishRecords: the identity exists by then, and the
    person is told so (not "nothing was changed"); the zone stays as they left it."""
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.before_invocation(
        "PublishRecordsFunction",
        lambda _event: local.add_record(zone_id, "mail.example.com.", "MX", "10 inbound.mailhost.example."),
    )

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    assert local.states_entered(arn)[:5] == [
        "Admission",
        "Resolve",
        "EnsureIdentity",
        "PublishRecords",
        "Notify",
    ]
    error = last_input(local, "NotifyFunction")["state"]["error"]
    assert error["Error"] == "RecordConflictError"
    assert "nothing was changed" not in error["Cause"]
    assert "no DNS record was changed" in error["Cause"]
    assert "SES identity example.com was created" in error["Cause"]
    assert {r[1] for r in zone_records(local, zone_id)} == {"NS", "SOA", "MX"}
    [message] = notifications(local)
    assert "SES identity: arn:aws:ses:us-east-1:123456789012:identity/example.com created" in message["email"]


@pytest.mark.parametrize("domain", ["co.uk", "user@example.com", "*.example.com", ""])
def test_an_invalid_domain_is_refused_and_notified(local_aws_factory: Factory, domain: str) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": domain})

    assert result["status"] == "FAILED"
    assert local.states_entered(arn) == [
        "Admission",
        "Resolve",
        "Notify",
        "PutOutcomeEvent",
        "OutcomeDecision",
        "OnboardingFailed",
    ]
    error = last_input(local, "NotifyFunction")["state"]["error"]
    assert error["Error"] == "InvalidRequestError"
    assert "domain" in error["Cause"]
    calls = local.api_calls()
    # Notify may offer the outcome to the domains table, which holds no item of this run: nothing is written
    assert calls.pop("dynamodb:UpdateItem", 0) <= 1
    assert calls == {"sns:Publish": 1}  # nothing created, nothing changed
    assert local.client("dynamodb").scan(TableName=local.resources["DomainsTable"]["Ref"])["Items"] == []
    assert notifications(local)[0]["attributes"]["outcome"]["Value"] == "failure"


def test_dkim_failure_restarts_once_with_new_tokens(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(dkim_fail_once=True))
    zone_id = local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    states = local.states_entered(arn)
    assert states.count("RestartDkim") == 1
    assert states.count("PublishRecords") == 2
    first, second = (i.result for i in local.invocations if i.function == "EnsureIdentityFunction")
    assert set(first["dkim_tokens"]).isdisjoint(second["dkim_tokens"])
    records = zone_records(local, zone_id)
    dkim_names = {name for name, rtype in records if rtype == "CNAME"}
    assert dkim_names == {f"{t}._domainkey.example.com" for t in second["dkim_tokens"]}  # old ones retired
    assert output(result)["identity"]["dkim_restarts"] == 1


def test_dkim_failing_twice_fails_with_a_diagnosis(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(dkim_failures=2))
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    assert failure(local, arn)["error"] == "OnboardingFailed"
    states = local.states_entered(arn)
    assert states.count("RestartDkim") == 1  # restarted once, not forever
    assert states[-5:] == ["BuildReport", "Notify", "PutOutcomeEvent", "OutcomeDecision", "OnboardingFailed"]
    assert results(local, "CheckVerificationFunction")[-1]["outcome"] == "failed"
    [message] = notifications(local)
    assert message["attributes"]["outcome"]["Value"] == "failure"
    assert "DKIM" in message["email"]


def test_undelegated_zone_is_warned_early_and_diagnosed_at_the_end(local_aws_factory: Factory) -> None:
    local = local_aws_factory(undelegated_zones=["example.com"])
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com", "max_wait_hours": 2})

    assert result["status"] == "FAILED"
    assert failure(local, arn)["error"] == "VerificationTimedOut"
    zone = results(local, "ResolveFunction")[0]["zone"]
    assert zone["delegation"] == "undelegated"
    assert "not delegated" in zone["warnings"][0]
    last = results(local, "CheckVerificationFunction")[-1]
    assert any("not delegated" in line for line in last["diagnosis"])
    early, final = notifications(local)  # warned before the wait, diagnosed after it
    assert early["attributes"]["outcome"]["Value"] == "warning" and "not delegated" in early["email"]
    assert local.states_entered(arn).index("WarnEarly") < local.states_entered(arn).index("CheckVerification")
    assert final["attributes"]["outcome"]["Value"] == "timeout" and "not delegated" in final["email"]


def test_private_zone_only_is_refused(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("corp.example", private=True)

    _, result = run(local, {"domain": "corp.example"})

    assert result["status"] == "FAILED"
    error = last_input(local, "NotifyFunction")["state"]["error"]
    assert error["Error"] == "PrivateZoneOnlyError"
    assert "private" in error["Cause"]
    assert "sesv2:CreateEmailIdentity" not in local.api_calls()


def test_short_throttling_is_absorbed_by_the_sdk_retries(local_aws_factory: Factory) -> None:
    # Faults fail single HTTP attempts beneath botocore's retry handler: the clients' adaptive mode (6 attempts)
    # retries them as it would AWS's, so no handler ever sees them.
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.faults.add("route53", "ChangeResourceRecordSets", "Throttling", times=2)
    local.faults.add("sesv2", "CreateEmailIdentity", "TooManyRequestsException", times=1, status=429)
    local.faults.add("route53", "GetChange", "PriorRequestNotComplete", times=1)

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.faults.pending() == []
    assert [
        i.error_type for i in local.invocations if i.error_type != "ChangeNotInSyncError" and not i.ok
    ] == []
    assert len([k for k in zone_records(local, zone_id) if k[1] == "CNAME"]) == 3  # nothing duplicated


def test_long_throttling_reaches_the_state_machine_retries(local_aws_factory: Factory) -> None:
    # 7 throttles in a row outlast the SDK's 6 attempts (max_attempts 5 = 5 retries): the step fails with
    # AwsThrottledError and the state machine's Retry runs it again, whose SDK retries absorb the last one.
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.faults.add("sesv2", "CreateEmailIdentity", "TooManyRequestsException", times=7, status=429)
    local.faults.add("route53", "ChangeResourceRecordSets", "Throttling", times=6)

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.faults.pending() == []
    errors = [i.error_type for i in local.invocations if not i.ok and i.error_type != "ChangeNotInSyncError"]
    assert errors == ["AwsThrottledError", "AwsThrottledError"]
    assert output(result)["identity"]["adopted"] is False  # the retried create did not turn into an adoption
    assert len([k for k in zone_records(local, zone_id) if k[1] == "CNAME"]) == 3  # nothing duplicated


def test_rerun_after_success_changes_nothing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    request = load_event("workflow_input")["request"]
    run(local, request, name="first")
    before = zone_records(local, zone_id)

    arn, result = run(local, request, name="second")

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert zone_records(local, zone_id) == before
    publish = output(result)["publish"]
    assert publish["changes"] == [] and len(publish["kept"]) == 6
    # the first run created the identity (its creation-time tag says so): a re-run does not "adopt" it
    assert output(result)["identity"]["adopted"] is False


def test_an_internationalised_domain_is_onboarded_as_punycode(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("xn--bcher-kva.example")

    arn, result = run(local, {"domain": "Bücher.Example."})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert output(result)["request"]["domain"] == "xn--bcher-kva.example"
    names = {name for name, _ in zone_records(local, zone_id)}
    assert "_dmarc.xn--bcher-kva.example" in names and "mail.xn--bcher-kva.example" in names
    assert ses_identity(local, "xn--bcher-kva.example")["VerifiedForSendingStatus"] is True


@pytest.mark.parametrize("error", ["Lambda.Unknown", "Sandbox.Timedout"])
@pytest.mark.parametrize("function", ["CheckVerificationFunction", "PublishRecordsFunction"])
def test_a_step_that_times_out_once_is_retried_and_the_run_converges(
    local_aws_factory: Factory, error: str, function: str
) -> None:
    # One slow DNS lookup must not end a 48-hour wait. The step ran (its side effects happened) and its answer
    # was lost: the retry must converge, not duplicate.
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.fail_invocations(function, error_type=error, times=1, ran=True)

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert len([k for k in zone_records(local, zone_id) if k[1] == "CNAME"]) == 3
    failed = [e for e in local.history(arn) if e["type"] == "LambdaFunctionFailed"]
    errors = [e["lambdaFunctionFailedEventDetails"]["error"] for e in failed]
    assert [e for e in errors if e != "ChangeNotInSyncError"] == [error]  # retried once, then it worked


@pytest.mark.parametrize("kind", ["step error", "Lambda timeouts"])
def test_a_verification_step_that_keeps_failing_reaches_notify(local_aws_factory: Factory, kind: str) -> None:
    """The README's promise for every step, here for the one inside the wait loop: its failure is told."""
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    if kind == "step error":
        local.faults.add(
            "sesv2",
            "GetEmailIdentity",
            "AccessDeniedException",
            times=1000,
            status=403,
            function="CheckVerificationFunction",
        )
    else:
        local.fail_invocations(
            "CheckVerificationFunction", error_type="Sandbox.Timedout", times=1000, ran=False
        )

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    states = local.states_entered(arn)
    assert states[-5:] == [
        "CheckVerification",
        "Notify",
        "PutOutcomeEvent",
        "OutcomeDecision",
        "OnboardingFailed",
    ], states
    [final] = local.notifications()
    assert final["attributes"]["outcome"]["Value"] == "failure"
    if kind == "step error":
        assert "AWS refused mailauth the permission to call GetEmailIdentity" in final["email"]
    else:
        assert "Sandbox.Timedout" in final["email"]


def test_the_ledger_is_written_before_the_change_batch(local_aws_factory: Factory) -> None:
    """Write-ahead: when Route 53 receives the batch, the ledger already names every record set in it, so a crash
    between the two can never leave a record of mailauth's that offboarding does not know."""
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    table = local.resources["LedgerTable"]["Ref"]
    unknown_at_change: list[set[tuple[str, str]]] = []

    def at_change(function: str, params: dict[str, Any]) -> None:
        if function != "PublishRecordsFunction":
            return
        item = (
            local.client("dynamodb")
            .get_item(TableName=table, Key={"domain": {"S": "example.com"}})
            .get("Item")
        )
        known = (
            {(e["name"].rstrip("."), e["type"]) for e in json.loads(item["records"]["S"])} if item else set()
        )
        batch = {
            (c["ResourceRecordSet"]["Name"].rstrip("."), c["ResourceRecordSet"]["Type"])
            for c in params["ChangeBatch"]["Changes"]
        }
        unknown_at_change.append(batch - known)

    local.on_call("route53:ChangeResourceRecordSets", at_change)

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert unknown_at_change == [set()]  # one batch, and the ledger knew all six sets before it went


def test_a_ledger_written_by_another_run_meanwhile_is_read_again(local_aws_factory: Factory) -> None:
    """Optimistic locking: another run writes the ledger between PublishRecords' read and its write. The write is
    refused (LedgerConflictError, not a throttle), the step is retried, reads the ledger again and converges."""
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    table = local.resources["LedgerTable"]["Ref"]
    raced: list[str] = []

    def another_run_writes_first(function: str, params: dict[str, Any]) -> None:
        if function != "PublishRecordsFunction" or params.get("TableName") != table or raced:
            return
        raced.append(function)
        local.client("dynamodb").put_item(
            TableName=table,
            Item={
                "domain": {"S": "example.com"},
                "records": {"S": "[]"},
                "identity_created": {"BOOL": False},
                "version": {"N": "1"},
            },
        )

    local.on_call("dynamodb:PutItem", another_run_writes_first)

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    failed = [
        e["lambdaFunctionFailedEventDetails"]
        for e in local.history(arn)
        if e["type"] == "LambdaFunctionFailed"
    ]
    assert [f["error"] for f in failed if f["error"] != "ChangeNotInSyncError"] == ["LedgerConflictError"]
    assert "changed while this step updated it" in failed[0]["cause"]
    assert len(zone_records(local, zone_id)) == 2 + 6  # apex NS and SOA, and each record once


def test_a_notification_that_cannot_be_sent_reaches_the_alert_topic(local_aws_factory: Factory) -> None:
    """The notification topic's KMS key is disabled: Notify fails, and the alerts topic (no key, no Lambda in
    between) tells the operator which execution went unreported."""
    from moto.sns.models import sns_backends

    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    local.faults.add("sns", "Publish", "KMSDisabled", times=1, message="Key is disabled")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    assert local.states_entered(arn)[-3:] == ["Notify", "AlertOperator", "NotificationFailed"]
    assert local.notifications() == []
    alert_topic = local.resources["AlertTopic"]["Ref"]
    sent = sns_backends[local.account_id][local.region].topics[alert_topic].sent_notifications
    [(_id, message, subject, _attributes, _group)] = sent
    assert subject == "mailauth: a notification could not be sent"
    assert arn in message
    assert "(KMSDisabledException)" in message  # the error Notify failed with, as Step Functions names it


def test_a_record_created_by_someone_else_while_publishing_is_planned_again(
    local_aws_factory: Factory,
) -> None:
    """Another domain's onboarding creates the MAIL FROM MX the two share between PublishRecords' read and its
    batch: Route 53 refuses the batch (the CREATE meets the set), nothing is changed, and PublishRecords plans
    again: the MX is exactly what it wanted, so it is kept (not domain_ledger), the rest is created."""
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    original = local.gate.on_before_call
    raced: list[str] = []

    def on_before_call(service: str, operation: str, params: dict[str, Any], context: dict[str, Any]) -> Any:
        if (
            operation == "ChangeResourceRecordSets"
            and not raced
            and local.invoker.tls.function == "PublishRecordsFunction"
        ):
            raced.append(operation)
            local.invoker.tls.function = None  # the other run's write, not this handler's
            try:
                local.add_record(
                    zone_id, "mail.example.com.", "MX", "10 feedback-smtp.us-east-1.amazonses.com"
                )
            finally:
                local.invoker.tls.function = "PublishRecordsFunction"
        return original(service, operation, params, context)

    local.gate.on_before_call = on_before_call  # type: ignore[method-assign]

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert raced
    assert local.api_calls("PublishRecordsFunction")["route53:ChangeResourceRecordSets"] == 2
    published = output(result)["publish"]
    assert {(k["record"]["type"], k["record"]["name"]) for k in published["kept"]} >= {
        ("MX", "mail.example.com")
    }
    assert "MX" not in {c["record"]["type"] for c in published["changes"]}
    assert len(zone_records(local, zone_id)) == 2 + 6
