"""Step 1: validate the request, find the public hosted zone, and check that the internet is delegated to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from mailauth import clock, dnscheck
from mailauth.aws.route53 import Route53
from mailauth.domain import is_subdomain
from mailauth.errors import (
    ExecutionConflictError,
    InvalidRequestError,
    NoPublicZoneError,
    PrivateZoneOnlyError,
)
from mailauth.models import ZoneInfo
from mailauth.request import OnboardRequest, check_mail_from_allowed, check_role_allowed, validation_message

if TYPE_CHECKING:
    from mailauth.settings import AllowListSettings


def raise_rejected(raw: Any) -> None:
    """A request the trigger rejected (``{"rejected": {"error", "message"}, "received": ...}``, see
    ``Submitter.start_rejected``) raises its error here, so the run goes straight to Notify with the reason."""
    rejected = raw.get("rejected") if isinstance(raw, dict) else None
    if not isinstance(rejected, dict):
        return
    message = str(rejected.get("message") or "the event was rejected")
    if rejected.get("error") == "ExecutionConflictError":
        raise ExecutionConflictError(message)
    raise InvalidRequestError(message)


def parse_request(raw: Any) -> OnboardRequest:
    try:
        return OnboardRequest.model_validate(raw)
    except ValidationError as exc:
        raise InvalidRequestError(validation_message(exc)) from None


def _external(request: OnboardRequest, why: str) -> ZoneInfo:
    return ZoneInfo(
        domain=request.domain,
        dns="external",
        zone_name=request.domain,
        warnings=(why,),
        requested_at=clock.now(),
    )


def resolve(
    request: OnboardRequest,
    *,
    allow: AllowListSettings,
    route53: Route53 | None = None,
    nameservers: str = "",
) -> ZoneInfo:
    """The zone the request's records go to (or external DNS), checked against the deployment's allow-lists."""
    check_mail_from_allowed(request, allow.allowed_mail_from_labels)
    if request.dns == "external":
        return _external(
            request, "dns is external: mailauth publishes nothing and verifies what public DNS serves"
        )
    check_role_allowed(request, allow.allowed_role_arns)
    route53 = route53 or Route53(role_arn=request.hosted_zone_role_arn)
    if request.hosted_zone_id:
        zone = route53.get_zone(request.hosted_zone_id)
        if zone.private:
            raise PrivateZoneOnlyError(
                f"hosted zone {zone.id} ({zone.name}) is private; SES verifies through public DNS"
            )
        if not is_subdomain(request.domain, zone.name):
            raise InvalidRequestError(
                f"hosted zone {zone.id} is for {zone.name}, which does not contain {request.domain}"
            )
    else:
        try:
            zone = route53.get_zone(route53.find_public_zone(request.domain).id)
        except NoPublicZoneError as exc:
            if request.dns != "auto":
                raise
            return _external(
                request, f"{exc}; dns is auto, so mailauth sends the records to create elsewhere"
            )
    warnings: list[str] = []
    public_ns, error = dnscheck.public_name_servers(dnscheck.make_resolver(nameservers), zone.name)
    if error is None and public_ns and set(public_ns) == set(zone.name_servers):
        delegation = "ok"
    elif error is None or error == "NXDOMAIN":
        delegation = "undelegated"
        seen = ", ".join(public_ns) if public_ns else "no name servers"
        warnings.append(
            f"{zone.name} is not delegated to this hosted zone: the internet sees {seen}, the zone's name "
            f"servers are {', '.join(zone.name_servers)}. SES cannot verify until the registrar (or the parent "
            "zone) lists exactly the zone's name servers."
        )
    else:
        delegation = "unknown"
        warnings.append(f"could not check the delegation of {zone.name}: {error}")
    return ZoneInfo(
        domain=request.domain,
        role_arn=request.hosted_zone_role_arn,
        hosted_zone_id=zone.id,
        zone_name=zone.name,
        name_servers=zone.name_servers,
        delegation=delegation,
        public_name_servers=public_ns,
        warnings=tuple(warnings),
        requested_at=clock.now(),
    )
