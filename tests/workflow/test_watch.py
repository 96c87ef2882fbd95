"""The daily watch (issue 12, item 5): every verified domain is audited again; drift (a record gone or changed, a
weaker DMARC policy, SES no longer SUCCESS) is told once with its fix, again as a reminder, and when it is gone;
with repair_drift, mailauth re-creates its own deleted records and nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from mailauth.aws.dynamodb import Table
from mailauth.aws.sns import Topic
from mailauth.dnscheck import make_resolver
from mailauth.watch import Watch
from mailauth_sandbox import LocalAws, SesBehaviour
from tests.conftest import load_event
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]
DAY = timedelta(hours=24)


def onboard(local: LocalAws, request: dict[str, Any]) -> str:
    response = local.invoke("ApiFunction", {**load_event("api_post_domains"), "body": json.dumps(request)})
    assert response["statusCode"] == 202, response
    arn = str(json.loads(response["body"])["executionArn"])
    assert local.wait(arn, timeout=300)["status"] == "SUCCEEDED", failure(local, arn)
    return arn


def watch(local: LocalAws) -> dict[str, Any]:
    """One invocation of the Watch function, as its schedule makes it: its result, and its AWS calls."""
    invocation = local.run_function("WatchFunction", load_event("watch"))
    assert invocation.error_type is None, invocation.error_message
    return {**invocation.result, "calls": invocation.calls}


def person(local: LocalAws, zone: str, action: str, name: str, rtype: str, *values: str) -> None:
    """A person editing the zone: DELETE (the set as it is) or UPSERT ``values``."""
    ttl, current = local.zone_sets(zone)[(name, rtype)]
    record = {
        "Name": name,
        "Type": rtype,
        "TTL": ttl,
        "ResourceRecords": [{"Value": v} for v in values or current],
    }
    local.client("route53").change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record}]}
    )


def dkim_names(local: LocalAws, zone: str) -> list[str]:
    return sorted(
        name for name, rtype in local.zone_records(zone) if rtype == "CNAME" and "._domainkey." in name
    )


def dkim_deleted(local: LocalAws) -> str:
    """example.com onboarded, then a person deletes its first DKIM CNAME; the zone's ID."""
    zone = local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com"})
    person(local, zone, "DELETE", dkim_names(local, zone)[0], "CNAME")
    return zone


def drift_told(local: LocalAws) -> list[dict[str, Any]]:
    return [n for n in local.notifications() if n["chatbot"]["metadata"]["eventType"] == "mailauth.drift"]


def test_a_domain_as_verified_is_told_nothing_and_costs_one_listing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com"})
    told = len(local.notifications())

    first = watch(local)
    again = watch(local)  # within the same day: the round is done

    assert first["audited"] == 1 and first["drifted"] == 0 and first["told"] == 0 and first["round_finished"]
    assert len(local.notifications()) == told
    assert first["calls"]["sesv2:ListEmailIdentities"] == 1 and first["calls"]["sesv2:GetEmailIdentity"] == 0
    assert again["audited"] == 0 and "is done" in again["stopped"]
    assert not any(k.startswith("sesv2:") for k in again["calls"])


def test_a_deleted_dkim_record_is_told_once_with_its_fix_then_reminded_then_resolved(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    zone = local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com"})
    gone = dkim_names(local, zone)[0]
    ttl, value = local.zone_sets(zone)[(gone, "CNAME")]
    person(local, zone, "DELETE", gone, "CNAME")

    local.clock.advance(DAY.total_seconds())
    result = watch(local)

    assert result["drifted"] == 1 and result["told"] == 1 and result["repaired"] == 0
    [message] = drift_told(local)
    assert "example.com drifted: 1 problem(s)" in message["subject"]
    assert f"create CNAME {gone} {value[0].rstrip('.')}" in message["email"]
    assert "before SES revokes DKIM signing" in message["email"]
    assert (gone, "CNAME") not in local.zone_records(zone)  # repair_drift is off: nothing written
    assert message["chatbot"]["metadata"]["eventType"] == "mailauth.drift"
    assert result["calls"]["sesv2:GetEmailIdentity"] == 1  # DNS drifted: SES's DKIM and MAIL FROM status read
    assert not any(k.startswith("route53:Change") for k in result["calls"])

    local.clock.advance(DAY.total_seconds())
    assert watch(local)["told"] == 0  # the same drift, the next day: not told again
    local.clock.advance(2 * DAY.total_seconds())
    assert watch(local)["told"] == 1  # three days after it was told: a reminder
    assert "(reminder)" in drift_told(local)[-1]["subject"]

    local.add_record(zone, gone, "CNAME", *value, ttl=ttl or 1800)  # the person puts it back
    local.clock.advance(DAY.total_seconds())
    assert watch(local)["told"] == 1
    assert "is as it was verified again" in drift_told(local)[-1]["subject"]


def test_repair_drift_recreates_only_mailauths_own_deleted_records(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone = local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com", "repair_drift": True, "dmarc": {"policy": "reject"}})
    gone = dkim_names(local, zone)[0]
    _, value = local.zone_sets(zone)[(gone, "CNAME")]
    person(local, zone, "DELETE", gone, "CNAME")
    person(local, zone, "UPSERT", "mail.example.com", "MX", "10 inbound.example.net.")  # someone else's MX
    person(local, zone, "UPSERT", "_dmarc.example.com", "TXT", '"v=DMARC1; p=none"')  # a weaker policy
    before = local.zone_records(zone)

    local.clock.advance(DAY.total_seconds())
    result = watch(local)

    assert result["repaired"] == 1 and result["told"] == 1
    after = local.zone_records(zone)
    assert after[(gone, "CNAME")] == before.get((gone, "CNAME"), value) == value  # re-created as it was
    # what someone changed stays as they left it
    assert after[("mail.example.com", "MX")] == ("10 inbound.example.net.",)
    assert after[("_dmarc.example.com", "TXT")] == ('"v=DMARC1; p=none"',)
    assert {k: v for k, v in after.items() if k != (gone, "CNAME")} == before
    [message] = drift_told(local)
    email = message["email"]
    assert "example.com drifted: 2 problem(s)" in message["subject"]
    assert f"Re-created by mailauth (repair_drift is on for this domain):\n  - CNAME {gone}" in email
    assert "the MAIL FROM record MX mail.example.com now serves '10 inbound[.]example[.]net'" in email
    assert "choose another mail_from_subdomain" in email
    assert "p=none" in email and "it was p=reject when SES verified the domain" in email
    ledger = local.client("dynamodb").get_item(
        TableName=local.resources["LedgerTable"]["Ref"], Key={"domain": {"S": "example.com"}}
    )["Item"]
    entries = {f"{e['name']}|{e['type']}": e for e in json.loads(ledger["records"]["S"])}
    assert entries[f"{gone}|CNAME"]["before"] == []  # still mailauth's own: offboarding removes it

    local.clock.advance(DAY.total_seconds())
    assert watch(local)["repaired"] == 0  # it is served again; the two changes someone made are not re-told


def test_a_round_goes_on_where_the_last_invocation_stopped(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    names = [f"d{i}.example.com" for i in range(3)]
    for name in names:
        onboard(local, {"domain": name})

    def direct(budget: Iterator[float]) -> Any:
        return Watch(
            domains=Table(local.table_name, local.client("dynamodb")),
            rounds=Table(local.resources["PaceTable"]["Ref"], local.client("dynamodb")),
            region="us-east-1",
            ses=_ses(local),
            resolver=make_resolver(local.dns_address),
            topic=Topic(local.topic_arn, local.client("sns")),
            time_left=lambda: next(budget),
        ).run()

    first = direct(iter([1000.0, 0.0] + [0.0] * 10))  # time for one domain only
    second = direct(iter([1000.0] * 10))

    assert first.audited == 1 and first.stopped == "out of time" and not first.round_finished
    assert second.audited == 2 and second.round_finished
    assert second.round_started == first.round_started  # the same round, continued
    states = [
        local.client("dynamodb").get_item(TableName=local.table_name, Key={"domain": {"S": n}})["Item"]
        for n in names
    ]
    assert all("watch_state" in s for s in states)


def test_the_schedule_runs_the_watch_while_other_work_goes_on(local_aws_factory: Factory) -> None:
    """The template's hourly schedule fires on the simulated clock: a domain verified earlier is audited while
    another domain waits for SES, and its drift is told then (a round every hour here: the first one began
    before the domain verified)."""
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 3)), parameters={"WatchEveryHours": "1"})
    dkim_deleted(local)

    onboard(local, {"domain": "news.example.com"})  # waits about three hours for SES

    scheduled = [i for i in local.invocations if i.function == "WatchFunction"]
    assert len(scheduled) >= 5 and all(i.error_type is None for i in scheduled)
    [message] = drift_told(local)  # told once, though audited every hour since
    assert "example.com drifted" in message["subject"] and message["at"] is not None


def _ses(local: LocalAws) -> Any:
    from mailauth.aws.ses import Ses

    return Ses(local.client("sesv2"))


def test_a_watch_that_cannot_list_identities_loses_nothing_and_raises_the_alarm(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    dkim_deleted(local)
    local.faults.add("sesv2", "ListEmailIdentities", "AccessDeniedException", times=1, status=403)

    failed = local.run_function("WatchFunction", load_event("watch"))

    # the function fails (its Errors metric raises WatchFailedAlarm), having audited and told nothing
    assert failed.error_type == "WatchIncompleteError" and "did not list the identities" in str(
        failed.error_message
    )
    assert drift_told(local) == []
    result = watch(local)  # the next hour: the same round, from where it was
    assert result["audited"] == 1 and result["told"] == 1 and result["round_finished"]


def test_a_domain_whose_audit_fails_is_counted_and_the_others_are_audited(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone = local.create_hosted_zone("example.com")
    for name in ("a.example.com", "b.example.com"):
        onboard(local, {"domain": name})
    for name in ("a.example.com", "b.example.com"):  # one of each domain's DKIM records
        person(local, zone, "DELETE", next(n for n in dkim_names(local, zone) if n.endswith(name)), "CNAME")
    local.faults.add("sns", "Publish", "AuthorizationError", times=1, status=403)

    failed = local.run_function("WatchFunction", load_event("watch"))

    assert failed.error_type == "WatchIncompleteError" and "1 domain(s) could not be audited" in str(
        failed.error_message
    )
    assert len(drift_told(local)) == 1  # the other domain was told
    local.clock.advance(DAY.total_seconds())
    assert watch(local)["told"] == 1  # the next round tells the one whose message was refused


def test_an_audit_that_public_dns_did_not_answer_tells_nothing(local_aws_factory: Factory) -> None:
    """A drift told, then a round in which public DNS does not answer: the drift is not told gone (nor again)."""
    local = local_aws_factory()
    dkim_deleted(local)
    local.clock.advance(DAY.total_seconds())
    assert watch(local)["told"] == 1

    local.clock.advance(DAY.total_seconds())

    def servfail(
        query: Any,
    ) -> Any:  # the server answers SERVFAIL: the resolver gets no answer (NoNameservers)
        raise RuntimeError("public DNS is down")

    server = local.dns
    assert server is not None
    answer = server.answer
    server.answer = servfail  # type: ignore[method-assign]
    try:
        silent = watch(local)
    finally:
        server.answer = answer  # type: ignore[method-assign]

    assert silent["audited"] == 1 and silent["told"] == 0
    assert len(drift_told(local)) == 1


def test_each_telling_is_also_an_event_on_the_default_bus(local_aws_factory: Factory) -> None:
    """A platform reacts to drift as it does to outcomes: DomainDriftDetected with the findings, then
    DomainDriftResolved, each on the account's default bus (docs/events.md), its detail as the schema says."""
    import jsonschema  # type: ignore[import-untyped]

    from tests.workflow.test_fleet import ROOT, listen, received

    local = local_aws_factory()
    zone = local.create_hosted_zone("example.com")
    url = listen(local)
    arn = onboard(local, {"domain": "example.com"})
    gone = dkim_names(local, zone)[0]
    ttl, value = local.zone_sets(zone)[(gone, "CNAME")]
    person(local, zone, "DELETE", gone, "CNAME")
    local.clock.advance(DAY.total_seconds())
    watch(local)
    local.add_record(zone, gone, "CNAME", *value, ttl=ttl or 1800)
    local.clock.advance(DAY.total_seconds())
    watch(local)

    events = [e for e in received(local, url) if e["detail-type"].startswith("DomainDrift")]

    assert [e["detail-type"] for e in events] == ["DomainDriftDetected", "DomainDriftResolved"]
    detected, resolved = (e["detail"] for e in events)
    schema = json.loads((ROOT / "docs" / "drift-event.schema.json").read_text())
    for event in events:
        jsonschema.validate(event["detail"], schema)
        assert event["source"] == "mailauth"
        assert event["resources"] == ["arn:aws:ses:us-east-1:123456789012:identity/example.com"]
    [finding] = detected["findings"]
    assert (finding["kind"], finding["name"], finding["type"]) == ("record_missing", gone, "CNAME")
    assert gone in finding["fix"] and finding["repaired"] is False
    assert detected["status"] == "DRIFTED" and detected["executionArn"] == arn
    assert detected["subject"] == drift_told(local)[0]["subject"]
    assert resolved["status"] == "RESOLVED" and resolved["findings"] == []


def test_a_drift_event_eventbridge_refuses_raises_the_alarm_and_the_drift_is_not_told_twice(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    dkim_deleted(local)
    local.faults.add(
        "events", "PutEvents", "AccessDeniedException", times=10, status=400, function="WatchFunction"
    )
    local.clock.advance(DAY.total_seconds())

    failed = local.run_function("WatchFunction", load_event("watch"))

    assert failed.error_type == "WatchIncompleteError"
    assert "DomainDriftDetected event was not put on EventBridge (the message was sent)" in str(
        failed.error_message
    )
    assert len(drift_told(local)) == 1  # the person was told
    local.clock.advance(DAY.total_seconds())
    assert watch(local)["told"] == 0  # and is not told the same drift again


def test_the_drift_event_schema_document_is_the_model_s() -> None:
    from mailauth.drift import DriftEvent
    from tests.workflow.test_fleet import ROOT

    assert (
        json.loads((ROOT / "docs" / "drift-event.schema.json").read_text()) == DriftEvent.model_json_schema()
    )
