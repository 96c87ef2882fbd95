"""The records SES needs for a domain (three DKIM CNAMEs, the DMARC TXT, the MAIL FROM MX and SPF TXT), and every
name the planner reads before planning them."""

from __future__ import annotations

from collections.abc import Iterable

from mailauth import dmarc, spf
from mailauth.domain import dns_name
from mailauth.models import IdentityInfo, Purpose, RecordSet
from mailauth.request import OnboardRequest
from mailauth.txt import quote

DEFAULT_TTL = 300
SPF_VALUE = f"v=spf1 include:{spf.SES_INCLUDE} ~all"


def mail_from_mx_host(region: str) -> str:
    return f"feedback-smtp.{region}.amazonses.com"  # SES Developer Guide, custom MAIL FROM domain: the MX


def desired_records(request: OnboardRequest, identity: IdentityInfo) -> list[tuple[Purpose, RecordSet]]:
    """The six records SES needs: 3 DKIM CNAMEs, DMARC TXT, MAIL FROM MX and SPF TXT."""
    wanted: list[tuple[Purpose, RecordSet]] = []
    for token in identity.dkim_tokens:
        wanted.append(
            (
                "dkim",
                RecordSet(
                    name=f"{token}._domainkey.{request.domain}",
                    type="CNAME",
                    ttl=1800,
                    values=(f"{token}.{identity.dkim_target_zone}",),
                ),
            )
        )
    wanted.append(
        (
            "dmarc",
            RecordSet(
                name=f"_dmarc.{request.domain}", type="TXT", values=(quote(dmarc.render(request.dmarc)),)
            ),
        )
    )
    wanted.append(
        (
            "mail_from_mx",
            RecordSet(
                name=request.mail_from_domain, type="MX", values=(f"10 {mail_from_mx_host(identity.region)}",)
            ),
        )
    )
    wanted.append(
        ("mail_from_spf", RecordSet(name=request.mail_from_domain, type="TXT", values=(quote(SPF_VALUE),)))
    )
    return wanted


def record_names(
    request: OnboardRequest, identity: IdentityInfo, previous_tokens: Iterable[str] = ()
) -> set[str]:
    """Every name the planner must read before planning: the wanted ones, and the wildcard at the domain (it
    answers for the DMARC and MAIL FROM names while they do not exist)."""
    names = {dns_name(r.name) for _, r in desired_records(request, identity)}
    names |= {f"{t}._domainkey.{request.domain}" for t in previous_tokens}
    names.add(f"*.{request.domain}")
    return names
