"""The installed botocore service models: operations, shapes and their documentation as plain text, and the
error code a service answers a request that breaks a model constraint with."""

from __future__ import annotations

import functools
import html
import re

import botocore.session
from botocore.model import OperationModel, ServiceModel, StructureShape


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> ServiceModel:
    return _session().get_service_model(service)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def model_documentation(service: str, where: str) -> str:
    """Plain text of a model documentation: ``where`` is an operation, a shape, or ``Shape$member``."""
    model = service_model(service)
    if where in model.operation_names:
        text = model.operation_model(where).documentation
    elif "$" in where:
        shape_name, member = where.split("$", 1)
        shape = model.shape_for(shape_name)
        assert isinstance(shape, StructureShape), f"{service} shape {shape_name} is not a structure"
        text = shape.members[member].documentation
    else:
        text = model.shape_for(where).documentation
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text or "")).split())


# ------------------------------------------------------------------------------------ error codes
# The code a service answers a request that breaks a model constraint with ("1 validation error detected").
_MODEL_ERRORS: dict[str, tuple[str, int]] = {
    # Modeled: BadRequestException ({"httpStatusCode": 400}, no "code": the shape name is the code) is among
    # the errors of every sesv2 operation.
    "sesv2": ("BadRequestException", 400),
    # Modeled: InvalidInput ({"httpStatusCode": 400}) is among the errors of ListHostedZonesByName,
    # GetHostedZone, ListResourceRecordSets, ChangeResourceRecordSets and GetChange.
    "route53": ("InvalidInput", 400),
    # Modeled: Publish lists InvalidParameterException, {"code": "InvalidParameter", "httpStatusCode": 400}.
    "sns": ("InvalidParameter", 400),
    # Modeled for StartExecution (shape ValidationException, no error metadata: code = shape name, 400 as the
    # API reference gives); DescribeExecution does not list it, the same code is assumed there.
    "stepfunctions": ("ValidationException", 400),
    # Not modeled for GetItem/PutItem/DeleteItem (no ValidationException shape in the dynamodb model); the
    # PutItem documentation names it: "Invalid Requests with empty values will be rejected with a
    # ValidationException exception." 400 from the DynamoDB API reference, common errors.
    "dynamodb": ("ValidationException", 400),
    # Not modeled for AssumeRole: STS's common error ValidationError (400), the code STS answers pattern
    # failures of RoleSessionName with (see the docstring of patterns.py).
    "sts": ("ValidationError", 400),
    # Not in GetParameter's errors (the ssm model has a ValidationException shape, used by other operations);
    # GetParameter's documentation: "the request fails with a ValidationException error".
    "ssm": ("ValidationException", 400),
    # Not modeled; CloudFormation's common error ValidationError (400). DescribeStacks' documentation: "If the
    # stack doesn't exist, a ValidationError is returned."
    "cloudformation": ("ValidationError", 400),
}
_VALIDATION_SHAPES = (
    "ValidationException",
    "BadRequestException",
    "InvalidParameterException",
    "InvalidInput",
)


def error_for(service: str, operation: str) -> tuple[str, int]:
    """The error code and HTTP status the service uses for a request that breaks a model constraint.

    The services mailauth calls come from a table checked against the installed models (see the comments on
    ``_MODEL_ERRORS``); for another service, a modeled validation error of the operation, else the protocol's
    common one (``ValidationError`` for query protocols, ``ValidationException`` for the others).
    """
    if service in _MODEL_ERRORS:
        return _MODEL_ERRORS[service]
    model = operation_model(service, operation)
    for shape in model.error_shapes:
        if shape.name in _VALIDATION_SHAPES:
            error = shape.metadata.get("error", {})
            return str(error.get("code", shape.name)), int(error.get("httpStatusCode", 400))
    protocol = model.service_model.metadata.get("protocol", "")
    return ("ValidationError" if protocol in ("query", "ec2") else "ValidationException"), 400
