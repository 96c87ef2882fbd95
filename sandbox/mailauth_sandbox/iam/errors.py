"""The errors of :mod:`mailauth_sandbox.iam`: each way a call or a template cannot be judged."""

from __future__ import annotations


class IamError(Exception):
    """Base class of this package's errors."""


class TransformError(IamError):
    """The SAM translator could not be run, or failed."""


class UnresolvedValue(IamError):
    """A template value (intrinsic, parameter, resource attribute) that cannot be resolved."""


class PolicyFormatError(IamError):
    """A policy document IAM would reject (no Effect, both Action and NotAction, ...)."""


class UnknownManagedPolicy(IamError):
    """A managed policy ARN whose document this package does not hold (fail closed: not an empty policy)."""


class UnsupportedRole(IamError):
    """A role the package cannot judge faithfully (permission boundary, role defined outside the template)."""


class UnmappedOperation(IamError):
    """A botocore operation without an IAM mapping: the integrator answers it with AccessDenied."""

    def __init__(self, service: str, operation: str) -> None:
        self.service = service
        self.operation = operation
        super().__init__(
            f"no IAM mapping for {service}:{operation}: add it to mailauth_sandbox.iam (the MAPPERS of "
            "its requests_<service>.py, gathered in request_mapping.py) with the action, resource ARN and "
            "condition keys the Service Authorization Reference lists for it, and cite that page "
            "(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)"
        )


class UnknownPrincipal(IamError):
    """A function or state machine the transformed template does not define."""
