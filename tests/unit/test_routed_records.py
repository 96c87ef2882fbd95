"""Zones as people have them: routed, alias and wildcard record sets read through the Route 53 adapter."""

from __future__ import annotations

from mailauth import records
from mailauth.aws.route53 import Route53
from mailauth.models import IdentityInfo
from mailauth.request import OnboardRequest
from mailauth.wanted import record_names
from mailauth_sandbox import LocalAws

IDENTITY = IdentityInfo(
    domain="example.com",
    identity_arn="arn:aws:ses:us-east-1:123456789012:identity/example.com",
    region="us-east-1",
    adopted=False,
    dkim_tokens=("tok1", "tok2", "tok3"),
    signing_hosted_zone="dkim.amazonses.com",
    mail_from_domain="mail.example.com",
)


def test_a_weighted_set_and_a_wildcard_are_read_and_planned_without_a_crash(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone("example.com")
    route53 = bare_aws.client("route53")
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "mail.example.com.",
                        "Type": "TXT",
                        "SetIdentifier": identifier,
                        "Weight": weight,
                        "TTL": 300,
                        "ResourceRecords": [{"Value": f'"v=spf1 ip4:192.0.2.{weight} -all"'}],
                    },
                }
                for identifier, weight in (("blue", 1), ("green", 2))
            ]
        },
    )
    bare_aws.add_record(zone, "*.example.com", "TXT", '"catch-all"')
    request = OnboardRequest(domain="example.com")

    existing = Route53(client=route53).records_at(zone, record_names(request, IDENTITY))

    routed = sorted(s.routing or "" for s in existing["mail.example.com"])
    assert routed == ["weighted (SetIdentifier blue)", "weighted (SetIdentifier green)"]
    assert [s.values for s in existing["*.example.com"]] == [('"catch-all"',)]
    plan = records.plan(request, IDENTITY, existing)
    conflict = next(c for c in plan.conflicts if c.name == "mail.example.com")
    assert "weighted (SetIdentifier blue)" in conflict.explanation
    assert any("wildcard TXT *.example.com answers for _dmarc.example.com" in n for n in plan.notes)
