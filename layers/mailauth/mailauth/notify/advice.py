"""What a person should do now: next steps after a success or a timeout, and the diagnosis of a failure.

A failure's advice is keyed on the exception class (:data:`ADVICE`), matched by class name against the error
the Step Functions Catch recorded, so renaming a class cannot silently lose its advice (a test checks that every
key is one of mailauth's errors and that every error the state machines name has advice or is meant to have
none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from mailauth import account
from mailauth.errors import (
    AwsThrottledError,
    DnsLookupError,
    ExecutionConflictError,
    InvalidRequestError,
    LedgerConflictError,
    MailauthError,
    NoPublicZoneError,
    PrivateZoneOnlyError,
    RecordConflictError,
    SesBusyError,
)
from mailauth.models import NotifyInput
from mailauth.notify.state import NotifyOutcome, account_problem, domain_of, error_name, error_text
from mailauth.notify.text import list_items, record_line

RERUN_SAFE = (
    "Re-running is safe: mailauth adopts the existing identity and keeps records that are already right. To re-run, "
    "submit the same request again (mailauth onboard DOMAIN, POST /domains, or the same event); mailauth plan "
    "DOMAIN shows first what it would change."
)

#: botocore's ClientError text for the access-denied codes of the services mailauth calls
_ACCESS_DENIED = re.compile(
    r"An error occurred \((AccessDenied|AccessDeniedException|AuthorizationError)\) when calling the (\w+) "
    r"operation"
)


# ------------------------------------------------------------------------------------------- next steps
def dns_fixes(state: NotifyInput) -> list[str]:
    """One step per record public DNS does not serve as expected (after the delegation, if that is wrong)."""
    zone = state.zone
    where = f" in hosted zone {zone.zone_name} ({zone.hosted_zone_id})" if zone else ""
    steps = []
    if zone is not None and zone.delegation == "undelegated":
        seen = ", ".join(zone.public_name_servers) or "no name servers"
        steps.append(
            f"Fix the delegation first: at the registrar (or in the parent zone) set the name servers of "
            f"{zone.zone_name} to exactly {', '.join(zone.name_servers)} (the internet now sees {seen}). "
            "No record can verify until then."
        )
    for check in state.verification.dns if state.verification else ():
        if check.ok:
            continue
        line = record_line(check.name, check.type, check.expected, quote_txt=True)
        if check.found:
            steps.append(
                f"Replace what {check.name} {check.type} serves ({' / '.join(check.found)}) with: {line}{where}"
            )
        else:
            steps.append(f"Publish {line}{where}")
    return steps


def next_steps(state: NotifyInput, outcome: NotifyOutcome, link: str | None) -> list[str]:
    """What a person should do now, as specific as the state allows."""
    domain = domain_of(state)
    if outcome == "success":
        dmarc = state.request.get("dmarc")
        policy = dmarc.get("policy", "none") if isinstance(dmarc, dict) else "none"
        steps = [
            f"Send a test message from an address at {domain} and check that the received headers show "
            "dkim=pass, spf=pass and dmarc=pass."
        ]
        if policy == "none":
            steps.append(
                "Consider moving DMARC from p=none to p=quarantine after reviewing a few weeks of aggregate "
                "(rua) reports."
            )
        elif policy == "quarantine":
            steps.append("Consider moving DMARC from p=quarantine to p=reject once the reports stay clean.")
        caveat = account_problem(state)
        if caveat is not None and caveat.fix:
            steps.insert(0, f"{caveat.fix} Until then {caveat.detail}.")
        if state.report is not None:
            steps += [
                f"{f.check}: {f.fix}"
                for f in state.report.audit
                if f.status == "fail" and f.fix and f.check != account.CHECK
            ]
        return steps
    if outcome == "timeout":
        steps = dns_fixes(state)
        if not steps:
            verification = state.verification
            status = (
                f"DKIM {verification.dkim_status}, MAIL FROM {verification.mail_from_status}"
                if verification
                else "unknown"
            )
            steps.append(
                f"Public DNS serves every record as expected but SES has not confirmed ({status}). "
                "SES keeps checking for up to 72 hours: re-run the onboarding to wait again."
            )
        else:
            steps.append(f"Then re-run the onboarding. {RERUN_SAFE}")
        caveat = account_problem(state)
        if caveat is not None and caveat.fix:
            steps.append(f"Also: {caveat.detail}. {caveat.fix}")
        return steps
    return failure_steps(state, domain, link)


# ------------------------------------------------------------------------------------ failure diagnosis
def failure_steps(state: NotifyInput, domain: str, link: str | None) -> list[str]:
    """Why the run failed and what to do: the error's advice from :data:`ADVICE`, or a refused permission, or
    the error itself and the execution to look at."""
    error = state.error
    look = f"Look at the execution for details: {link}" if link else "Look at the execution for details."
    if error is None:
        verification = state.verification
        if verification is not None and verification.outcome == "failed":
            return [
                f"SES marked the verification FAILED (DKIM {verification.dkim_status}, MAIL FROM "
                f"{verification.mail_from_status}) after mailauth restarted it.",
                *dns_fixes(state),
                f"Fix the records, then re-run the onboarding: it starts a new 72-hour window. {RERUN_SAFE}",
            ]
        return ["The workflow ended without a verification result.", look]
    name, message = error_name(error), error_text(error)
    advice = _ADVICE_BY_NAME.get(name)
    if advice is not None:
        return advice(domain, message)
    refused = _ACCESS_DENIED.search(message or "")
    if refused is not None:
        return [
            f"AWS refused mailauth the permission to call {refused.group(2)} ({refused.group(1)}): {message}",
            "Check that the stack runs this version's template (its roles grant every call mailauth makes), "
            "that no permissions boundary or service control policy denies the call, and, for a hosted zone in "
            'another account, the policy of the role there (docs/operations.md, "Hosted zones in another AWS '
            f'account"). Then re-run the onboarding. {RERUN_SAFE}',
            look,
        ]
    return [f"{name}: {message}" if message else name, look]


#: advice for one error: (domain, the error's message) -> next steps
Advice = Callable[[str, str], list[str]]


def _record_conflict(domain: str, message: str) -> list[str]:
    return [*list_items(message), f"Fix the conflicting records and re-run the onboarding. {RERUN_SAFE}"]


def _invalid_request(domain: str, message: str) -> list[str]:
    return [f"Fix the request: {message}", "Then submit it again."]


def _execution_conflict(domain: str, message: str) -> list[str]:
    return [
        f"An event asked to onboard {domain} with a different request while another run for it was in "
        f"progress, so the event was not applied: {message}",
        "When that run has ended, send the event again (or POST /domains with the request you want).",
    ]


def _no_public_zone(domain: str, message: str) -> list[str]:
    return [
        message,
        f"Create a public Route 53 hosted zone for {domain} (or a parent domain) and delegate it at the "
        "registrar, or pass hosted_zone_id naming the public zone to use; then submit again.",
        f'If the DNS of {domain} is hosted outside Route 53, submit it with "dns": "external" (mailauth then '
        'sends you the records to create there and verifies what public DNS serves), or "dns": "auto" (a '
        "Route 53 zone when there is one, external otherwise).",
    ]


def _throttled(domain: str, message: str) -> list[str]:
    return [f"AWS throttled mailauth or had a transient fault ({message}).", f"Re-run later. {RERUN_SAFE}"]


def _ses_busy(domain: str, message: str) -> list[str]:
    return [
        f"SES's request rate for this account and region stayed fully booked through every retry ({message}): "
        "a large batch, or another tool calling SES's management API, is using all of its 1 request per second.",
        f"Re-run when the batch has finished (GET /domains shows what is still running). {RERUN_SAFE}",
    ]


def _ledger_conflict(domain: str, message: str) -> list[str]:
    return [
        f"Another run changed {domain}'s ownership ledger at the same moment, again after every retry: {message}.",
        f"When the other run for {domain} (or for a domain sharing its MAIL FROM name) has ended, re-run. "
        f"{RERUN_SAFE}",
    ]


def _dns_lookup(domain: str, message: str) -> list[str]:
    return [
        f"Public DNS did not answer: {message}. mailauth plans from what public DNS serves (for DNS hosted "
        "outside Route 53, and for the domains an existing SPF record includes, whose lookups it counts), and "
        "will not plan without an answer.",
        f"Check that the name servers of the domain named above answer (dig NS {domain}; dig TXT {domain}), then "
        f"re-run the onboarding. {RERUN_SAFE}",
    ]


#: the advice for each error that has its own; any other error gets its name, its message and the execution
ADVICE: Mapping[type[MailauthError], Advice] = {
    RecordConflictError: _record_conflict,
    InvalidRequestError: _invalid_request,
    ExecutionConflictError: _execution_conflict,
    NoPublicZoneError: _no_public_zone,
    PrivateZoneOnlyError: _no_public_zone,
    AwsThrottledError: _throttled,
    SesBusyError: _ses_busy,
    LedgerConflictError: _ledger_conflict,
    DnsLookupError: _dns_lookup,
}
_ADVICE_BY_NAME = {error.__name__: advice for error, advice in ADVICE.items()}
