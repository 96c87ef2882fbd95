"""The documented cross-account role (docs/operations.md): its permission policy for one hosted zone and its
trust policy, as policy documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final


def cross_account_zone_policy(
    zone_id: str, mail_from_labels: Sequence[str] = ("mail",), *, partition: str = "aws"
) -> dict[str, Any]:
    """The permission policy docs/operations.md gives the role in a hosted zone's account, for one zone.

    ``zone_id`` replaces ``Z0123456789ABC`` and each MAIL FROM label gives a ``<label>.*`` name pattern (the
    document shows ``mail.*``). The test suite checks this stays equal to the document in docs/operations.md.
    """
    zone = f"arn:{partition}:route53:::hostedzone/{zone_id}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "route53:ListHostedZonesByName", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
                "Resource": zone,
            },
            {
                "Effect": "Allow",
                "Action": "route53:GetChange",
                "Resource": f"arn:{partition}:route53:::change/*",
            },
            {
                "Effect": "Allow",
                "Action": "route53:ChangeResourceRecordSets",
                "Resource": zone,
                "Condition": {
                    "ForAllValues:StringLike": {
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                            "*._domainkey.*",
                            "_dmarc.*",
                            *(f"{label}.*" for label in mail_from_labels),
                        ]
                    },
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME", "TXT", "MX"],
                        "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
                    },
                },
            },
        ],
    }


#: the document exactly as docs/operations.md shows it (placeholders Z0123456789ABC and "mail")
CROSS_ACCOUNT_ZONE_POLICY: Final = cross_account_zone_policy("Z0123456789ABC", ("mail",))


def cross_account_trust_policy(
    mailauth_account: str, principal_arns: Sequence[str], *, partition: str = "aws"
) -> dict[str, Any]:
    """The trust policy docs/operations.md gives that role: mailauth's account, and in it only the roles the stack
    output ``ZoneRolePrincipals`` lists (``aws:PrincipalArn``, compared as text: a role re-created under the same
    name is trusted again, where a role ARN in ``Principal`` would have been turned into a stale unique ID)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:{partition}:iam::{mailauth_account}:root"},
                "Condition": {"ArnEquals": {"aws:PrincipalArn": list(principal_arns)}},
            }
        ],
    }


#: as docs/operations.md shows it, with its placeholders
CROSS_ACCOUNT_TRUST_POLICY: Final = cross_account_trust_policy(
    "<mailauth-account>", ["<each ARN of the stack output ZoneRolePrincipals>"]
)
