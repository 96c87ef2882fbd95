"""Route 53 documented rules: TXT character-strings, the size of a change batch, single-value types,
duplicate deletes, ListResourceRecordSets' start and GeoLocation.

The documentation of the input shapes of the operations mailauth calls, read and decided (``+`` implemented):

route53 ChangeResourceRecordSets: + TXT/SPF character-strings at most 255 bytes, + at most 1,000
ResourceRecord elements and 32,000 value characters per request (UPSERT counts twice), + one value only for
CNAME and SOA, + the same record set deleted twice in a batch, + GeoLocation ContinentCode with
CountryCode/SubdivisionCode. A value of more than 4,000 characters is the model's ``max`` on RData (answered
as InvalidInput by the walker). Unquoted TXT values, CNAME exclusivity, CREATE of an existing set and DELETE
exactness are checked by the Route 53 emulator (mailauth_sandbox.route53), which knows the zone. Wildcards
(``*`` only as the leftmost label, not for NS): Route 53 treats another ``*`` as a literal; mailauth sends no NS.
Weighted/latency/failover details: mailauth sends simple records only, not implemented.
ListResourceRecordSets: + StartRecordType needs StartRecordName. ``MaxItems`` above 100/300 is capped by
Route 53, not refused. ListHostedZonesByName, GetHostedZone, GetChange: nothing beyond the model."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..names import bare
from .common import DocumentedRule, as_list, model_quotes, row, show

_R53_QUOTAS = (
    "Route 53 Developer Guide, Quotas, Number of elements and characters in ChangeResourceRecordSets requests "
    "(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests-"
    "changeresourcerecordsets)"
)
_R53_MAX_RECORDS = 1000
_R53_MAX_CHARACTERS = 32_000
_TXT_MAX_STRING = 255


def txt_string_lengths(value: str) -> list[int]:
    """Bytes in each character-string of a TXT/SPF value as Route 53 reads it.

    Strings are double-quoted (or bare words up to white space); ``\\"``, ``\\\\`` and ``\\ddd`` (Route 53
    writes octal, RFC 1035 decimal: three digits either way) are one byte; any other character counts its
    UTF-8 bytes.
    """
    lengths: list[int] = []
    i, end = 0, len(value)
    while i < end:
        if value[i].isspace():
            i += 1
            continue
        quoted = value[i] == '"'
        i += quoted
        size = 0
        while i < end:
            char = value[i]
            if (quoted and char == '"') or (not quoted and char.isspace()):
                i += quoted
                break
            if char == "\\" and i + 1 < end:
                digits = value[i + 1 : i + 4]
                if len(digits) == 3 and all(d in "0123456789" for d in digits):
                    size, i = size + 1, i + 4
                    continue
                char, i = value[i + 1], i + 1
            size += len(char.encode("utf-8", "surrogatepass"))
            i += 1
        lengths.append(size)
    return lengths


def _changes(params: Mapping[str, Any]) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    batch = params.get("ChangeBatch")
    changes = batch.get("Changes") if isinstance(batch, Mapping) else None
    for index, change in enumerate(as_list(changes)):
        if isinstance(change, Mapping) and isinstance(change.get("ResourceRecordSet"), Mapping):
            yield index, str(change.get("Action", "")), change["ResourceRecordSet"]


def _values(rrset: Mapping[str, Any]) -> list[str]:
    records = as_list(rrset.get("ResourceRecords"))
    return [r["Value"] for r in records if isinstance(r, Mapping) and isinstance(r.get("Value"), str)]


def _counted(params: Mapping[str, Any], measure: Callable[[Mapping[str, Any]], int]) -> int:
    """``measure`` summed over the record sets of the change batch, an UPSERT counted twice (the quotas)."""
    return sum(measure(rrset) * (2 if action == "UPSERT" else 1) for _, action, rrset in _changes(params))


def _check_txt_strings(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    for index, _, rrset in _changes(params):
        if rrset.get("Type") not in ("TXT", "SPF"):
            continue
        for number, value in enumerate(_values(rrset)):
            if any(size > _TXT_MAX_STRING for size in txt_string_lengths(value)):
                yield (
                    f"ChangeBatch.Changes[{index}].ResourceRecordSet.ResourceRecords[{number}].Value",
                    "[Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too long) "
                    f"encountered with '{show(value, 300)}'']",
                )


def _check_batch_records(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    counted = _counted(params, lambda rrset: len(as_list(rrset.get("ResourceRecords"))))
    if counted > _R53_MAX_RECORDS:
        yield (
            "ChangeBatch.Changes",
            f"[Number of records limit of {_R53_MAX_RECORDS} exceeded.] ({counted} ResourceRecord elements, "
            "UPSERT counted twice)",
        )


def _check_batch_characters(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    counted = _counted(params, lambda rrset: sum(len(v) for v in _values(rrset)))
    if counted > _R53_MAX_CHARACTERS:
        yield (
            "ChangeBatch.Changes",
            f"[RDATA character limit of {_R53_MAX_CHARACTERS} exceeded.] ({counted} characters in Value "
            "elements, UPSERT counted twice)",
        )


def _check_single_value(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    for index, _, rrset in _changes(params):
        kind = rrset.get("Type")
        if kind in ("CNAME", "SOA") and len(as_list(rrset.get("ResourceRecords"))) > 1:
            yield (
                f"ChangeBatch.Changes[{index}].ResourceRecordSet.ResourceRecords",
                f"[Invalid Resource Record: 'FATAL problem: RRSet with DNS name {rrset.get('Name')} and type "
                f"{kind} can only contain one resource record']",
            )


def _check_duplicate_delete(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str, str]] = set()
    for index, action, rrset in _changes(params):
        if action != "DELETE":
            continue
        name = bare(str(rrset.get("Name", "")))
        key = (name, str(rrset.get("Type")), str(rrset.get("SetIdentifier", "")))
        if key in seen:
            yield (
                f"ChangeBatch.Changes[{index}]",
                f"[Tried to delete resource record set [name='{name}.', type='{key[1]}'] more than once in a "
                "single change batch]",
            )
        seen.add(key)


def _check_start_record_type(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    if params.get("StartRecordType") is not None and params.get("StartRecordName") is None:
        yield "StartRecordType", "StartRecordType was specified without StartRecordName"


def _check_continent_code(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, _, rrset in _changes(params):
        geo = rrset.get("GeoLocation")
        if not isinstance(geo, Mapping) or geo.get("ContinentCode") is None:
            continue
        if geo.get("CountryCode") is not None or geo.get("SubdivisionCode") is not None:
            yield (
                f"ChangeBatch.Changes[{index}].ResourceRecordSet.GeoLocation",
                "ContinentCode cannot be specified with CountryCode or SubdivisionCode",
            )


_Q_R53_VALUE = model_quotes(
    "route53",
    "ResourceRecord$Value",
    "For descriptions about how to format Value for different record types, see Supported DNS Resource Record "
    "Types in the Amazon Route 53 Developer Guide.",
)
_Q_R53_LIMITS = model_quotes(
    "route53",
    "ChangeResourceRecordSets",
    "For information about the limits on a ChangeResourceRecordSets request, see Limits in the Amazon Route 53 "
    "Developer Guide.",
)
_Q_R53_SINGLE = model_quotes(
    "route53",
    "ResourceRecord$Value",
    "You can specify more than one value for all record types except CNAME and SOA.",
)
_Q_R53_DELETE = model_quotes(
    "route53",
    "ChangeResourceRecordSets",
    "If you try to delete the same resource record set more than once in a single change batch, Route 53 returns "
    "an InvalidChangeBatch error.",
)
_Q_R53_START = model_quotes(
    "route53",
    "ListResourceRecordSetsRequest$StartRecordType",
    "Constraint: Specifying type without specifying name returns an InvalidInput error.",
)
_Q_R53_CONTINENT = model_quotes(
    "route53",
    "GeoLocation$ContinentCode",
    "Constraint: Specifying ContinentCode with either CountryCode or SubdivisionCode returns an InvalidInput error.",
)

_TXT_GUIDE = (
    "Route 53 Developer Guide, Supported DNS record types, TXT record type "
    "(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#TXTFormat): a string "
    "holds up to 255 characters, a longer value is split into several quoted strings, \\ddd (octal) escapes a "
    "byte; RFC 1035 3.3: <character-string> is a single length octet followed by that number of characters. "
    "Route 53 answers 'CharacterStringTooLong (Value is too long)' (boto/boto3#1462)"
)


# fmt: off
RULES: list[DocumentedRule] = [
    # ---- Route 53 (InvalidChangeBatch: modeled, no error metadata, 400 per the API reference)
    row("route53-txt-string-length", "route53", ("ChangeResourceRecordSets",),
        "each character-string of a TXT/SPF value is at most 255 bytes (an escape is one byte)",
        "InvalidChangeBatch", _check_txt_strings, _Q_R53_VALUE, _TXT_GUIDE),
    row("route53-batch-records", "route53", ("ChangeResourceRecordSets",),
        "at most 1,000 ResourceRecord elements per request, UPSERT counted twice",
        "InvalidChangeBatch", _check_batch_records, _Q_R53_LIMITS,
        f"{_R53_QUOTAS}: 'A request cannot contain more than 1,000 ResourceRecord elements. When the value of "
        "the Action element is UPSERT, each ResourceRecord element is counted twice.' Route 53 answers "
        "'Number of records limit of 1000 exceeded.' (DNSControl/dnscontrol#1114)"),
    row("route53-batch-characters", "route53", ("ChangeResourceRecordSets",),
        "at most 32,000 characters in all Value elements of a request, UPSERT counted twice",
        "InvalidChangeBatch", _check_batch_characters, _Q_R53_LIMITS,
        f"{_R53_QUOTAS}: 'The sum of the number of characters (including spaces) in all Value elements in a "
        "request can't exceed 32,000 characters. When the value of the Action element is UPSERT, each character "
        "in a Value element is counted twice.' Route 53 answers 'RDATA character limit of 32000 exceeded.' "
        "(DNSControl/dnscontrol#908)"),
    row("route53-single-value", "route53", ("ChangeResourceRecordSets",),
        "a CNAME or SOA record set has one value",
        "InvalidChangeBatch", _check_single_value, _Q_R53_SINGLE),
    row("route53-duplicate-delete", "route53", ("ChangeResourceRecordSets",),
        "a change batch deletes each record set at most once",
        "InvalidChangeBatch", _check_duplicate_delete, _Q_R53_DELETE),
    row("route53-start-record-type", "route53", ("ListResourceRecordSets",),
        "StartRecordType only together with StartRecordName",
        "InvalidInput", _check_start_record_type, _Q_R53_START),
    row("route53-geolocation-continent", "route53", ("ChangeResourceRecordSets",),
        "GeoLocation.ContinentCode not with CountryCode or SubdivisionCode",
        "InvalidInput", _check_continent_code, _Q_R53_CONTINENT),
]
# fmt: on
