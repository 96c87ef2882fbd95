"""Step 5: SES's recommendations for the identity plus mailauth's own audit of what public DNS serves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailauth import account, dmarc, dnscheck, spf, wanted
from mailauth.aws import refusal_code
from mailauth.aws.ses import Ses
from mailauth.models import AuditFinding, IdentityInfo, Recommendation, Report
from mailauth.request import OnboardRequest

if TYPE_CHECKING:
    import dns.resolver

NO_RECOMMENDATIONS = (
    "SES has no recommendations for this identity yet. SES generates them only when Virtual Deliverability "
    "Manager is enabled for the account, and a finding can take up to 6 hours to appear or clear."
)


def ses_recommendations(ses: Ses, identity: IdentityInfo) -> tuple[tuple[Recommendation, ...], str | None]:
    try:
        items = ses.recommendations(identity.identity_arn)
    except Exception as exc:
        code = refusal_code(exc)
        return (), f"SES recommendations are not available ({code}): {exc}. {NO_RECOMMENDATIONS}"
    found = tuple(
        Recommendation(
            type=str(i.get("Type", "")),
            impact=str(i.get("Impact", "")),
            status=str(i.get("Status", "")),
            description=str(i.get("Description", "")),
        )
        for i in items
    )
    return found, (None if found else NO_RECOMMENDATIONS)


def _inherited(resolver: dns.resolver.Resolver, domain: str) -> dmarc.InForce | None:
    """The DMARC policy a domain without a record of its own inherits (the stricter reading), or None."""
    from mailauth.errors import DnsLookupError

    try:
        return dmarc.strictest(dnscheck.dmarc_in_force(resolver, domain))
    except DnsLookupError:
        return None


def _dmarc_findings(resolver: dns.resolver.Resolver, domain: str) -> list[AuditFinding]:
    values, error = dnscheck.lookup(resolver, f"_dmarc.{domain}", "TXT")
    found = [v for v in values if dmarc.is_dmarc(v)]
    inherited = _inherited(resolver, domain) if not found and error in (None, "NXDOMAIN") else None
    if inherited is not None:
        found = [inherited.record]
    if len(found) != 1:
        detail = "no DMARC record is served" if not found else f"{len(found)} DMARC records: none applies"
        return [
            AuditFinding(
                check="dmarc",
                status="fail",
                detail=f"{detail} at _dmarc.{domain}" + (f" ({error})" if error else ""),
                fix="publish exactly one v=DMARC1 TXT record",
            )
        ]
    parsed = dmarc.parse(found[0])
    out = [
        AuditFinding(check="dmarc.syntax", status="fail", detail=e, fix="correct the DMARC record")
        for e in parsed.errors
    ]
    if not parsed.errors:
        detail = (
            f"DMARC record: {found[0]}"
            if inherited is None
            else f"no DMARC record at _dmarc.{domain}: receivers apply {inherited.sentence()}"
        )
        out.append(AuditFinding(check="dmarc", status="ok", detail=detail))
    if (parsed.policy or "").lower() == "none":
        out.append(
            AuditFinding(
                check="dmarc.policy",
                status="warn",
                detail="p=none monitors only: receivers take no action on failing mail",
                fix="after a few weeks of clean aggregate reports, move to p=quarantine, then p=reject",
            )
        )
    if "rua" not in parsed.tags:
        out.append(
            AuditFinding(
                check="dmarc.rua",
                status="warn",
                detail="no rua= address: you receive no aggregate reports",
                fix="add rua=mailto:<address> to see who sends as your domain",
            )
        )
    out += _dropped_tags(parsed) + _report_mailboxes(resolver, parsed)
    for uri in filter(None, (u.strip() for u in parsed.tags.get("rua", "").split(","))):
        target = uri.split("@", 1)[-1].split("!", 1)[0].lower()
        if target and not (
            target == domain or target.endswith("." + domain) or domain.endswith("." + target)
        ):
            auth, _ = dnscheck.lookup(resolver, f"{domain}._report._dmarc.{target}", "TXT")
            if not any(dmarc.is_dmarc(v) for v in auth):
                out.append(
                    AuditFinding(
                        check="dmarc.rua.external",
                        status="warn",
                        detail=f"reports go to {target}, which does not authorise them",
                        fix=f'{target} must publish TXT "v=DMARC1" at {domain}._report._dmarc.{target}',
                    )
                )
    return out


#: tags the revision of DMARC (DMARCbis) removes: receivers that follow it ignore them
DROPPED_TAGS = {
    "pct": "receivers that follow DMARCbis apply the policy to all failing mail, whatever pct= says",
    "rf": "failure reports have one format; rf= is ignored",
    "ri": "receivers choose the aggregate report interval; ri= is ignored",
}


def _dropped_tags(parsed: dmarc.ParsedDmarc) -> list[AuditFinding]:
    return [
        AuditFinding(
            check=f"dmarc.{tag}",
            status="warn",
            detail=f"{tag}={parsed.tags[tag]}: DMARCbis removes this tag; {why}",
            fix=f"remove {tag}= from the DMARC record"
            + ("; to roll out gradually, use p= steps instead" if tag == "pct" else ""),
        )
        for tag, why in DROPPED_TAGS.items()
        if tag in parsed.tags
    ]


def _report_mailboxes(resolver: dns.resolver.Resolver, parsed: dmarc.ParsedDmarc) -> list[AuditFinding]:
    """A rua/ruf mailbox whose domain has no MX (nor an address, RFC 5321's implicit MX): reports to it bounce."""
    out: list[AuditFinding] = []
    seen: set[str] = set()
    for tag in ("rua", "ruf"):
        for uri in filter(None, (u.strip() for u in parsed.tags.get(tag, "").split(","))):
            target = uri.split("@", 1)[-1].split("!", 1)[0].lower().rstrip(".")
            if not target or target in seen:
                continue
            seen.add(target)
            mx, mx_error = dnscheck.lookup(resolver, target, "MX")
            if mx or mx_error not in (None, "NXDOMAIN"):
                continue
            address, _ = dnscheck.lookup(resolver, target, "A")
            if not address:
                out.append(
                    AuditFinding(
                        check=f"dmarc.{tag}.mailbox",
                        status="warn",
                        detail=f"{tag}= sends reports to {target}, which has no MX record (nor an address): they "
                        "cannot be delivered",
                        fix=f"use a mailbox at a domain that receives mail, or give {target} an MX record",
                    )
                )
    return out


def _spf_finding(resolver: dns.resolver.Resolver, name: str, value: str) -> AuditFinding:
    """The MAIL FROM SPF record as a receiver evaluates it: its includes followed, its lookups counted."""
    from mailauth.errors import DnsLookupError

    try:
        cost = dnscheck.spf_coster(resolver)(value)
    except DnsLookupError as exc:
        return AuditFinding(
            check="mail_from.spf",
            status="warn",
            detail=f"SPF at {name}: {value}; its DNS lookups could not be counted: {exc}",
            fix="check again when public DNS answers",
        )
    included = spf.includes(value, spf.SES_INCLUDE) or spf.SES_INCLUDE in cost.reaches
    ok = included and cost.ok
    why = cost.verdict() or (
        f"it does not reach {spf.SES_INCLUDE}, directly or through an include" if not included else ""
    )
    return AuditFinding(
        check="mail_from.spf",
        status="ok" if ok else "fail",
        detail=f"SPF at {name}: {value} ({cost.lookups} DNS lookups, includes followed)"
        + (f": {why}{cost.where()}" if not ok else ""),
        fix=None
        if ok
        else f"include {spf.SES_INCLUDE} and stay within {spf.MAX_LOOKUPS} DNS lookups "
        f"and {spf.MAX_VOID_LOOKUPS} void lookups, counted through every include",
    )


def audit(
    request: OnboardRequest, identity: IdentityInfo, resolver: dns.resolver.Resolver
) -> list[AuditFinding]:
    """mailauth's own checks of what the internet sees."""
    findings: list[AuditFinding] = []
    needed = wanted.desired_records(request, identity)
    checks = dnscheck.check_records(resolver, [w for w in needed if w[0] != "dmarc"])
    unchecked = [c.name for c in checks if c.error == dnscheck.OUT_OF_TIME]
    if unchecked:
        findings.append(
            AuditFinding(
                check="dns",
                status="warn",
                detail=f"not checked, the step ran out of time: {', '.join(unchecked)}",
                fix="look them up yourself, or re-run onboarding (it keeps what is right)",
            )
        )
    dkim = [c for c in checks if c.purpose == "dkim"]
    missing = [c.name for c in dkim if not c.ok and not c.found]
    elsewhere = [f"{c.name} -> {' / '.join(c.found)}" for c in dkim if not c.ok and c.found]
    if not missing and not elsewhere:
        findings.append(
            AuditFinding(check="dkim", status="ok", detail=f"all {len(dkim)} DKIM CNAMEs point at SES")
        )
    if missing:
        findings.append(
            AuditFinding(
                check="dkim",
                status="fail",
                detail=f"DKIM CNAMEs not served: {', '.join(missing)}",
                fix="publish each as a CNAME to <token>." + identity.dkim_target_zone,
            )
        )
    if elsewhere:  # they resolve, but not to the keys SES signs with: SES cannot verify, receivers fail DKIM
        findings.append(
            AuditFinding(
                check="dkim.target",
                status="fail",
                detail=f"DKIM CNAMEs that resolve, but not to SES's keys: {'; '.join(elsewhere)}",
                fix="point each at <token>." + identity.dkim_target_zone + " (another sender's key at these "
                "names cannot sign this domain's SES mail)",
            )
        )
    findings += _dmarc_findings(resolver, request.domain)
    mx = next(c for c in checks if c.purpose == "mail_from_mx")
    findings.append(
        AuditFinding(check="mail_from.mx", status="ok", detail=f"MX {mx.name}: {mx.found[0]}")
        if mx.ok
        else AuditFinding(
            check="mail_from.mx",
            status="fail",
            detail=f"MX at {mx.name} is {list(mx.found) or 'missing'}; it must be exactly one, {mx.expected[0]}",
            fix="publish that single MX; the MAIL FROM domain must not receive other mail",
        )
    )
    spf_check = next(c for c in checks if c.purpose == "mail_from_spf")
    spfs = [v for v in spf_check.found if spf.is_spf(v)]
    if len(spfs) != 1:
        findings.append(
            AuditFinding(
                check="mail_from.spf",
                status="fail",
                detail=f"{len(spfs)} SPF records at {spf_check.name}; exactly one is allowed",
                fix=f'publish one TXT "{wanted.SPF_VALUE}"',
            )
        )
    else:
        findings.append(_spf_finding(resolver, spf_check.name, spfs[0]))
    return findings


def build_report(
    request: OnboardRequest,
    identity: IdentityInfo,
    *,
    ses: Ses | None = None,
    resolver: dns.resolver.Resolver | None = None,
    deadline: float | None = None,
) -> Report:
    """SES's recommendations and mailauth's audit; ``deadline`` bounds the DNS lookups (time.monotonic())."""
    ses = ses or Ses()
    recommendations, note = ses_recommendations(ses, identity)
    findings = audit(request, identity, resolver or dnscheck.make_resolver(deadline=deadline))
    status = identity.account
    if status is None or account.finding(status, identity.domain).status != "ok":
        status = account.read_account(ses)  # read again: production access may have come during the wait
    findings.append(account.finding(status, identity.domain))
    return Report(
        recommendations=recommendations, recommendations_note=note, audit=tuple(findings), account=status
    )
