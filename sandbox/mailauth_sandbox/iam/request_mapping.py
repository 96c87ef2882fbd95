"""A botocore call to the IAM requests AWS authorises for it, through the mappers of each service
(``requests_<service>.py``); an operation without one is refused (:class:`UnmappedOperation`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from . import requests_misc, requests_route53, requests_ses
from .errors import UnmappedOperation
from .requests_common import AuthzRequest, Env, Mapper, ResourceTags

# Service Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/):
# list_amazonsesv2 ("ses:" prefix), list_amazonroute53, list_amazondynamodb, list_awsstepfunctions,
# list_amazonsns, list_awssystemsmanager, list_awssecuritytokenservice, list_awscloudformation.
_MAPPERS: Final[Mapping[tuple[str, str], Mapper]] = {
    **requests_ses.MAPPERS,
    **requests_route53.MAPPERS,
    **requests_misc.MAPPERS,
}


#: every ``(botocore service, operation)`` :func:`authorization_requests` maps
MAPPED_OPERATIONS: Final = frozenset(_MAPPERS)


def authorization_requests(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    region: str,
    account_id: str,
    partition: str,
    topic_keys: Mapping[str, str] | None = None,
    resource_tags: ResourceTags | None = None,
) -> list[AuthzRequest]:
    """The IAM requests AWS authorises for one botocore call; all must be allowed.

    ``topic_keys`` maps an SNS topic ARN to its KMS key ARN: ``Publish`` to such a topic also needs
    ``kms:GenerateDataKey`` and ``kms:Decrypt`` on the key. Raises :class:`UnmappedOperation` for an operation
    without a mapping (see :data:`MAPPED_OPERATIONS`).
    """
    mapper = _MAPPERS.get((service, operation))
    if mapper is None:
        raise UnmappedOperation(service, operation)
    return mapper(Env(region, account_id, partition, topic_keys or {}, resource_tags), params)
