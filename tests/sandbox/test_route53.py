"""Route 53 strictness: CREATE conflicts, DELETE exactness, TXT quoting, CNAME exclusivity, changes, listing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from mailauth_sandbox import LocalAws
from tests.sandbox import helpers
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


def weighted(zone_id: str, client: Any, name: str, count: int) -> None:
    client.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": "A",
                        "SetIdentifier": f"w{i:02d}",
                        "Weight": 1,
                        "TTL": 60,
                        "ResourceRecords": [{"Value": f"192.0.2.{i + 1}"}],
                    },
                }
                for i in range(count)
            ]
        },
    )


def test_list_records_pages_inside_a_group_of_weighted_sets(bare_aws: LocalAws) -> None:
    # Route 53 returns NextRecordIdentifier when a page ends inside sets sharing name and type; moto does not.
    zone_id = bare_aws.create_hosted_zone("example.com")
    r53 = bare_aws.client("route53")
    weighted(zone_id, r53, "www.example.com", 5)
    page = r53.list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName="www.example.com", MaxItems="2"
    )
    assert [s["SetIdentifier"] for s in page["ResourceRecordSets"]] == ["w00", "w01"]
    assert (page["NextRecordName"], page["NextRecordType"], page["NextRecordIdentifier"]) == (
        "www.example.com.",
        "A",
        "w02",
    )
    pages = r53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=zone_id, PaginationConfig={"PageSize": 2}
    )
    listed = [(s["Name"], s["Type"], s.get("SetIdentifier")) for p in pages for s in p["ResourceRecordSets"]]
    assert len(listed) == len(set(listed)) == 2 + 5  # apex NS and SOA, then the five weighted sets, once each
    assert [n for n, _, _ in listed] == sorted(n for n, _, _ in listed)


def test_get_change_is_answered_only_in_the_account_that_made_it(bare_aws: LocalAws) -> None:
    other = "222222222222"
    zone_id = bare_aws.create_hosted_zone("example.com", account_id=other)
    change_id = change(zone_id, bare_aws.client("route53", other), "CREATE", "a.example.com", "TXT", '"x"')[
        "ChangeInfo"
    ]["Id"]
    assert bare_aws.client("route53", other).get_change(Id=change_id)["ChangeInfo"]["Status"] == "PENDING"
    with pytest.raises(ClientError) as raised:
        bare_aws.client("route53").get_change(Id=change_id)
    assert raised.value.response["Error"]["Code"] == "NoSuchChange"


class CountingClient:
    """A route53 client that fails the test instead of paging forever."""

    def __init__(self, client: Any, limit: int = 50) -> None:
        self._client, self.calls, self._limit = client, 0, limit

    def list_resource_record_sets(self, **kwargs: Any) -> Any:
        self.calls += 1
        assert self.calls <= self._limit, f"still paging after {self._limit} calls: {kwargs}"
        return self._client.list_resource_record_sets(**kwargs)

    def get_paginator(self, name: str) -> Any:
        return self._client.get_paginator(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_the_adapter_reads_every_set_of_a_name_in_a_large_zone(bare_aws: LocalAws) -> None:
    from mailauth.aws.route53 import Route53

    zone_id = bare_aws.create_hosted_zone("example.com")
    r53 = bare_aws.client("route53")
    for i in range(0, 320, 100):  # more than one page of 300, so records_at reads name by name
        r53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": f"host{j}.example.com",
                            "Type": "A",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "192.0.2.1"}],
                        },
                    }
                    for j in range(i, min(i + 100, 320))
                ]
            },
        )
    weighted(zone_id, r53, "mail.example.com", 25)  # a weighted group longer than one page of the adapter
    change(zone_id, r53, "CREATE", "mail.example.com", "TXT", '"v=spf1 -all"')
    client = CountingClient(r53)

    found = Route53(client).records_at(zone_id, ["mail.example.com"])

    types = [s.type for s in found["mail.example.com"]]
    assert (types.count("A"), types.count("TXT")) == (
        25,
        1,
    )  # every weighted set once, and the TXT after them
    assert client.calls < 10


def test_a_set_deleted_and_created_again_is_accepted_as_route53_does(bare_aws: Any) -> None:
    """moto alone refuses this CREATE when any set sorts after the name (its journal check); Route 53 accepts it."""
    route53 = bare_aws.client("route53")
    zone = bare_aws.create_hosted_zone("example.com")

    def change(action: str, name: str, rtype: str, value: str) -> None:
        helpers.change(zone, route53, action, name, rtype, value)

    change("CREATE", "_dmarc.example.com.", "TXT", '"v=DMARC1; p=none"')
    change("CREATE", "mail.example.com.", "TXT", '"v=spf1 include:amazonses.com ~all"')
    change("DELETE", "_dmarc.example.com.", "TXT", '"v=DMARC1; p=none"')
    change("CREATE", "_dmarc.example.com.", "TXT", '"v=DMARC1; p=none"')
    change("DELETE", "_dmarc.example.com.", "TXT", '"v=DMARC1; p=none"')  # and it can be deleted again
    with pytest.raises(ClientError, match="already exists"):
        change("CREATE", "mail.example.com.", "TXT", '"v=spf1 include:amazonses.com ~all"')
