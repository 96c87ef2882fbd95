"""mailauth.early: which warnings are told before the wait, and which are not."""

from __future__ import annotations

import json
from pathlib import Path

from mailauth.early import early_warnings
from mailauth.models import AccountStatus, IdentityInfo, KeptRecord, PublishResult, RecordSet, ZoneInfo

EVENT = json.loads((Path(__file__).resolve().parents[2] / "events" / "publish_records.json").read_text())
ZONE = ZoneInfo.model_validate(EVENT["zone"])
IDENTITY = IdentityInfo.model_validate(EVENT["identity"])
PRODUCTION = AccountStatus(region="us-east-1", production_access=True, sending_enabled=True)
NOTHING = PublishResult(hosted_zone_id=ZONE.hosted_zone_id)
UNDELEGATED = ZONE.model_copy(
    update={"delegation": "undelegated", "warnings": ("example.com is not delegated.",)}
)
DMARC = RecordSet(name="_dmarc.example.com", type="TXT", values=('"v=DMARC1; p=reject"',))


def with_account(status: AccountStatus | None) -> IdentityInfo:
    return IDENTITY.model_copy(update={"account": status})


def test_a_clean_start_has_nothing_to_say() -> None:
    kept = KeptRecord(record=DMARC, purpose="dmarc", reason="already the requested DMARC record")
    published = NOTHING.model_copy(update={"kept": (kept,), "notes": ("DMARC value added beside TXT",)})
    assert early_warnings(ZONE, with_account(PRODUCTION), published) == ()
    assert (
        early_warnings(ZONE, with_account(None), NOTHING) == ()
    )  # status unknown: said in the report, not here


def test_an_undelegated_route53_zone_is_told_but_not_one_at_another_provider() -> None:
    assert early_warnings(UNDELEGATED, IDENTITY, NOTHING) == ("example.com is not delegated.",)
    external = UNDELEGATED.model_copy(update={"dns": "external"})
    assert early_warnings(external, IDENTITY, NOTHING) == ()


def test_an_account_that_cannot_send_to_everyone_is_told_with_its_fix() -> None:
    sandbox = PRODUCTION.model_copy(update={"production_access": False})
    [warning] = early_warnings(ZONE, with_account(sandbox), NOTHING)
    assert warning.startswith("The SES account in us-east-1 is in the SES sandbox")
    assert "Request production access" in warning
    [unknown] = early_warnings(
        ZONE, with_account(AccountStatus(region="us-east-1", error="AccessDenied")), NOTHING
    )
    assert "could not be read (AccessDenied)" in unknown


def test_a_record_kept_not_as_requested_and_an_explicit_weakening_are_told() -> None:
    kept = KeptRecord(
        record=DMARC,
        purpose="dmarc",
        reason="an existing DMARC record is kept unchanged (its policy is stricter than the requested one)",
        as_requested=False,
    )
    notes = ("WEAKER: example.com goes from p=reject to p=none, as dmarc.replace_existing asks", "other note")
    published = NOTHING.model_copy(update={"kept": (kept,), "notes": notes})
    assert early_warnings(ZONE, IDENTITY, published) == (
        "Not as requested: TXT _dmarc.example.com: An existing DMARC record is kept unchanged (its policy is "
        "stricter than the requested one)",
        "WEAKER: example.com goes from p=reject to p=none, as dmarc.replace_existing asks.",
    )
