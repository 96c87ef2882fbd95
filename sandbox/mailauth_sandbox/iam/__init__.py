"""IAM in the embedded AWS: every AWS call a handler makes is judged against its role as SAM deploys it.

"AWS is the judge, not our emulators": the first release passed every offline test and would not have deployed,
because a role lacked permissions only AWS checked. This package closes that gap twice.

**Per call.** :class:`Authorizer` transforms ``template.yaml`` with AWS's own SAM translator
(``scripts/sam_transform.py`` in the tools virtualenv, cached under ``.aws-sam/mailauth-sandbox/``), resolves the
roles SAM generates (inline policies, ``Fn::If``/``AWS::NoValue``, policy templates already expanded by the
translator, the AWS managed policies SAM attaches) and judges each call: :func:`authorization_requests` maps a
botocore ``(service, operation, params)`` to the IAM requests AWS authorises (action, resource ARN, condition
keys), :func:`evaluate` decides, and :func:`access_denied` words the refusal as that service does. An operation
without a mapping raises :class:`UnmappedOperation`: nothing is allowed by default.

**Statically.** :func:`static_checks` finds what services need beyond handler calls: Step Functions' CloudWatch
Logs delivery and X-Ray permissions, ``lambda:InvokeFunction`` for every function a state machine calls, Lambda's
log and X-Ray permissions, the KMS permissions and key policy an encrypted SNS topic needs from its publishers and
from CloudWatch alarms, and the ``AWS::Lambda::Permission`` of every EventBridge, SNS and API Gateway trigger.

Semantics followed (identity-based policies in one account):

* Evaluation: an explicit Deny wins, otherwise an Allow is needed ("Policy evaluation logic",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
* ``Action``/``NotAction``: case-insensitive, ``*`` and ``?`` wildcards; ``Resource``/``NotResource``:
  case-sensitive, ``*`` any run of characters (``:`` and ``/`` included), ``?`` one character; ``Principal`` is
  ignored in identity policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
  Policy variables ``${aws:...}`` are substituted from the request context, ``${*}``/``${?}``/``${$}`` are literals.
* Conditions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  and .../reference_policies_condition-single-vs-multi-valued-context-keys.html): operators in a block, keys of an
  operator AND; values of a key OR. String*, Arn* (per ARN component), Numeric*, Bool, Null; ``ForAllValues:``
  (true when the key is absent or empty), ``ForAnyValue:`` (false when absent); ``...IfExists`` (true when
  absent); a negated operator (``StringNotEquals``...) is true when the key is absent.
* **Fail closed**, stricter than AWS on purpose: an operator this package does not implement, a condition key the
  request context does not know for that action (neither supplied by the request mapping nor a global key set by
  :func:`global_context`), a single-valued operator on a multi-valued key, ``ForAnyValue`` with ``IfExists`` on an
  absent key, or a policy variable without a value make an Allow statement not apply and a Deny statement apply.
  A context value ``None`` means "known for this action, absent from this request"; a key ending in ``/`` with
  value ``None`` declares a whole family (``aws:RequestTag/``) known and absent unless listed.

Not modelled: service control policies, resource control policies, permission boundaries (a role with one is
refused), session policies, resource-based policies (except the KMS key policy and Lambda permissions examined
by :func:`static_checks`), ``aws:ResourceTag``, network and time keys (all fail closed), ``Date*``, ``Binary*``
and ``IpAddress`` operators (fail closed), and cross-account trust (the integrator evaluates the documented
cross-account role policy, :func:`cross_account_zone_policy`, for calls made with its credentials).

Modules, in dependency order: ``errors``; ``transform`` (the SAM translator and its cache); ``resolver``
(intrinsics) and ``naming`` (the sandbox's physical names); ``conditions`` (policy variables, condition
operators), ``evaluation`` (:func:`evaluate`) and ``roles`` (the roles SAM generates, AWS managed
policies); the request mapping, ``requests_common`` and one ``requests_<service>`` module per service,
gathered by ``request_mapping``; ``denials`` (:func:`check_policies`, :func:`access_denied`);
``cross_account``; the static checks, ``static_common``, ``static_roles``, ``static_topics`` and
``static_triggers``; and ``authorizer``.
"""

from __future__ import annotations

from .authorizer import Authorizer, static_checks
from .cross_account import (
    CROSS_ACCOUNT_TRUST_POLICY,
    CROSS_ACCOUNT_ZONE_POLICY,
    cross_account_trust_policy,
    cross_account_zone_policy,
)
from .denials import (
    ACCESS_DENIED,
    SNS_KMS_ACCESS_DENIED,
    Denial,
    access_denied,
    assumed_role_arn,
    check_policies,
)
from .errors import (
    PolicyFormatError,
    TransformError,
    UnknownManagedPolicy,
    UnknownPrincipal,
    UnmappedOperation,
    UnresolvedValue,
    UnsupportedRole,
)
from .evaluation import Policy, evaluate
from .naming import SandboxNames, chain_lookups
from .request_mapping import MAPPED_OPERATIONS, authorization_requests
from .requests_route53 import normalize_record_name
from .resolver import Resolver
from .roles import MANAGED_POLICIES, managed_policy
from .static_common import (
    LAMBDA_LOG_ACTIONS,
    LAMBDA_XRAY_ACTIONS,
    SFN_LOGGING_ACTIONS,
    SFN_XRAY_ACTIONS,
    Finding,
)
from .transform import CACHE_DIR, TOOLS_PYTHON_ENV, tools_python, transformed_template

__all__ = [
    "ACCESS_DENIED",
    "CACHE_DIR",
    "CROSS_ACCOUNT_TRUST_POLICY",
    "CROSS_ACCOUNT_ZONE_POLICY",
    "LAMBDA_LOG_ACTIONS",
    "LAMBDA_XRAY_ACTIONS",
    "MANAGED_POLICIES",
    "MAPPED_OPERATIONS",
    "SFN_LOGGING_ACTIONS",
    "SFN_XRAY_ACTIONS",
    "SNS_KMS_ACCESS_DENIED",
    "TOOLS_PYTHON_ENV",
    "Authorizer",
    "Denial",
    "Finding",
    "Policy",
    "PolicyFormatError",
    "Resolver",
    "SandboxNames",
    "TransformError",
    "UnknownManagedPolicy",
    "UnknownPrincipal",
    "UnmappedOperation",
    "UnresolvedValue",
    "UnsupportedRole",
    "access_denied",
    "assumed_role_arn",
    "authorization_requests",
    "chain_lookups",
    "check_policies",
    "cross_account_trust_policy",
    "cross_account_zone_policy",
    "evaluate",
    "managed_policy",
    "normalize_record_name",
    "static_checks",
    "tools_python",
    "transformed_template",
]
