"""Route 53 strictness: CREATE conflicts, DELETE exactness, TXT quoting, CNAME exclusivity, changes, listing."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from mailauth_sandbox import LocalAws
from tests.sandbox.helpers import change


def error_of(call: object, *args: object, **kwargs: object) -> dict[str, str]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return dict(info.value.response["Error"])  # type: ignore[arg-type]


def test_create_of_existing_name_and_type_with_other_value_fails(bare_aws: LocalAws) -> None:
    r53 = bare_aws.client("route53")
    zone = bare_aws.create_hosted_zone("example.com")
    change(zone, r53, "CREATE", "_dmarc.example.com", "TXT", '"v=DMARC1; p=none"')
    err = error_of(change, zone, r53, "CREATE", "_dmarc.example.com", "TXT", '"v=DMARC1; p=reject"')
    assert err["Code"] == "InvalidChangeBatch"
    assert (
        "Tried to create resource record set [name='_dmarc.example.com.', type='TXT'] but it already exists"
        in err["Message"]
    )
    sets = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert len([s for s in sets if s["Type"] == "TXT"]) == 1


def test_unquoted_txt_is_rejected(bare_aws: LocalAws) -> None:
    r53 = bare_aws.client("route53")
    zone = bare_aws.create_hosted_zone("example.com")
    err = error_of(change, zone, r53, "CREATE", "_dmarc.example.com", "TXT", "v=DMARC1; p=none")
    assert err["Code"] == "InvalidChangeBatch" and "Invalid Resource Record" in err["Message"]


def test_cname_cannot_share_a_name(bare_aws: LocalAws) -> None:
    r53 = bare_aws.client("route53")
    zone = bare_aws.create_hosted_zone("example.com")
    change(zone, r53, "CREATE", "www.example.com", "TXT", '"hello"')
    assert (
        error_of(change, zone, r53, "CREATE", "www.example.com", "CNAME", "example.net")["Code"]
        == "InvalidChangeBatch"
    )
    change(zone, r53, "CREATE", "alias.example.com", "CNAME", "example.net")
    assert (
        error_of(change, zone, r53, "UPSERT", "alias.example.com", "TXT", '"x"')["Code"]
        == "InvalidChangeBatch"
    )


def test_delete_must_match_exactly(bare_aws: LocalAws) -> None:
    r53 = bare_aws.client("route53")
    zone = bare_aws.create_hosted_zone("example.com")
    change(zone, r53, "CREATE", "mail.example.com", "MX", "10 feedback-smtp.us-east-1.amazonses.com")
    err = error_of(change, zone, r53, "DELETE", "mail.example.com", "MX", "10 other.example.net")
    assert err["Code"] == "InvalidChangeBatch" and "do not match" in err["Message"]
    err = error_of(change, zone, r53, "DELETE", "nothing.example.com", "MX", "10 other.example.net")
    assert "not found" in err["Message"]
    change(zone, r53, "DELETE", "mail.example.com", "MX", "10 feedback-smtp.us-east-1.amazonses.com")


def test_batch_is_checked_as_a_whole(bare_aws: LocalAws) -> None:
    r53 = bare_aws.client("route53")
    zone = bare_aws.create_hosted_zone("example.com")
    record = {"Name": "a.example.com", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"1"'}]}
    err = error_of(
        r53.change_resource_record_sets,
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {"Action": "CREATE", "ResourceRecordSet": record},
                {"Action": "CREATE", "ResourceRecordSet": record},
            ]
        },
    )
    assert err["Code"] == "InvalidChangeBatch"
    names = [s["Name"] for s in r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]]
    assert "a.example.com." not in names


def test_get_change_pending_then_insync_with_unique_ids(bare_aws: LocalAws) -> None:
    r53 = bare_aws.client("route53")
    zone = bare_aws.create_hosted_zone("example.com")
    first = change(zone, r53, "CREATE", "a.example.com", "TXT", '"1"')["ChangeInfo"]
    second = change(zone, r53, "CREATE", "b.example.com", "TXT", '"2"')["ChangeInfo"]
    assert first["Status"] == "PENDING" and first["Id"] != second["Id"]
    assert r53.get_change(Id=first["Id"])["ChangeInfo"]["Status"] == "PENDING"
    assert r53.get_change(Id=first["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    assert r53.get_change(Id=second["Id"].rsplit("/", 1)[-1])["ChangeInfo"]["Status"] == "PENDING"


def test_list_hosted_zones_by_name_starts_at_name_and_pages(bare_aws: LocalAws) -> None:
    r53 = bare_aws.client("route53")
    ids = {
        name: bare_aws.create_hosted_zone(name)
        for name in ["example.com", "news.example.com", "example.org", "a.example.net"]
    }
    private = bare_aws.create_hosted_zone("example.com", private=True)
    everything = r53.list_hosted_zones_by_name()["HostedZones"]
    assert [z["Name"] for z in everything] == [
        "example.com.",
        "example.com.",
        "news.example.com.",
        "a.example.net.",
        "example.org.",
    ]
    assert sum(z["Config"]["PrivateZone"] for z in everything) == 1
    page = r53.list_hosted_zones_by_name(DNSName="example.net", MaxItems="1")
    assert [z["Name"] for z in page["HostedZones"]] == ["a.example.net."]
    assert page["IsTruncated"] is True and page["NextDNSName"] == "example.org."
    assert page["NextHostedZoneId"] == ids["example.org"]
    last = r53.list_hosted_zones_by_name(
        DNSName=page["NextDNSName"], HostedZoneId=page["NextHostedZoneId"], MaxItems="1"
    )
    assert [z["Name"] for z in last["HostedZones"]] == ["example.org."] and last["IsTruncated"] is False
    both = r53.list_hosted_zones_by_name(DNSName="example.com", MaxItems="2")["HostedZones"]
    assert {z["Id"].rsplit("/", 1)[-1] for z in both} == {ids["example.com"], private}
