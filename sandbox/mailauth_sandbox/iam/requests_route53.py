"""Route 53 operations to the IAM requests AWS authorises for them, with the record-name, type and action
condition keys of ``ChangeResourceRecordSets``.

Service Authorization Reference, list_amazonroute53
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from .conditions import ContextValue
from .requests_common import AuthzRequest, Env, Mapper, star

_OCTAL_ESCAPE: Final = re.compile(r"\\([0-7]{3})")


def normalize_record_name(name: str) -> str:
    r"""A record name as ``route53:ChangeResourceRecordSetsNormalizedRecordNames`` holds it.

    "All letters lowercase, trailing dot removed, characters other than a–z, 0–9, - (hyphen), _ (underscore) and
    . (period) escaped as \three-digit octal code" (Route 53 Developer Guide, "Using IAM policy conditions for
    fine-grained access control", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
    ``*.Example.COM.`` becomes ``\052.example.com``. Escapes already in the name (``\052``, ``\*``) are read
    first, so a name is normalised the same however it was written; an escaped period (a period inside a label)
    stays escaped as ``\056``. Non-ASCII characters are escaped byte by byte (UTF-8).
    """
    text = name[:-1] if name.endswith(".") and not name.endswith("\\.") else name
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and _OCTAL_ESCAPE.match(text, i):
            out.append(_name_byte(int(text[i + 1 : i + 4], 8)))
            i += 4
        elif ch == "\\" and i + 1 < len(text):
            out += [_name_byte(b) for b in text[i + 1].encode()]
            i += 2
        else:
            out += ["."] if ch == "." else [_name_byte(b) for b in ch.encode()]
            i += 1
    return "".join(out)


def _name_byte(code: int) -> str:
    """One byte of a label (never a delimiter): lowercased, kept if a-z 0-9 - _, else a three-digit octal escape."""
    if 65 <= code <= 90:
        code += 32
    char = chr(code)
    if code < 128 and (char.isalnum() or char in "-_"):
        return char
    return f"\\{code:03o}"


def _strip(value: Any, prefix: str) -> str:
    text = str(value)
    return text[len(prefix) :] if text.startswith(prefix) else text.rsplit("/", 1)[-1]


def _zone_request(action: str) -> Callable[[Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        zone = _strip(params["Id"] if "Id" in params else params["HostedZoneId"], "/hostedzone/")
        return [AuthzRequest(action, env.arn("route53", f"hostedzone/{zone}", regional=False, account=False))]

    return requests


def _route53_get_change(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    change = _strip(params["Id"], "/change/")
    return [
        AuthzRequest(
            "route53:GetChange", env.arn("route53", f"change/{change}", regional=False, account=False)
        )
    ]


def _route53_change(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    zone = _strip(params["HostedZoneId"], "/hostedzone/")
    changes = (params.get("ChangeBatch") or {}).get("Changes") or []
    context: dict[str, ContextValue] = {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            normalize_record_name(str(c["ResourceRecordSet"]["Name"])) for c in changes
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": [str(c["ResourceRecordSet"]["Type"]) for c in changes],
        "route53:ChangeResourceRecordSetsActions": [str(c["Action"]) for c in changes],
    }
    resource = env.arn("route53", f"hostedzone/{zone}", regional=False, account=False)
    return [AuthzRequest("route53:ChangeResourceRecordSets", resource, context)]


#: ``(botocore service, operation)`` to its mapping
MAPPERS: Final[Mapping[tuple[str, str], Mapper]] = {
    ("route53", "ListHostedZonesByName"): star("route53:ListHostedZonesByName"),
    ("route53", "CreateHostedZone"): star("route53:CreateHostedZone"),
    ("route53", "GetHostedZone"): _zone_request("route53:GetHostedZone"),
    ("route53", "ListResourceRecordSets"): _zone_request("route53:ListResourceRecordSets"),
    ("route53", "GetChange"): _route53_get_change,
    ("route53", "ChangeResourceRecordSets"): _route53_change,
}
