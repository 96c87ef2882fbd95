"""The :class:`Authorizer` the sandbox builds once, whose roles judge each handler call, and
:func:`static_checks`: what services need beyond those calls."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .denials import Denial, assumed_role_arn, check_policies
from .errors import UnknownPrincipal
from .evaluation import Policy
from .naming import SandboxNames, chain_lookups
from .requests_common import ResourceTags
from .resolver import Lookup, Resolver
from .roles import Role, function_roles, state_machine_roles
from .static_common import Finding
from .static_roles import check_functions, check_state_machines
from .static_topics import check_topic_keys, check_topic_policies, topic_keys
from .static_triggers import check_triggers
from .transform import transformed_template


def static_checks(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    """What services need beyond handler calls that the transformed template does not grant (package doc)."""
    return [
        *check_state_machines(transformed, resolver),
        *check_functions(transformed, resolver),
        *check_topic_keys(transformed, resolver),
        *check_topic_policies(transformed, resolver),
        *check_triggers(transformed, resolver),
    ]


class Authorizer:
    """Judges the sandbox's handler calls against the roles SAM generates; built once per sandbox.

    ``lookup`` is the sandbox's resource lookup; names it cannot give (KMS keys, roles, rules) fall back to
    :class:`SandboxNames`. ``topic_keys`` defaults to the template's encrypted topics.
    """

    def __init__(
        self,
        template_path: Path | str,
        parameters: Mapping[str, str] | None = None,
        *,
        region: str,
        account_id: str,
        partition: str,
        stack_name: str,
        lookup: Lookup | None = None,
        topic_keys: Mapping[str, str] | None = None,
        tools_python: Path | None = None,
        transformed: Mapping[str, Any] | None = None,
    ) -> None:
        self.parameters = dict(parameters or {})
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self.stack_name = stack_name
        self.transformed: Mapping[str, Any] = (
            transformed
            if transformed is not None
            else transformed_template(
                template_path,
                self.parameters,
                region=region,
                account_id=account_id,
                partition=partition,
                stack_name=stack_name,
                tools_python=tools_python,
            )
        )
        names = SandboxNames(
            self.transformed, region=region, account_id=account_id, partition=partition, stack_name=stack_name
        )
        self.resolver = Resolver(
            self.transformed,
            lookup=chain_lookups(lookup, names) if lookup is not None else names,
            parameters=self.parameters,
            region=region,
            account_id=account_id,
            partition=partition,
            stack_name=stack_name,
        )
        self.function_roles = function_roles(self.transformed, self.resolver)
        self.state_machine_roles = state_machine_roles(self.transformed, self.resolver)
        self.topic_keys: dict[str, str] = (
            dict(topic_keys) if topic_keys is not None else _topic_key_map(self.transformed, self.resolver)
        )
        #: the live tags of a resource (the sandbox supplies the SES identities'); None: aws:ResourceTag unknown
        self.resource_tags: ResourceTags | None = None

    def role_for_function(self, logical_id: str) -> Role:
        """The role of a template function; :class:`UnknownPrincipal` for a function the template lacks."""
        try:
            return self.function_roles[logical_id]
        except KeyError:
            raise UnknownPrincipal(
                f"{logical_id} is not a function of the transformed template (or its condition is false)"
            ) from None

    def principal_arn(self, logical_id: str) -> str:
        """``arn:<partition>:sts::<account>:assumed-role/<RoleName>/<FunctionName>`` of a function's calls."""
        return self.role_for_function(logical_id).principal_arn(self.resolver.string({"Ref": logical_id}))

    def check(
        self,
        function_logical_id: str,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        *,
        region: str | None = None,
    ) -> Denial | None:
        """``None`` when the function's role allows the call, else the :class:`Denial` AWS would answer.

        Raises :class:`UnmappedOperation` for an operation without a mapping.
        """
        role = self.role_for_function(function_logical_id)
        return check_policies(
            role.policies,
            self.principal_arn(function_logical_id),
            service,
            operation,
            params,
            region=region or self.region,
            account_id=self.account_id,
            partition=self.partition,
            topic_keys=self.topic_keys,
            principal_tags=role.tags,
            resource_tags=self.resource_tags,
        )

    def check_cross_account(
        self,
        role_arn: str,
        policy: Mapping[str, Any],
        service: str,
        operation: str,
        params: Mapping[str, Any],
        *,
        session_name: str = "mailauth",
        region: str | None = None,
    ) -> Denial | None:
        """Judge a call made with an assumed role of another account (e.g. :func:`cross_account_zone_policy`)."""
        parts = role_arn.split(":")
        return check_policies(
            [Policy("cross-account role policy", policy)],
            assumed_role_arn(role_arn, session_name),
            service,
            operation,
            params,
            region=region or self.region,
            account_id=parts[4],
            partition=parts[1],
        )

    def static_checks(self) -> list[Finding]:
        """:func:`static_checks` of this sandbox's transformed template."""
        return static_checks(self.transformed, self.resolver)


def _topic_key_map(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
    return topic_keys(transformed, resolver)
