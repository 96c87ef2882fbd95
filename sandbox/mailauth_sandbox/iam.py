"""IAM in the embedded AWS: every AWS call a handler makes is judged against its role as SAM deploys it.

"AWS is the judge, not our emulators": the first release passed every offline test and would not have deployed,
because a role lacked permissions only AWS checked. This module closes that gap twice.

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
* **Fail closed**, stricter than AWS on purpose: an operator this module does not implement, a condition key the
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
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

from . import template as _sandbox_template

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
TRANSFORM_SCRIPT: Final = REPO_ROOT / "scripts" / "sam_transform.py"
CACHE_DIR: Final = REPO_ROOT / ".aws-sam" / "mailauth-sandbox"
DEFAULT_TOOLS_PYTHON: Final = REPO_ROOT / ".tools" / "bin" / "python"
TOOLS_PYTHON_ENV: Final = "MAILAUTH_SAM_PYTHON"

#: ``lookup(logical_id, attribute)``: ``Ref`` (attribute ``None``) or ``Fn::GetAtt`` of a template resource
Lookup: TypeAlias = Callable[[str, str | None], str]
#: a request-context value: single-valued, multi-valued (a list), or ``None`` ("known for the action, absent")
ContextValue: TypeAlias = str | bool | int | float | list[str] | tuple[str, ...] | None
Context: TypeAlias = Mapping[str, ContextValue]


# ================================================================================================ errors
class IamError(Exception):
    """Base class of this module's errors."""


class TransformError(IamError):
    """The SAM translator could not be run, or failed."""


class UnresolvedValue(IamError):
    """A template value (intrinsic, parameter, resource attribute) that cannot be resolved."""


class PolicyFormatError(IamError):
    """A policy document IAM would reject (no Effect, both Action and NotAction, ...)."""


class UnknownManagedPolicy(IamError):
    """A managed policy ARN whose document this module does not hold (fail closed: not an empty policy)."""


class UnsupportedRole(IamError):
    """A role this module cannot judge faithfully (permission boundary, role defined outside the template)."""


class UnmappedOperation(IamError):
    """A botocore operation without an IAM mapping: the integrator answers it with AccessDenied."""

    def __init__(self, service: str, operation: str) -> None:
        self.service = service
        self.operation = operation
        super().__init__(
            f"no IAM mapping for {service}:{operation}: add it to mailauth_sandbox.iam (_MAPPERS) with the action, "
            "resource ARN and condition keys the Service Authorization Reference lists for it, and cite that page "
            "(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)"
        )


class UnknownPrincipal(IamError):
    """A function or state machine the transformed template does not define."""


# ================================================================================= SAM transform + cache
_memory_cache: dict[str, dict[str, Any]] = {}
_cache_lock = threading.Lock()


def tools_python(explicit: Path | None = None) -> Path:
    """The tools virtualenv's python: ``explicit``, else ``$MAILAUTH_SAM_PYTHON``, else ``<repo>/.tools/bin/python``."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(TOOLS_PYTHON_ENV)
    return Path(env) if env else DEFAULT_TOOLS_PYTHON


def transformed_template(
    template_path: Path | str,
    parameters: Mapping[str, str],
    *,
    region: str,
    account_id: str,
    partition: str,
    stack_name: str,
    tools_python: Path | None = None,
) -> dict[str, Any]:
    """The CloudFormation JSON SAM makes of ``template_path`` (``scripts/sam_transform.py`` in the tools venv).

    Cached in memory and on disk (``<repo>/.aws-sam/mailauth-sandbox/transformed-<sha256>.json``, keyed by the
    template text, the arguments, the script and the tools lock file). Parameters not given take their template
    defaults (the translator applies them). Returns a fresh deep copy: callers may mutate it.
    """
    path = Path(template_path).resolve()
    text = path.read_text(encoding="utf-8")
    args = [
        "--region",
        region,
        "--account-id",
        account_id,
        "--partition",
        partition,
        "--stack-name",
        stack_name,
    ]
    for name in sorted(parameters):
        args += ["--parameter", f"{name}={parameters[name]}"]
    lock = REPO_ROOT / "requirements" / "tools.lock"
    digest = hashlib.sha256(
        json.dumps(
            {
                "template": text,
                "args": args,
                "script": TRANSFORM_SCRIPT.read_text(encoding="utf-8") if TRANSFORM_SCRIPT.exists() else "",
                "tools_lock": lock.read_text(encoding="utf-8") if lock.exists() else "",
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    with _cache_lock:
        cached = _memory_cache.get(digest)
        if cached is None:
            cached = _disk_cached(digest)
        if cached is None:
            cached = _run_transform(path, args, tools_python)
            _store(digest, cached)
        _memory_cache[digest] = cached
        return copy.deepcopy(cached)


def _disk_cached(digest: str) -> dict[str, Any] | None:
    file = CACHE_DIR / f"transformed-{digest}.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "Resources" in data else None


def _store(digest: str, data: Mapping[str, Any]) -> None:
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = CACHE_DIR / f".transformed-{digest}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, CACHE_DIR / f"transformed-{digest}.json")
    except OSError:  # a read-only checkout still works, uncached
        pass


def _run_transform(path: Path, args: list[str], explicit: Path | None) -> dict[str, Any]:
    python = tools_python(explicit)
    if not python.exists():
        raise TransformError(
            f"the SAM translator's python {python} does not exist: run `make tools` to create the tools "
            f"virtualenv (or point {TOOLS_PYTHON_ENV} at a python that has aws-sam-translator)"
        )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        done = subprocess.run(
            [str(python), str(TRANSFORM_SCRIPT), str(path), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            cwd=REPO_ROOT,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TransformError(f"could not run {python} {TRANSFORM_SCRIPT}: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise TransformError(f"SAM transform of {path} failed (exit {done.returncode}):\n{tail}")
    try:
        data = json.loads(done.stdout)
    except ValueError as exc:
        raise TransformError(f"SAM transform of {path} printed no JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TransformError(f"SAM transform of {path} printed {type(data).__name__}, not an object")
    return data


# ================================================================================ intrinsic resolution
class _NoValue:
    """``AWS::NoValue``: the element or key that holds it is removed."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()

_INTRINSICS: Final = frozenset(
    {
        "Ref",
        "Fn::GetAtt",
        "Fn::Sub",
        "Fn::Join",
        "Fn::Split",
        "Fn::Select",
        "Fn::If",
        "Fn::FindInMap",
        "Fn::Base64",
        "Fn::GetAZs",
        "Fn::ImportValue",
        "Fn::Cidr",
        "Fn::Transform",
        "Fn::Length",
        "Fn::ToJsonString",
    }
)
_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")


def url_suffix(partition: str) -> str:
    """``AWS::URLSuffix`` of a partition."""
    return {"aws-cn": "amazonaws.com.cn"}.get(partition, "amazonaws.com")


class Resolver:
    """Resolves the intrinsics of a (transformed) template to plain JSON values.

    ``Ref`` of a parameter gives its value (``parameters``) or default (``CommaDelimitedList``/``List<...>`` as a
    list), of a pseudo parameter its value, of a resource ``lookup(logical_id, None)``; ``Fn::GetAtt``
    ``lookup(logical_id, attribute)``. ``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Split``, ``Fn::Select``,
    ``Fn::If`` with the template's ``Conditions`` (``Fn::Equals``/``Not``/``And``/``Or``/``Condition``),
    ``Fn::FindInMap`` and ``AWS::NoValue`` (drops the list element or mapping key) are resolved; anything else
    raises :class:`UnresolvedValue` (nothing is dropped silently).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        lookup: Lookup,
        parameters: Mapping[str, str] | None = None,
        region: str,
        account_id: str,
        partition: str,
        stack_name: str,
    ) -> None:
        self.template = template
        self.lookup = lookup
        self.parameters = dict(parameters or {})
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self.stack_name = stack_name
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        unknown = set(self.parameters) - set(template.get("Parameters") or {})
        if unknown:
            raise UnresolvedValue(f"the template has no parameter(s) {', '.join(sorted(unknown))}")

    # -- pseudo parameters and parameters ---------------------------------------------------------
    @property
    def pseudo(self) -> dict[str, Any]:
        """The pseudo parameters (``AWS::NoValue`` excluded)."""
        stack_id = uuid.uuid5(uuid.NAMESPACE_URL, f"mailauth-sandbox:{self.account_id}:{self.stack_name}")
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": url_suffix(self.partition),
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/"
            f"{self.stack_name}/{stack_id}",
            "AWS::NotificationARNs": [],
        }

    def parameter(self, name: str) -> str | list[str]:
        """A parameter's value (given, else default); lists for ``CommaDelimitedList`` and ``List<...>``."""
        spec = (self.template.get("Parameters") or {}).get(name)
        if not isinstance(spec, dict):
            raise UnresolvedValue(f"no parameter {name}")
        if name in self.parameters:
            raw: Any = self.parameters[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise UnresolvedValue(f"parameter {name} has no value and no default")
        kind = str(spec.get("Type", "String"))
        if isinstance(raw, list):
            raw = ",".join(str(v) for v in raw)
        text = _scalar(raw)
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and text not in [_scalar(v) for v in allowed]:
            raise UnresolvedValue(f"parameter {name}={text!r} is not one of its AllowedValues {allowed}")
        if kind == "CommaDelimitedList" or (
            kind.startswith("List<") and not kind.startswith("List<AWS::SSM")
        ):
            return text.split(",")
        if kind.startswith("AWS::SSM::Parameter::Value"):
            raise UnresolvedValue(f"parameter {name} is an SSM parameter type, which the sandbox cannot read")
        return text

    # -- conditions -------------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        """The value of the template condition ``name``."""
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise UnresolvedValue(f"no condition {name}")
        if name in self._evaluating:
            raise UnresolvedValue(f"condition {name} refers to itself")
        self._evaluating.add(name)
        try:
            value = self._truth(conditions[name])
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = value
        return value

    def _truth(self, node: Any) -> bool:
        if isinstance(node, bool):
            return node
        if not (isinstance(node, dict) and len(node) == 1):
            raise UnresolvedValue(f"not a condition: {node!r}")
        ((key, arg),) = node.items()
        if key == "Condition":
            return self.condition(str(arg))
        if key == "Fn::Equals":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Equals takes two values: {arg!r}")
            left, right = (self._comparable(self.resolve(a)) for a in arg)
            return bool(left == right)
        if key == "Fn::Not":
            if not (isinstance(arg, list) and len(arg) == 1):
                raise UnresolvedValue(f"Fn::Not takes one condition: {arg!r}")
            return not self._truth(arg[0])
        if key in ("Fn::And", "Fn::Or"):
            if not isinstance(arg, list) or not arg:
                raise UnresolvedValue(f"{key} takes a list of conditions: {arg!r}")
            results = [self._truth(a) for a in arg]
            return all(results) if key == "Fn::And" else any(results)
        raise UnresolvedValue(f"not a condition function: {key}")

    @staticmethod
    def _comparable(value: Any) -> Any:
        if isinstance(value, list):
            return [_scalar(v) for v in value]
        return _scalar(value)

    def exists(self, logical_id: str) -> bool:
        """Whether a resource is in the template and its ``Condition`` (if any) holds."""
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            return False
        name = resource.get("Condition")
        return True if name is None else self.condition(str(name))

    # -- values -----------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic in ``value``; may return :data:`NO_VALUE`."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key in _INTRINSICS:
                    return self._intrinsic(key, arg)
                if key.startswith("Fn::"):
                    raise UnresolvedValue(f"unknown intrinsic function {key}")
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self.resolve(item)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        return value

    def string(self, value: Any) -> str:
        """Resolve ``value`` to one string."""
        resolved = self.resolve(value)
        if resolved is NO_VALUE or isinstance(resolved, (list, dict)) or resolved is None:
            raise UnresolvedValue(f"{value!r} does not resolve to a string (got {resolved!r})")
        return _scalar(resolved)

    def strings(self, value: Any) -> list[str]:
        """Resolve ``value`` to a list of strings (a single string becomes a one-element list)."""
        resolved = self.resolve(value)
        if resolved is NO_VALUE:
            return []
        if isinstance(resolved, list):
            if not all(isinstance(v, (str, int, float, bool)) for v in resolved):
                raise UnresolvedValue(f"{value!r} does not resolve to a list of strings (got {resolved!r})")
            return [_scalar(v) for v in resolved]
        return [self.string(resolved)]

    def _lookup(self, logical_id: str, attribute: str | None) -> str:
        if logical_id not in self.resources:
            raise UnresolvedValue(f"no resource or parameter {logical_id}")
        if not self.exists(logical_id):
            raise UnresolvedValue(f"{logical_id} is not created: its condition is false")
        try:
            return str(self.lookup(logical_id, attribute))
        except IamError:
            raise
        except Exception as exc:
            raise UnresolvedValue(f"{logical_id}.{attribute or 'Ref'}: {exc}") from exc

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = self.pseudo
        if name in pseudo:
            return pseudo[name]
        if name.startswith("AWS::"):
            raise UnresolvedValue(f"unknown pseudo parameter {name}")
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name)
        return self._lookup(name, None)

    def _intrinsic(self, key: str, arg: Any) -> Any:  # noqa: C901 - one branch per function
        if key == "Ref":
            return self._ref(str(arg))
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::GetAtt takes [resource, attribute]: {arg!r}")
            return self._lookup(str(arg[0]), self.string(arg[1]))
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Join":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Join takes [separator, list]: {arg!r}")
            return str(arg[0]).join(self.strings(arg[1]))
        if key == "Fn::Split":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Split takes [separator, string]: {arg!r}")
            return self.string(arg[1]).split(str(arg[0]))
        if key == "Fn::Select":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Select takes [index, list]: {arg!r}")
            items = self.resolve(arg[1])
            index = int(self.string(arg[0]))
            if not isinstance(items, list) or not 0 <= index < len(items):
                raise UnresolvedValue(f"Fn::Select index {index} out of range of {items!r}")
            return items[index]
        if key == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3):
                raise UnresolvedValue(f"Fn::If takes [condition, then, else]: {arg!r}")
            return self.resolve(arg[1] if self.condition(str(arg[0])) else arg[2])
        if key == "Fn::FindInMap":
            if not (isinstance(arg, list) and len(arg) == 3):
                raise UnresolvedValue(f"Fn::FindInMap takes [map, key, key]: {arg!r}")
            mapping, top, second = (self.string(a) for a in arg)
            try:
                return self.resolve((self.template.get("Mappings") or {})[mapping][top][second])
            except KeyError as exc:
                raise UnresolvedValue(f"Fn::FindInMap {mapping}/{top}/{second}: no such entry") from exc
        raise UnresolvedValue(f"{key} is not resolved by the sandbox")

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = self.string(arg[0]), arg[1]
        else:
            raise UnresolvedValue(f"Fn::Sub takes a string or [string, variables]: {arg!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return self.string(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return self._lookup(resource, attribute)
            value = self._ref(name)
            if isinstance(value, (list, dict)) or value is NO_VALUE:
                raise UnresolvedValue(f"Fn::Sub variable ${{{name}}} is not a string: {value!r}")
            return _scalar(value)

        return _SUB_VARIABLE.sub(replace, text)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ============================================================================ sandbox resource naming
class SandboxNames:
    """The sandbox's physical names and attributes of template resources, as a :data:`Lookup`.

    Mirrors ``engine.LocalAws._declare``/``_lookup``: a function, table, topic, rule, role or alarm is named by its
    logical ID unless its name property says otherwise; a state machine by its (resolved) ``StateMachineName`` or
    ``Name``; ``Ref`` of a topic or state machine is its ARN; a KMS key gets a deterministic key id. Use it alone
    or behind the sandbox's own lookup (:func:`chain_lookups`).
    """

    def __init__(
        self, template: Mapping[str, Any], *, region: str, account_id: str, partition: str, stack_name: str
    ) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self.stack_name = stack_name
        self._resolver = Resolver(
            template,
            lookup=self,
            region=region,
            account_id=account_id,
            partition=partition,
            stack_name=stack_name,
        )

    def _id(self, logical_id: str, length: int = 0) -> str:
        seed = f"mailauth-sandbox:{self.partition}:{self.account_id}:{self.region}:{self.stack_name}:{logical_id}"
        if length:
            return hashlib.sha256(seed.encode()).hexdigest()[:length]
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))

    def _name(self, props: Mapping[str, Any], key: str, default: str) -> str:
        return self._resolver.string(props[key]) if props.get(key) is not None else default

    def __call__(self, logical_id: str, attribute: str | None) -> str:
        resource = (self.template.get("Resources") or {}).get(logical_id)
        if not isinstance(resource, dict):
            raise UnresolvedValue(f"no resource {logical_id}")
        values = self._attributes(logical_id, str(resource.get("Type")), resource.get("Properties") or {})
        key = attribute or "Ref"
        if key not in values:
            raise UnresolvedValue(f"the sandbox does not name {logical_id} ({resource.get('Type')}).{key}")
        return values[key]

    def _attributes(self, logical: str, rtype: str, props: Mapping[str, Any]) -> dict[str, str]:  # noqa: C901
        p, r, a = self.partition, self.region, self.account_id
        if rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            name = self._name(props, "FunctionName", logical)
            return {"Ref": name, "Arn": f"arn:{p}:lambda:{r}:{a}:function:{name}"}
        if rtype in ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"):
            key = "StateMachineName" if props.get("StateMachineName") is not None else "Name"
            name = self._name(props, key, logical)
            arn = f"arn:{p}:states:{r}:{a}:stateMachine:{name}"
            return {"Ref": arn, "Arn": arn, "Name": name}
        if rtype in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            name = self._name(props, "TableName", logical)
            return {"Ref": name, "Arn": f"arn:{p}:dynamodb:{r}:{a}:table/{name}"}
        if rtype == "AWS::SNS::Topic":
            name = self._name(props, "TopicName", logical)
            arn = f"arn:{p}:sns:{r}:{a}:{name}"
            return {"Ref": arn, "TopicArn": arn, "TopicName": name}
        if rtype == "AWS::SQS::Queue":
            name = self._name(props, "QueueName", f"{self.stack_name}-{logical}")
            return {
                "Ref": f"https://sqs.{r}.amazonaws.com/{a}/{name}",
                "Arn": f"arn:{p}:sqs:{r}:{a}:{name}",
                "QueueName": name,
            }
        if rtype == "AWS::SNS::Subscription":
            return {"Ref": f"{self._resolver.string(props.get('TopicArn'))}:{self._id(logical)}"}
        if rtype == "AWS::KMS::Key":
            key_id = self._id(logical)
            return {"Ref": key_id, "KeyId": key_id, "Arn": f"arn:{p}:kms:{r}:{a}:key/{key_id}"}
        if rtype == "AWS::KMS::Alias":
            return {"Ref": self._resolver.string(props.get("AliasName"))}
        if rtype == "AWS::Logs::LogGroup":
            name = self._name(props, "LogGroupName", f"{self.stack_name}-{logical}")
            return {"Ref": name, "Arn": f"arn:{p}:logs:{r}:{a}:log-group:{name}:*"}
        if rtype == "AWS::IAM::Role":
            name = self._name(props, "RoleName", logical)
            path = self._name(props, "Path", "/")
            return {
                "Ref": name,
                "Arn": f"arn:{p}:iam::{a}:role{path}{name}",
                "RoleId": "AROA" + self._id(logical, 17),
            }
        if rtype == "AWS::IAM::ManagedPolicy":
            name = self._name(props, "ManagedPolicyName", logical)
            path = self._name(props, "Path", "/")
            arn = f"arn:{p}:iam::{a}:policy{path}{name}"
            return {"Ref": arn, "PolicyArn": arn}
        if rtype == "AWS::Events::EventBus":
            name = self._name(props, "Name", logical)
            arn = f"arn:{p}:events:{r}:{a}:event-bus/{name}"
            return {"Ref": name, "Arn": arn, "Name": name}
        if rtype == "AWS::Events::Rule":
            name = self._name(props, "Name", logical)
            bus = self._name(props, "EventBusName", "default")
            bus = bus.rsplit("/", 1)[-1]
            arn = (
                f"arn:{p}:events:{r}:{a}:rule/{name}"
                if bus == "default"
                else f"arn:{p}:events:{r}:{a}:rule/{bus}/{name}"
            )
            return {"Ref": name, "Arn": arn}
        if rtype == "AWS::ApiGateway::RestApi":
            return {"Ref": self._id(logical, 10), "RootResourceId": self._id(logical + "/", 10)}
        if rtype == "AWS::ApiGateway::Stage":
            return {"Ref": self._name(props, "StageName", logical)}
        if rtype == "AWS::ApiGateway::Account":
            return {"Ref": self._id(logical, 10)}
        if rtype == "AWS::ApiGateway::Deployment":
            return {"Ref": self._id(logical, 6)}
        if rtype in ("AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion"):
            name = self._name(props, "LayerName", logical)
            return {"Ref": f"arn:{p}:lambda:{r}:{a}:layer:{name}:1"}
        if rtype == "AWS::CloudWatch::Alarm":
            name = self._name(props, "AlarmName", logical)
            return {"Ref": name, "Arn": f"arn:{p}:cloudwatch:{r}:{a}:alarm:{name}"}
        if rtype == "AWS::Chatbot::SlackChannelConfiguration":
            name = self._name(props, "ConfigurationName", logical)
            arn = f"arn:{p}:chatbot::{a}:chat-configuration/slack-channel/{name}"
            return {"Ref": arn, "Arn": arn}
        raise UnresolvedValue(f"the sandbox does not name resources of type {rtype} ({logical})")


def chain_lookups(*lookups: Lookup) -> Lookup:
    """A lookup that asks each of ``lookups`` in turn, moving on when one cannot answer."""

    def lookup(logical_id: str, attribute: str | None) -> str:
        errors: list[str] = []
        for each in lookups:
            try:
                return each(logical_id, attribute)
            except (UnresolvedValue, _sandbox_template.UnresolvedError, KeyError) as exc:
                errors.append(str(exc))
        raise UnresolvedValue(f"{logical_id}.{attribute or 'Ref'}: {'; '.join(errors)}")

    return lookup


# ========================================================================================== policies
# AWS managed policies SAM attaches, as the AWS Managed Policy Reference Guide shows them:
#   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
#   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXrayWriteOnlyAccess.html
# Keyed by the ARN's path and name (the partition varies). Any other managed policy is an error: an empty
# document would silently deny, a guessed one silently allow.
#: The one statement both AWS managed X-Ray write policies hold (same actions, on "*").
_XRAY_WRITE: Final[Mapping[str, Any]] = {
    "Effect": "Allow",
    "Action": [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ],
    "Resource": ["*"],
}
MANAGED_POLICIES: Final[Mapping[str, Mapping[str, Any]]] = {
    "service-role/AWSLambdaBasicExecutionRole": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ],
    },
    "AWSXrayWriteOnlyAccess": {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "AWSXrayWriteOnlyAccess", **_XRAY_WRITE}],
    },
    # What SAM attaches for X-Ray in the aws-cn and aws-us-gov partitions (samtranslator/model/xray_utils.py):
    # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html
    "AWSXRayDaemonWriteAccess": {"Version": "2012-10-17", "Statement": [dict(_XRAY_WRITE)]},
}
_AWS_MANAGED_ARN: Final = re.compile(r"^arn:[a-z-]+:iam::aws:policy/(?P<name>.+)$")


@dataclass(frozen=True)
class Policy:
    """A resolved policy document and the name reasons refer to (inline name or managed policy ARN)."""

    name: str
    document: Mapping[str, Any]


def managed_policy(arn: str) -> Policy:
    """The document of an AWS managed policy this module holds; :class:`UnknownManagedPolicy` otherwise."""
    match = _AWS_MANAGED_ARN.match(arn)
    document = MANAGED_POLICIES.get(match.group("name")) if match else None
    if document is None:
        raise UnknownManagedPolicy(
            f"managed policy {arn} is not embedded in mailauth_sandbox.iam.MANAGED_POLICIES: add its document from "
            "the AWS Managed Policy Reference Guide (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/)"
        )
    return Policy(name=arn, document=copy.deepcopy(dict(document)))


@dataclass(frozen=True)
class Role:
    """An IAM role with its resolved policies (inline, managed, and AWS::IAM::Policy resources attached to it)."""

    logical_id: str
    name: str
    arn: str
    policies: tuple[Policy, ...]
    trust_policy: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def partition(self) -> str:
        """The partition of the role's ARN."""
        return self.arn.split(":")[1]

    @property
    def account_id(self) -> str:
        """The account of the role's ARN."""
        return self.arn.split(":")[4]

    def principal_arn(self, session_name: str) -> str:
        """The assumed-role ARN AWS names in messages (Lambda's session name is the function name)."""
        return f"arn:{self.partition}:sts::{self.account_id}:assumed-role/{self.name}/{session_name}"

    def evaluate(self, action: str, resource: str, context: Context | None = None) -> Decision:
        """:func:`evaluate` this role's policies, with :func:`global_context` under ``context``."""
        merged: dict[str, ContextValue] = dict(
            global_context(self.principal_arn("sandbox"), region=None, principal_tags=self.tags)
        )
        merged.update(context or {})
        return evaluate(self.policies, action, resource, merged)


def _attached_policies(resolver: Resolver, role_name: str) -> tuple[list[Policy], dict[str, Policy]]:
    """Policies of other template resources attached to the role, and every customer managed policy by ARN."""
    attached: list[Policy] = []
    customer: dict[str, Policy] = {}
    for other, res in resolver.resources.items():
        if not isinstance(res, dict) or not resolver.exists(other):
            continue
        rtype, props = res.get("Type"), res.get("Properties") or {}
        if rtype not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
            continue
        if rtype == "AWS::IAM::ManagedPolicy":
            name = resolver.string({"Ref": other})
        else:
            name = resolver.string(props.get("PolicyName"))
        policy = Policy(name=name, document=resolver.resolve(props.get("PolicyDocument")))
        if rtype == "AWS::IAM::ManagedPolicy":
            customer[name] = policy
        if rtype == "AWS::IAM::RolePolicy":
            roles = [resolver.string(props.get("RoleName"))]
        else:
            roles = resolver.strings(props.get("Roles") or [])
        if role_name in roles:
            attached.append(policy)
    return attached, customer


def _role(resolver: Resolver, logical_id: str) -> Role:
    resources = resolver.resources
    resource = resources.get(logical_id)
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::IAM::Role":
        raise UnsupportedRole(f"{logical_id} is not an AWS::IAM::Role of the template")
    if not resolver.exists(logical_id):
        raise UnsupportedRole(f"role {logical_id} is not created: its condition is false")
    props: Mapping[str, Any] = resource.get("Properties") or {}
    if props.get("PermissionsBoundary") is not None:
        raise UnsupportedRole(
            f"role {logical_id} has a permissions boundary, which the sandbox does not model"
        )
    name = resolver.string({"Ref": logical_id})
    arn = resolver.string({"Fn::GetAtt": [logical_id, "Arn"]})
    policies: list[Policy] = []
    for item in resolver.resolve(props.get("Policies") or []):
        if not isinstance(item, dict) or "PolicyDocument" not in item:
            raise PolicyFormatError(f"role {logical_id}: an inline policy without PolicyDocument: {item!r}")
        policies.append(Policy(name=str(item.get("PolicyName", "?")), document=item["PolicyDocument"]))
    attached, customer = _attached_policies(resolver, name)
    policies += attached
    for managed in resolver.strings(props.get("ManagedPolicyArns") or []):
        if managed in customer:
            if customer[managed] not in policies:
                policies.append(customer[managed])
        else:
            policies.append(managed_policy(managed))
    for policy in policies:
        _statements(policy.document, identity=True, where=f"role {logical_id}, policy {policy.name}")
    tags = {
        _scalar(t.get("Key")): _scalar(t.get("Value"))
        for t in resolver.resolve(props.get("Tags") or [])
        if isinstance(t, dict)
    }
    trust = resolver.resolve(props.get("AssumeRolePolicyDocument") or {})
    return Role(
        logical_id=logical_id,
        name=name,
        arn=arn,
        policies=tuple(policies),
        trust_policy=trust if isinstance(trust, dict) else {},
        tags=tags,
    )


def _role_logical_id(value: Any, owner: str) -> str:
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        target = target.split(".", 1) if isinstance(target, str) else target
        if isinstance(target, list) and len(target) == 2 and target[1] == "Arn":
            return str(target[0])
    raise UnsupportedRole(
        f"{owner}'s role is {value!r}, not a role of the template: the sandbox cannot know its policies"
    )


def _roles(
    transformed: Mapping[str, Any], resolver: Resolver, resource_type: str, role_property: str
) -> dict[str, Role]:
    out: dict[str, Role] = {}
    for logical, resource in (transformed.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") == resource_type and resolver.exists(logical):
            role = (resource.get("Properties") or {}).get(role_property)
            out[logical] = _role(resolver, _role_logical_id(role, logical))
    return out


def function_roles(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, Role]:
    """``{function logical ID: Role}`` for every ``AWS::Lambda::Function`` the template creates."""
    return _roles(transformed, resolver, "AWS::Lambda::Function", "Role")


def state_machine_roles(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, Role]:
    """``{state machine logical ID: Role}`` for every ``AWS::StepFunctions::StateMachine`` the template creates."""
    return _roles(transformed, resolver, "AWS::StepFunctions::StateMachine", "RoleArn")


# ========================================================================================== evaluation
@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`evaluate`: ``allowed`` and why (the deciding statement, or what was missing)."""

    allowed: bool
    reason: str
    kind: Literal["allow", "explicit_deny", "implicit_deny"]


_MATCH, _NO_MATCH, _UNKNOWN = "match", "no-match", "unknown"
_Outcome: TypeAlias = tuple[str, str]  # (one of the three, why when unknown)


def _as_list(value: Any, what: str, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) for v in items):
        raise PolicyFormatError(
            f"{where}: {what} must be a string or a non-empty list of strings, not {value!r}"
        )
    return list(items)


def _statements(document: Any, *, identity: bool, where: str) -> list[dict[str, Any]]:
    """The statements of a policy document, checked the way IAM would reject them."""
    if not isinstance(document, dict) or "Statement" not in document:
        raise PolicyFormatError(f"{where}: not a policy document (no Statement): {document!r}")
    raw = document["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    for i, statement in enumerate(statements):
        here = f"{where}, statement {statement.get('Sid', i) if isinstance(statement, dict) else i}"
        if not isinstance(statement, dict):
            raise PolicyFormatError(f"{here}: not an object: {statement!r}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise PolicyFormatError(f"{here}: Effect must be Allow or Deny, not {statement.get('Effect')!r}")
        if ("Action" in statement) == ("NotAction" in statement):
            raise PolicyFormatError(f"{here}: exactly one of Action and NotAction is required")
        _as_list(statement.get("Action", statement.get("NotAction")), "Action", here)
        has_resource = ("Resource" in statement) + ("NotResource" in statement)
        if has_resource > 1 or (identity and has_resource == 0):
            raise PolicyFormatError(f"{here}: exactly one of Resource and NotResource is required")
        if has_resource:
            _as_list(statement.get("Resource", statement.get("NotResource")), "Resource", here)
        condition = statement.get("Condition", {})
        if not isinstance(condition, dict) or not all(isinstance(v, dict) for v in condition.values()):
            raise PolicyFormatError(f"{here}: Condition must map operators to {{key: values}}: {condition!r}")
    return statements


@lru_cache(maxsize=8192)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _action_matches(patterns: Sequence[str], action: str) -> bool:
    return any(_glob(p, True).fullmatch(action) for p in patterns)


_POLICY_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")


def _lookup_key(context: Context, key: str) -> tuple[str, ContextValue]:
    """``("present", value)``, ``("absent", None)`` or ``("unknown", None)`` for a (case-insensitive) key."""
    wanted = key.lower()
    for name, value in context.items():
        if name.lower() == wanted and not name.endswith("/"):
            if value is None or (isinstance(value, (list, tuple)) and not value):
                return "absent", None
            return "present", value
    for name, value in context.items():
        if name.endswith("/") and value is None and wanted.startswith(name.lower()):
            return "absent", None
    return "unknown", None


def _compile_value(
    value: str, context: Context, *, wildcards: bool, ignore_case: bool
) -> re.Pattern[str] | None:
    """A regex for a policy value with its policy variables substituted; ``None`` if a variable has no value."""
    parts: list[str] = []
    pos = 0
    for match in _POLICY_VARIABLE.finditer(value):
        parts.append(_literal_regex(value[pos : match.start()], wildcards))
        pos = match.end()
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            parts.append(re.escape(inner))
            continue
        key, _, default = inner.partition(",")
        state, found = _lookup_key(context, key.strip())
        if state == "present" and isinstance(found, (str, int, float, bool)):
            parts.append(re.escape(_scalar(found)))
        elif default.strip().startswith("'") and default.strip().endswith("'") and len(default.strip()) >= 2:
            parts.append(re.escape(default.strip()[1:-1]))
        else:
            return None
    parts.append(_literal_regex(value[pos:], wildcards))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _literal_regex(text: str, wildcards: bool) -> str:
    if not wildcards:
        return re.escape(text)
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)


def _resource_outcome(patterns: Sequence[str], resource: str, context: Context) -> _Outcome:
    unknown = ""
    for pattern in patterns:
        regex = _compile_value(pattern, context, wildcards=True, ignore_case=False)
        if regex is None:
            unknown = f"policy variable without a value in resource {pattern}"
        elif regex.fullmatch(resource):
            return _MATCH, ""
    return (_UNKNOWN, unknown) if unknown else (_NO_MATCH, "")


# -- condition operators -------------------------------------------------------------------------
_NEGATED: Final = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}
_POSITIVE: Final = frozenset(
    {
        "StringEquals",
        "StringEqualsIgnoreCase",
        "StringLike",
        "ArnEquals",
        "ArnLike",
        "NumericEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "Bool",
    }
)
_NUMERIC: Final[Mapping[str, Callable[[float, float], bool]]] = {
    "NumericEquals": lambda a, b: a == b,
    "NumericLessThan": lambda a, b: a < b,
    "NumericLessThanEquals": lambda a, b: a <= b,
    "NumericGreaterThan": lambda a, b: a > b,
    "NumericGreaterThanEquals": lambda a, b: a >= b,
}


def _value_matches(base: str, policy_value: Any, actual: Any, context: Context) -> bool | None:
    """Does one request value match one policy value under a positive operator? ``None``: cannot tell."""
    if base in _NUMERIC:
        try:
            return _NUMERIC[base](float(actual), float(policy_value))
        except (TypeError, ValueError):
            return None
    if base == "Bool":
        expected = _scalar(policy_value).lower()
        if expected not in ("true", "false"):
            return None
        return _scalar(actual).lower() == expected
    if not isinstance(policy_value, (str, int, float, bool)):
        return None
    text, request = _scalar(policy_value), _scalar(actual)
    if base in ("ArnEquals", "ArnLike"):
        wanted, got = text.split(":", 5), request.split(":", 5)
        if len(wanted) != 6 or len(got) != 6:
            return False
        for w, g in zip(wanted, got, strict=True):
            regex = _compile_value(w, context, wildcards=True, ignore_case=False)
            if regex is None:
                return None
            if not regex.fullmatch(g):
                return False
        return True
    regex = _compile_value(
        text, context, wildcards=base == "StringLike", ignore_case=base == "StringEqualsIgnoreCase"
    )
    if regex is None:
        return None
    return regex.fullmatch(request) is not None


def _any_policy_value(base: str, policy_values: Sequence[Any], actual: Any, context: Context) -> bool | None:
    """Does ``actual`` match any policy value (values of one key OR)? ``None``: cannot tell."""
    unknown = False
    for value in policy_values:
        result = _value_matches(base, value, actual, context)
        if result:
            return True
        unknown = unknown or result is None
    return None if unknown else False


def _condition_outcome(operator: str, key: str, raw_values: Any, context: Context) -> _Outcome:  # noqa: C901
    """The outcome of one ``operator: {key: values}`` pair."""
    policy_values = raw_values if isinstance(raw_values, list) else [raw_values]
    qualifier, _, rest = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        return _UNKNOWN, f"unknown condition operator {operator}"
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    name = rest[: -len("IfExists")] if if_exists else rest
    state, actual = _lookup_key(context, key)
    if state == "unknown":
        return _UNKNOWN, f"condition key {key} is not known for this request"
    if name == "Null":
        if qualifier or if_exists:
            return _UNKNOWN, f"unsupported operator {operator}"
        wanted = {_scalar(v).lower() for v in policy_values}
        if not wanted <= {"true", "false"} or len(wanted) != 1:
            return _UNKNOWN, f"Null takes true or false, not {raw_values!r}"
        return (_MATCH if (state == "absent") == (wanted == {"true"}) else _NO_MATCH), ""
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    if base not in _POSITIVE:
        return _UNKNOWN, f"condition operator {operator} is not implemented (fail closed)"
    if state == "absent":
        if qualifier == "ForAllValues":
            return _MATCH, ""  # vacuously true: the documented trap, modelled exactly
        if qualifier == "ForAnyValue":
            if if_exists:
                return _UNKNOWN, f"{operator} on an absent key is undocumented (fail closed)"
            return _NO_MATCH, ""
        if if_exists or negated:
            return _MATCH, ""
        return _NO_MATCH, ""
    values = list(actual) if isinstance(actual, (list, tuple)) else [actual]
    if not qualifier:
        if isinstance(actual, (list, tuple)) and len(values) != 1:
            return _UNKNOWN, f"single-valued operator {operator} on multi-valued key {key} (fail closed)"
        result = _any_policy_value(base, policy_values, values[0], context)
        if result is None:
            return _UNKNOWN, f"cannot compare {key} with {raw_values!r} under {operator}"
        return (_MATCH if result != negated else _NO_MATCH), ""
    per_value: list[bool] = []
    for value in values:
        result = _any_policy_value(base, policy_values, value, context)
        if result is None:
            return _UNKNOWN, f"cannot compare {key} with {raw_values!r} under {operator}"
        per_value.append(result != negated)  # negated: this request value matches none of the policy values
    ok = all(per_value) if qualifier == "ForAllValues" else any(per_value)
    return (_MATCH if ok else _NO_MATCH), ""


def _conditions_outcome(condition: Mapping[str, Any], context: Context) -> _Outcome:
    unknown = ""
    for operator, keys in condition.items():
        for key, values in keys.items():
            state, why = _condition_outcome(operator, key, values, context)
            if state == _NO_MATCH:
                return _NO_MATCH, ""
            if state == _UNKNOWN and not unknown:
                unknown = why
    return (_UNKNOWN, unknown) if unknown else (_MATCH, "")


def _principal_matches(element: Any, principal: Mapping[str, str]) -> bool:
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    for kind, wanted in principal.items():
        entries = element.get(kind)
        if entries is None:
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            text = _scalar(entry)
            partition = wanted.split(":")[1] if wanted.startswith("arn:") else "aws"
            if re.fullmatch(r"\d{12}", text):
                text = f"arn:{partition}:iam::{text}:root"
            if text == "*" or text == wanted:
                return True
    return False


def _statement_outcome(
    statement: Mapping[str, Any],
    action: str,
    resource: str,
    context: Context,
    principal: Mapping[str, str] | None,
) -> _Outcome:
    if principal is not None:
        if "NotPrincipal" in statement:
            return _UNKNOWN, "NotPrincipal is not modelled"
        if not _principal_matches(statement.get("Principal"), principal):
            return _NO_MATCH, ""
    if "Action" in statement:
        if not _action_matches(_as_list(statement["Action"], "Action", "statement"), action):
            return _NO_MATCH, ""
    elif _action_matches(_as_list(statement["NotAction"], "NotAction", "statement"), action):
        return _NO_MATCH, ""
    resource_state, why = _MATCH, ""
    if "Resource" in statement:
        resource_state, why = _resource_outcome(
            _as_list(statement["Resource"], "Resource", "statement"), resource, context
        )
    elif "NotResource" in statement:
        state, why = _resource_outcome(
            _as_list(statement["NotResource"], "NotResource", "statement"), resource, context
        )
        resource_state = {_MATCH: _NO_MATCH, _NO_MATCH: _MATCH}.get(state, _UNKNOWN)
    if resource_state == _NO_MATCH:
        return _NO_MATCH, ""
    condition_state, condition_why = _conditions_outcome(statement.get("Condition") or {}, context)
    if condition_state == _NO_MATCH:
        return _NO_MATCH, ""
    if resource_state == _UNKNOWN or condition_state == _UNKNOWN:
        return _UNKNOWN, why or condition_why
    return _MATCH, ""


def _policies(documents: Iterable[Policy | Mapping[str, Any]]) -> Iterator[Policy]:
    for i, doc in enumerate(documents):
        yield doc if isinstance(doc, Policy) else Policy(name=f"#{i}", document=doc)


def evaluate(
    documents: Iterable[Policy | Mapping[str, Any]],
    action: str,
    resource: str,
    context: Context | None = None,
    *,
    principal: Mapping[str, str] | None = None,
) -> Decision:
    """Decide ``action`` on ``resource`` under ``documents`` (IAM policy evaluation, fail closed; module doc).

    ``documents``: identity policies (``principal`` ``None``: their ``Principal`` is ignored), or a resource-based
    policy with ``principal`` the caller (``{"AWS": arn}`` or ``{"Service": "cloudwatch.amazonaws.com"}``).
    """
    context = context or {}
    allow: str | None = None
    notes: list[str] = []
    for policy in _policies(documents):
        for i, statement in enumerate(
            _statements(policy.document, identity=principal is None, where=policy.name)
        ):
            label = f"statement {statement.get('Sid') or '#' + str(i)} of policy {policy.name}"
            state, why = _statement_outcome(statement, action, resource, context, principal)
            if statement["Effect"] == "Deny" and state in (_MATCH, _UNKNOWN):
                suffix = f" (fail closed: {why})" if state == _UNKNOWN else ""
                return Decision(False, f"explicitly denied by {label}{suffix}", "explicit_deny")
            if statement["Effect"] == "Allow":
                if state == _MATCH and allow is None:
                    allow = label
                elif state == _UNKNOWN:
                    notes.append(f"{label} does not apply (fail closed: {why})")
    if allow is not None:
        return Decision(True, f"allowed by {allow}", "allow")
    reason = f"no statement allows {action} on {resource}"
    if notes:
        reason += "; " + "; ".join(notes)
    return Decision(False, reason, "implicit_deny")


def global_context(
    principal_arn: str,
    *,
    region: str | None,
    principal_tags: Mapping[str, str] | None = None,
) -> dict[str, ContextValue]:
    """The global condition keys the sandbox supplies for a role session calling directly (not via a service).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html. Keys not set here
    (``aws:SourceIp``, ``aws:ResourceTag/...``, ``aws:CurrentTime``...) are unknown and fail closed.
    """
    parts = principal_arn.split(":")
    partition, account = parts[1], parts[4]
    role_name = (
        principal_arn.split("/")[1] if ":assumed-role/" in principal_arn else principal_arn.rsplit("/", 1)[-1]
    )
    context: dict[str, ContextValue] = {
        "aws:PrincipalArn": f"arn:{partition}:iam::{account}:role/{role_name}",
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "AssumedRole",
        "aws:SecureTransport": True,
        "aws:ViaAWSService": False,
        "aws:CalledVia": None,
        "aws:CalledViaFirst": None,
        "aws:CalledViaLast": None,
        "aws:MultiFactorAuthPresent": None,
        "aws:PrincipalTag/": None,
    }
    for key, value in (principal_tags or {}).items():
        context[f"aws:PrincipalTag/{key}"] = value
    if region is not None:
        context["aws:RequestedRegion"] = region
    return context


# ===================================================================================== request mapping
@dataclass(frozen=True)
class AuthzRequest:
    """One IAM authorisation AWS performs for an API call."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


#: the tags of an existing resource, by ARN (None when it does not exist)
ResourceTags: TypeAlias = Callable[[str], "Mapping[str, str] | None"]


@dataclass(frozen=True)
class _Env:
    region: str
    account_id: str
    partition: str
    topic_keys: Mapping[str, str]
    #: the tags of an existing resource by ARN (None: it does not exist); unset: ``aws:ResourceTag`` is unknown
    resource_tags: ResourceTags | None = None

    def tag_context(self, arn: str) -> dict[str, ContextValue]:
        """``aws:ResourceTag/<key>`` of the resource as it is before the call (a missing one has none)."""
        if self.resource_tags is None:
            return {}
        context: dict[str, ContextValue] = {"aws:ResourceTag/": None}
        for key, value in (self.resource_tags(arn) or {}).items():
            context[f"aws:ResourceTag/{key}"] = value
        return context

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        region = self.region if regional else ""
        owner = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region}:{owner}:{resource}"


_OCTAL_ESCAPE: Final = re.compile(r"\\([0-7]{3})")


def normalize_record_name(name: str) -> str:
    r"""A record name as ``route53:ChangeResourceRecordSetsNormalizedRecordNames`` holds it.

    "All letters lowercase, trailing dot removed, characters other than a–z, 0–9, - (hyphen), _ (underscore) and
    . (period) escaped as \three-digit octal code" (Route 53 Developer Guide, "Using IAM policy conditions for
    fine-grained access control", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
    ``*.Example.COM.`` becomes ``\052.example.com``. Escapes already in the name (``\052``, ``\*``) are read
    first, so a name is normalised the same however it was written; an escaped period (a period inside a label)
    stays escaped as ``\056``. Non-ASCII characters are escaped byte by byte (UTF-8).
    """
    text = name[:-1] if name.endswith(".") and not name.endswith("\\.") else name
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and _OCTAL_ESCAPE.match(text, i):
            out.append(_name_byte(int(text[i + 1 : i + 4], 8)))
            i += 4
        elif ch == "\\" and i + 1 < len(text):
            out += [_name_byte(b) for b in text[i + 1].encode()]
            i += 2
        else:
            out += ["."] if ch == "." else [_name_byte(b) for b in ch.encode()]
            i += 1
    return "".join(out)


def _name_byte(code: int) -> str:
    """One byte of a label (never a delimiter): lowercased, kept if a-z 0-9 - _, else a three-digit octal escape."""
    if 65 <= code <= 90:
        code += 32
    char = chr(code)
    if code < 128 and (char.isalnum() or char in "-_"):
        return char
    return f"\\{code:03o}"


def _tag_context(tags: Any) -> dict[str, ContextValue]:
    """``aws:RequestTag/<key>`` and ``aws:TagKeys`` of a request's ``Tags`` (``[{Key, Value}]`` or a mapping)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(tags, Mapping):
        pairs = [(str(k), str(v)) for k, v in tags.items()]
    elif isinstance(tags, list):
        pairs = [(str(t.get("Key")), str(t.get("Value", ""))) for t in tags if isinstance(t, Mapping)]
    context: dict[str, ContextValue] = {"aws:RequestTag/": None, "aws:TagKeys": [k for k, _ in pairs] or None}
    for key, value in pairs:
        context[f"aws:RequestTag/{key}"] = value
    return context


def _ses_identity(env: _Env, params: Mapping[str, Any]) -> str:
    return env.arn("ses", f"identity/{params['EmailIdentity']}")


def _ses_identity_request(action: str) -> Callable[[_Env, Mapping[str, Any]], list[AuthzRequest]]:
    """An action on the identity resource, whose condition keys include ``aws:ResourceTag/${TagKey}`` (Service
    Authorization Reference, Amazon SES v2, resource type ``identity``; cfn-lint's copy of it,
    data/AdditionalSpecs/Policies.json, lists the same)."""

    def requests(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        arn = _ses_identity(env, params)
        return [AuthzRequest(action, arn, env.tag_context(arn))]

    return requests


def _ses_create_identity(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    tags = _tag_context(params.get("Tags"))
    requests = [AuthzRequest("ses:CreateEmailIdentity", _ses_identity(env, params), tags)]
    if params.get("ConfigurationSetName"):
        # ASSUMPTION: the Service Authorization Reference lists the configuration-set resource for some SES v2
        # actions (and cfn-lint's copy lists only "identity" for CreateEmailIdentity). Which one AWS authorises
        # when ConfigurationSetName is given is undocumented, so both are required: a role that passes here
        # passes in AWS either way.
        requests.append(
            AuthzRequest(
                "ses:CreateEmailIdentity",
                env.arn("ses", f"configuration-set/{params['ConfigurationSetName']}"),
                tags,
            )
        )
    return requests


def _ses_tagging(action: str) -> Callable[[_Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        context: dict[str, ContextValue] = {}
        if action == "ses:TagResource":
            context = _tag_context(params.get("Tags"))
        elif action == "ses:UntagResource":
            context = {"aws:TagKeys": [str(k) for k in params.get("TagKeys") or []] or None}
        return [AuthzRequest(action, str(params["ResourceArn"]), context)]

    return requests


def _star(action: str) -> Callable[[_Env, Mapping[str, Any]], list[AuthzRequest]]:
    return lambda env, params: [AuthzRequest(action, "*")]


def _strip(value: Any, prefix: str) -> str:
    text = str(value)
    return text[len(prefix) :] if text.startswith(prefix) else text.rsplit("/", 1)[-1]


def _zone_request(action: str) -> Callable[[_Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        zone = _strip(params["Id"] if "Id" in params else params["HostedZoneId"], "/hostedzone/")
        return [AuthzRequest(action, env.arn("route53", f"hostedzone/{zone}", regional=False, account=False))]

    return requests


def _route53_get_change(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    change = _strip(params["Id"], "/change/")
    return [
        AuthzRequest(
            "route53:GetChange", env.arn("route53", f"change/{change}", regional=False, account=False)
        )
    ]


def _route53_change(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    zone = _strip(params["HostedZoneId"], "/hostedzone/")
    changes = (params.get("ChangeBatch") or {}).get("Changes") or []
    context: dict[str, ContextValue] = {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            normalize_record_name(str(c["ResourceRecordSet"]["Name"])) for c in changes
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": [str(c["ResourceRecordSet"]["Type"]) for c in changes],
        "route53:ChangeResourceRecordSetsActions": [str(c["Action"]) for c in changes],
    }
    resource = env.arn("route53", f"hostedzone/{zone}", regional=False, account=False)
    return [AuthzRequest("route53:ChangeResourceRecordSets", resource, context)]


def _dynamodb(action: str) -> Callable[[_Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        table = str(params["TableName"])
        arn = table if table.startswith("arn:") else env.arn("dynamodb", f"table/{table}")
        if params.get("IndexName"):
            arn = f"{arn}/index/{params['IndexName']}"
        return [AuthzRequest(action, arn)]

    return requests


def _states(action: str, key: str) -> Callable[[_Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        value = params.get(key) or params.get("mapRunArn")
        if not value:
            raise KeyError(key)
        return [AuthzRequest(action, str(value))]

    return requests


def _sns_publish(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    topic = str(params.get("TopicArn") or params.get("TargetArn") or "*")
    requests = [AuthzRequest("sns:Publish", topic)]
    key = env.topic_keys.get(topic)
    if key:
        # SNS encrypts with the caller's permissions ("Encryption at rest", key management: publishers need
        # kms:GenerateDataKey* and kms:Decrypt on the topic's key), as a call SNS makes on the caller's behalf.
        via: dict[str, ContextValue] = {
            "aws:ViaAWSService": True,
            "kms:ViaService": f"sns.{env.region}.{url_suffix(env.partition)}",
            "kms:CallerAccount": env.account_id,
        }
        requests += [AuthzRequest("kms:GenerateDataKey", key, via), AuthzRequest("kms:Decrypt", key, via)]
    return requests


def _ssm_get_parameter(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    name = str(params["Name"])
    if name.startswith("arn:"):
        prefix, _, rest = name.partition(":parameter/")
        return [AuthzRequest("ssm:GetParameter", f"{prefix}:parameter/{rest.split(':', 1)[0]}")]
    name = name.split(":", 1)[0]  # a version or label selector (name:3, name:label) is not part of the ARN
    return [AuthzRequest("ssm:GetParameter", env.arn("ssm", f"parameter/{name.lstrip('/')}"))]


def _sts_assume_role(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    context: dict[str, ContextValue] = {
        "sts:RoleSessionName": str(params.get("RoleSessionName", "")),
        "sts:ExternalId": params.get("ExternalId"),
        "sts:SourceIdentity": params.get("SourceIdentity"),
        **_tag_context(params.get("Tags")),
    }
    return [AuthzRequest("sts:AssumeRole", str(params["RoleArn"]), context)]


def _cfn_describe_stacks(env: _Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    stack = params.get("StackName")
    if not stack:
        return [AuthzRequest("cloudformation:DescribeStacks", "*")]
    stack = str(stack)
    if not stack.startswith("arn:"):
        stack_id = uuid.uuid5(uuid.NAMESPACE_URL, f"mailauth-sandbox:{env.account_id}:{stack}")
        stack = env.arn("cloudformation", f"stack/{stack}/{stack_id}")
    return [AuthzRequest("cloudformation:DescribeStacks", stack)]


_Mapper: TypeAlias = Callable[[_Env, Mapping[str, Any]], list[AuthzRequest]]
# Service Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/):
# list_amazonsesv2 ("ses:" prefix), list_amazonroute53, list_amazondynamodb, list_awsstepfunctions,
# list_amazonsns, list_awssystemsmanager, list_awssecuritytokenservice, list_awscloudformation.
_MAPPERS: Final[Mapping[tuple[str, str], _Mapper]] = {
    ("sesv2", "CreateEmailIdentity"): _ses_create_identity,
    ("sesv2", "GetEmailIdentity"): _ses_identity_request("ses:GetEmailIdentity"),
    ("sesv2", "DeleteEmailIdentity"): _ses_identity_request("ses:DeleteEmailIdentity"),
    ("sesv2", "PutEmailIdentityMailFromAttributes"): _ses_identity_request(
        "ses:PutEmailIdentityMailFromAttributes"
    ),
    ("sesv2", "PutEmailIdentityDkimSigningAttributes"): _ses_identity_request(
        "ses:PutEmailIdentityDkimSigningAttributes"
    ),
    ("sesv2", "PutEmailIdentityDkimAttributes"): _ses_identity_request("ses:PutEmailIdentityDkimAttributes"),
    ("sesv2", "TagResource"): _ses_tagging("ses:TagResource"),
    ("sesv2", "UntagResource"): _ses_tagging("ses:UntagResource"),
    ("sesv2", "ListTagsForResource"): _ses_tagging("ses:ListTagsForResource"),
    ("sesv2", "ListEmailIdentities"): _star("ses:ListEmailIdentities"),
    ("sesv2", "GetAccount"): _star("ses:GetAccount"),
    # The request names no resource (RESOURCE_ARN in Filter only filters), so it is authorised on "*".
    ("sesv2", "ListRecommendations"): _star("ses:ListRecommendations"),
    ("route53", "ListHostedZonesByName"): _star("route53:ListHostedZonesByName"),
    ("route53", "CreateHostedZone"): _star("route53:CreateHostedZone"),
    ("route53", "GetHostedZone"): _zone_request("route53:GetHostedZone"),
    ("route53", "ListResourceRecordSets"): _zone_request("route53:ListResourceRecordSets"),
    ("route53", "GetChange"): _route53_get_change,
    ("route53", "ChangeResourceRecordSets"): _route53_change,
    ("dynamodb", "GetItem"): _dynamodb("dynamodb:GetItem"),
    ("dynamodb", "PutItem"): _dynamodb("dynamodb:PutItem"),
    ("dynamodb", "DeleteItem"): _dynamodb("dynamodb:DeleteItem"),
    ("dynamodb", "UpdateItem"): _dynamodb("dynamodb:UpdateItem"),
    ("dynamodb", "Query"): _dynamodb("dynamodb:Query"),
    ("stepfunctions", "StartExecution"): _states("states:StartExecution", "stateMachineArn"),
    ("stepfunctions", "DescribeExecution"): _states("states:DescribeExecution", "executionArn"),
    ("stepfunctions", "StopExecution"): _states("states:StopExecution", "executionArn"),
    ("stepfunctions", "ListExecutions"): _states("states:ListExecutions", "stateMachineArn"),
    ("sns", "Publish"): _sns_publish,
    ("ssm", "GetParameter"): _ssm_get_parameter,
    ("sts", "AssumeRole"): _sts_assume_role,
    ("cloudformation", "DescribeStacks"): _cfn_describe_stacks,
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
    return mapper(_Env(region, account_id, partition, topic_keys or {}, resource_tags), params)


# ====================================================================================== AccessDenied
# (code, HTTP status) per service. Sources: botocore's models where the error is modelled -- sns
# AuthorizationErrorException (AuthorizationError, 403) and KMSAccessDeniedException (KMSAccessDenied, 400),
# ssm AccessDeniedException (no status in the model: awsJson errors are 400). Not in the models, from the AWS
# common-errors pages of each API reference and the services' error documentation: sesv2 AccessDeniedException
# 403 (rest-json), route53 AccessDenied 403 (rest-xml), dynamodb AccessDeniedException 400 ("Error handling with
# DynamoDB"), stepfunctions AccessDeniedException 400, sts AccessDenied 403, cloudformation AccessDenied 403.
ACCESS_DENIED: Final[Mapping[str, tuple[str, int]]] = {
    "sesv2": ("AccessDeniedException", 403),
    "route53": ("AccessDenied", 403),
    "dynamodb": ("AccessDeniedException", 400),
    "stepfunctions": ("AccessDeniedException", 400),
    "sns": ("AuthorizationError", 403),
    "ssm": ("AccessDeniedException", 400),
    "sts": ("AccessDenied", 403),
    "cloudformation": ("AccessDenied", 403),
    "kms": ("AccessDeniedException", 400),
}
SNS_KMS_ACCESS_DENIED: Final = ("KMSAccessDenied", 400)


def access_denied(
    service: str, operation: str, principal_arn: str, action: str, resource: str, *, explicit: bool = False
) -> tuple[str, str, int]:
    """``(code, message, status)`` of the AccessDenied error ``service`` answers ``operation`` with.

    The message follows AWS's: "User: <principal> is not authorized to perform: <action> on resource: <arn>
    because no identity-based policy allows the <action> action" (or "with an explicit deny in an identity-based
    policy"). The KMS part of an SNS Publish is SNS's ``KMSAccessDenied`` carrying KMS's message.
    """
    on = "" if resource == "*" else f" on resource: {resource}"
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    message = f"User: {principal_arn} is not authorized to perform: {action}{on} {why}"
    if service == "sns" and action.lower().startswith("kms:"):
        code, status = SNS_KMS_ACCESS_DENIED
        return (
            code,
            f"{message} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)",
            status,
        )
    code, status = ACCESS_DENIED.get(service, ("AccessDeniedException", 400))
    return code, message, status


@dataclass(frozen=True)
class Denial:
    """A refused call: the error to answer with, and what was refused and why (for the developer)."""

    code: str
    message: str
    status: int
    action: str
    resource: str
    reason: str
    principal_arn: str


def check_policies(
    policies: Iterable[Policy | Mapping[str, Any]],
    principal_arn: str,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    region: str,
    account_id: str,
    partition: str,
    topic_keys: Mapping[str, str] | None = None,
    principal_tags: Mapping[str, str] | None = None,
    resource_tags: ResourceTags | None = None,
) -> Denial | None:
    """Judge one call made with ``principal_arn``'s credentials under ``policies``; ``None`` when allowed."""
    documents = list(policies)
    requests = authorization_requests(
        service,
        operation,
        params,
        region=region,
        account_id=account_id,
        partition=partition,
        topic_keys=topic_keys,
        resource_tags=resource_tags,
    )
    requested_region = "us-east-1" if service == "route53" else region
    for request in requests:
        context: dict[str, ContextValue] = dict(
            global_context(principal_arn, region=requested_region, principal_tags=principal_tags)
        )
        context.update(request.context)
        decision = evaluate(documents, request.action, request.resource, context)
        if not decision.allowed:
            code, message, status = access_denied(
                service,
                operation,
                principal_arn,
                request.action,
                request.resource,
                explicit=decision.kind == "explicit_deny",
            )
            return Denial(
                code, message, status, request.action, request.resource, decision.reason, principal_arn
            )
    return None


def assumed_role_arn(role_arn: str, session_name: str) -> str:
    """``arn:<partition>:sts::<account>:assumed-role/<name>/<session>`` of a session of ``role_arn``."""
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{session_name}"


# ===================================================================== the documented cross-account role
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


# ======================================================================================= static checks
@dataclass(frozen=True)
class Finding:
    """Something a service needs that the transformed template does not give it."""

    resource: str
    problem: str
    source: str
    #: the check that found it (``stepfunctions-logging``, ``lambda-permission``...), for tests and filters
    check: str = ""
    #: what is missing: an action, or the invoking principal and source
    missing: str = ""


SFN_LOGGING_ACTIONS: Final = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
SFN_XRAY_ACTIONS: Final = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
LAMBDA_XRAY_ACTIONS: Final = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
LAMBDA_LOG_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
KMS_PUBLISH_ACTIONS: Final = ("kms:GenerateDataKey", "kms:Decrypt")

SOURCE_SFN_LOGS: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html"
SOURCE_SFN_XRAY: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html"
SOURCE_SFN_LAMBDA: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html"
#: topic policies: "Example cases for Amazon SNS access control" (CloudWatch alarms publishing to a topic)
SOURCE_SNS_TOPIC_POLICY: Final = "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html"
#: "The following includes the IAM policy ... sns:Publish" for the Step Functions SNS integration
SOURCE_SFN_SNS: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/sns-iam.html"
SOURCE_LAMBDA_ROLE: Final = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"
SOURCE_LAMBDA_XRAY: Final = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"
SOURCE_SNS_KMS: Final = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
SOURCE_SNS_KMS_SERVICES: Final = (
    "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services"
)
SOURCE_KMS_KEY_POLICY: Final = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
SOURCE_EVENTS_LAMBDA: Final = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions"
SOURCE_SNS_LAMBDA: Final = "https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html"
SOURCE_APIGW_LAMBDA: Final = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"
)
SOURCE_TRUST: Final = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html"

_LAMBDA_ARN: Final = re.compile(r"^arn:[^:]+:lambda:[^:]+:\d{12}:function:(?P<name>[^:]+)(:[^:]+)?$")


def _function_names(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
    """``{physical name: logical ID}`` of the template's functions."""
    out: dict[str, str] = {}
    for logical, res in (transformed.get("Resources") or {}).items():
        if isinstance(res, dict) and res.get("Type") == "AWS::Lambda::Function" and resolver.exists(logical):
            out[resolver.string({"Ref": logical})] = logical
    return out


def _function_name_of(value: str) -> str:
    """A function name from a name, ARN or partial ARN (``123456789012:function:name``), qualifier dropped."""
    if ":function:" in value:
        return value.split(":function:", 1)[1].split(":", 1)[0]
    return value.split(":", 1)[0]


def _missing_actions(role: Role, actions: Iterable[str], resource: str) -> list[str]:
    return [a for a in actions if not role.evaluate(a, resource).allowed]


def _check_state_machines(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    findings: list[Finding] = []
    roles = state_machine_roles(transformed, resolver)
    for logical, role in roles.items():
        props = transformed["Resources"][logical].get("Properties") or {}
        logging = resolver.resolve(props.get("LoggingConfiguration") or {})
        if isinstance(logging, dict) and (
            logging.get("Destinations") or str(logging.get("Level", "OFF")).upper() != "OFF"
        ):
            for action in _missing_actions(role, SFN_LOGGING_ACTIONS, "*"):
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow {action} on *: Step Functions needs it to deliver logs to "
                        "CloudWatch Logs (creating the state machine fails with AccessDenied)",
                        SOURCE_SFN_LOGS,
                        "stepfunctions-logging",
                        action,
                    )
                )
        tracing = resolver.resolve(props.get("TracingConfiguration") or {})
        if isinstance(tracing, dict) and _scalar(tracing.get("Enabled", False)).lower() == "true":
            for action in _missing_actions(role, SFN_XRAY_ACTIONS, "*"):
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow {action} on *: needed with X-Ray tracing enabled",
                        SOURCE_SFN_XRAY,
                        "stepfunctions-xray",
                        action,
                    )
                )
        for key, value in (props.get("DefinitionSubstitutions") or {}).items():
            resolved = resolver.resolve(value)
            if isinstance(resolved, str) and resolved.split(":")[2:3] == ["sns"]:
                # a topic the definition publishes to through the Step Functions SNS integration (sns:publish)
                if not role.evaluate("sns:Publish", resolved).allowed:
                    findings.append(
                        Finding(
                            logical,
                            f"role {role.name} does not allow sns:Publish on {resolved} (DefinitionSubstitutions "
                            f"{key}): the state machine cannot publish to it",
                            SOURCE_SFN_SNS,
                            "stepfunctions-sns",
                            resolved,
                        )
                    )
                continue
            invokable = isinstance(resolved, str) and _LAMBDA_ARN.match(resolved)
            if invokable and not role.evaluate("lambda:InvokeFunction", resolved).allowed:
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow lambda:InvokeFunction on {resolved} "
                        f"(DefinitionSubstitutions {key}): the state machine cannot call it",
                        SOURCE_SFN_LAMBDA,
                        "stepfunctions-invoke",
                        resolved,
                    )
                )
        findings += _trust(logical, role, "states.amazonaws.com")
    return findings


def _trust(owner: str, role: Role, service: str) -> list[Finding]:
    if role.trust_policy:
        decision = evaluate(
            [Policy(f"{role.name} trust policy", role.trust_policy)],
            "sts:AssumeRole",
            role.arn,
            {},
            principal={"Service": service},
        )
    else:
        decision = Decision(False, "it has none", "implicit_deny")
    if decision.allowed:
        return []
    return [
        Finding(
            owner,
            f"role {role.name}'s trust policy does not let {service} assume it ({decision.reason})",
            SOURCE_TRUST,
            "trust-policy",
            service,
        )
    ]


def _check_functions(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    findings: list[Finding] = []
    p, r, a = resolver.partition, resolver.region, resolver.account_id
    for logical, role in function_roles(transformed, resolver).items():
        props = transformed["Resources"][logical].get("Properties") or {}
        name = resolver.string({"Ref": logical})
        log_group = f"/aws/lambda/{name}"
        logging_config = resolver.resolve(props.get("LoggingConfig") or {})
        if isinstance(logging_config, dict) and logging_config.get("LogGroup"):
            log_group = str(logging_config["LogGroup"])
        stream = f"arn:{p}:logs:{r}:{a}:log-group:{log_group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef"
        for action in _missing_actions(role, LAMBDA_LOG_ACTIONS, stream):
            findings.append(
                Finding(
                    logical,
                    f"role {role.name} does not allow {action} on the log group {log_group}: the function's logs "
                    "are lost",
                    SOURCE_LAMBDA_ROLE,
                    "lambda-logs",
                    action,
                )
            )
        tracing = resolver.resolve(props.get("TracingConfig") or {})
        if isinstance(tracing, dict) and tracing.get("Mode") == "Active":
            for action in _missing_actions(role, LAMBDA_XRAY_ACTIONS, "*"):
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow {action} on *: needed with active tracing",
                        SOURCE_LAMBDA_XRAY,
                        "lambda-xray",
                        action,
                    )
                )
        findings += _trust(logical, role, "lambda.amazonaws.com")
    return findings


@dataclass(frozen=True)
class _TopicKey:
    topic_logical: str
    topic_arn: str
    key_arn: str
    key_logical: str | None  # the template's AWS::KMS::Key, when it is one


def _topic_keys(transformed: Mapping[str, Any], resolver: Resolver) -> list[_TopicKey]:
    out: list[_TopicKey] = []
    p, r, a = resolver.partition, resolver.region, resolver.account_id
    resources = transformed.get("Resources") or {}
    for logical, res in resources.items():
        if not (isinstance(res, dict) and res.get("Type") == "AWS::SNS::Topic" and resolver.exists(logical)):
            continue
        raw = (res.get("Properties") or {}).get("KmsMasterKeyId")
        if raw is None:
            continue
        key_logical: str | None = None
        if isinstance(raw, dict) and len(raw) == 1:
            ((fn, arg),) = raw.items()
            target = (
                arg if fn == "Ref" else (arg[0] if fn == "Fn::GetAtt" and isinstance(arg, list) else None)
            )
            if isinstance(target, str) and (resources.get(target) or {}).get("Type") == "AWS::KMS::Key":
                key_logical = target
        if key_logical is not None:
            key_arn = resolver.string({"Fn::GetAtt": [key_logical, "Arn"]})
        else:
            value = resolver.string(raw)
            key_arn = (
                value
                if value.startswith("arn:")
                else f"arn:{p}:kms:{r}:{a}:{value}"
                if value.startswith("alias/")
                else f"arn:{p}:kms:{r}:{a}:key/{value}"
            )
        out.append(_TopicKey(logical, resolver.string({"Ref": logical}), key_arn, key_logical))
    return out


def topic_keys(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
    """``{topic ARN: KMS key ARN}`` of the template's encrypted topics (what :func:`authorization_requests` takes)."""
    return {t.topic_arn: t.key_arn for t in _topic_keys(transformed, resolver)}


def _alarms_publishing_to(
    resources: Mapping[str, Any], resolver: Resolver, topic_arn: str
) -> list[tuple[str, str]]:
    """``(logical ID, ARN)`` of every alarm of the template with ``topic_arn`` among its actions."""
    out: list[tuple[str, str]] = []
    for alarm, res in resources.items():
        if not (
            isinstance(res, dict) and res.get("Type") == "AWS::CloudWatch::Alarm" and resolver.exists(alarm)
        ):
            continue
        props = res.get("Properties") or {}
        actions = [
            *resolver.strings(props.get("AlarmActions") or []),
            *resolver.strings(props.get("OKActions") or []),
            *resolver.strings(props.get("InsufficientDataActions") or []),
        ]
        if topic_arn in actions:
            out.append((alarm, resolver.string({"Fn::GetAtt": [alarm, "Arn"]})))
    return out


def _check_topic_keys(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:  # noqa: C901
    findings: list[Finding] = []
    keys = _topic_keys(transformed, resolver)
    resources = transformed.get("Resources") or {}
    p, a = resolver.partition, resolver.account_id
    mapping = {t.topic_arn: t.key_arn for t in keys}
    for logical, role in function_roles(transformed, resolver).items():
        principal = role.principal_arn(resolver.string({"Ref": logical}))
        for t in keys:
            if not role.evaluate("sns:Publish", t.topic_arn).allowed:
                continue
            denial = check_policies(
                role.policies,
                principal,
                "sns",
                "Publish",
                {"TopicArn": t.topic_arn},
                region=resolver.region,
                account_id=a,
                partition=p,
                topic_keys=mapping,
                principal_tags=role.tags,
            )
            if denial is not None:
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} may publish to {t.topic_logical} but not {denial.action} on its key "
                        f"{t.key_arn}: SNS uses the publisher's permissions to encrypt ({denial.reason})",
                        SOURCE_SNS_KMS,
                        "sns-kms-publisher",
                        denial.action,
                    )
                )
    for t in keys:
        key_policy: Any = None
        if t.key_logical is not None:
            key_policy = resolver.resolve((resources[t.key_logical].get("Properties") or {}).get("KeyPolicy"))
            root = {"AWS": f"arn:{p}:iam::{a}:root"}
            for action in KMS_PUBLISH_ACTIONS:
                decision = evaluate(
                    [Policy(f"{t.key_logical} key policy", key_policy)], action, t.key_arn, {}, principal=root
                )
                if not decision.allowed:
                    findings.append(
                        Finding(
                            t.key_logical,
                            f"the key policy does not let the account's IAM policies use {action} (no statement "
                            f"allows the account root): publishers to {t.topic_logical} are refused",
                            SOURCE_KMS_KEY_POLICY,
                            "kms-key-policy",
                            action,
                        )
                    )
        for alarm, alarm_arn in _alarms_publishing_to(resources, resolver, t.topic_arn):
            context: dict[str, ContextValue] = {"aws:SourceAccount": a, "aws:SourceArn": alarm_arn}
            for action in KMS_PUBLISH_ACTIONS:
                if key_policy is None:
                    allowed, why = (
                        False,
                        f"{t.key_arn} is not a key of the template (an AWS managed key's policy cannot be changed)",
                    )
                else:
                    decision = evaluate(
                        [Policy(f"{t.key_logical} key policy", key_policy)],
                        action,
                        t.key_arn,
                        context,
                        principal={"Service": "cloudwatch.amazonaws.com"},
                    )
                    allowed, why = decision.allowed, decision.reason
                if not allowed:
                    findings.append(
                        Finding(
                            alarm,
                            f"the key of {t.topic_logical} does not let cloudwatch.amazonaws.com use {action}: the "
                            f"alarm cannot publish to the encrypted topic ({why})",
                            SOURCE_SNS_KMS_SERVICES,
                            "sns-kms-alarm",
                            action,
                        )
                    )
    return findings


@dataclass(frozen=True)
class _Permission:
    logical: str
    function: str
    principal: str
    source_arn: str | None


def _permissions(transformed: Mapping[str, Any], resolver: Resolver) -> list[_Permission]:
    out: list[_Permission] = []
    for logical, res in (transformed.get("Resources") or {}).items():
        if not (
            isinstance(res, dict)
            and res.get("Type") == "AWS::Lambda::Permission"
            and resolver.exists(logical)
        ):
            continue
        props = res.get("Properties") or {}
        action = resolver.string(props.get("Action"))
        if not _action_matches([action], "lambda:InvokeFunction"):
            continue
        source = props.get("SourceArn")
        out.append(
            _Permission(
                logical,
                _function_name_of(resolver.string(props.get("FunctionName"))),
                resolver.string(props.get("Principal")),
                resolver.string(source) if source is not None else None,
            )
        )
    return out


def _permitted(permissions: Sequence[_Permission], function: str, principal: str, source_arn: str) -> bool:
    for perm in permissions:
        if perm.function != function or perm.principal != principal or perm.source_arn is None:
            continue
        if _value_matches("ArnLike", perm.source_arn, source_arn, {}):
            return True
    return False


def _check_triggers(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    findings: list[Finding] = []
    resources = transformed.get("Resources") or {}
    functions = _function_names(transformed, resolver)
    permissions = _permissions(transformed, resolver)

    def need(owner: str, function: str, principal: str, source: str, url: str, check: str) -> None:
        if function in functions and not _permitted(permissions, function, principal, source):
            findings.append(
                Finding(
                    owner,
                    f"no AWS::Lambda::Permission lets {principal} invoke {function} from {source} "
                    "(lambda:InvokeFunction with that SourceArn)",
                    url,
                    check,
                    f"{principal} {source}",
                )
            )

    for logical, res in resources.items():
        if not isinstance(res, dict) or not resolver.exists(logical):
            continue
        rtype, props = res.get("Type"), res.get("Properties") or {}
        if rtype == "AWS::Events::Rule":
            rule_arn = resolver.string({"Fn::GetAtt": [logical, "Arn"]})
            for target in resolver.resolve(props.get("Targets") or []):
                arn = str(target.get("Arn", ""))
                if _LAMBDA_ARN.match(arn) and not target.get("RoleArn"):
                    need(
                        logical,
                        _function_name_of(arn),
                        "events.amazonaws.com",
                        rule_arn,
                        SOURCE_EVENTS_LAMBDA,
                        "lambda-permission-events",
                    )
        elif (
            rtype == "AWS::SNS::Subscription"
            and str(resolver.resolve(props.get("Protocol"))).lower() == "lambda"
        ):
            endpoint = resolver.string(props.get("Endpoint"))
            need(
                logical,
                _function_name_of(endpoint),
                "sns.amazonaws.com",
                resolver.string(props.get("TopicArn")),
                SOURCE_SNS_LAMBDA,
                "lambda-permission-sns",
            )
        elif rtype == "AWS::ApiGateway::RestApi":
            for method, path, uri in _api_integrations(props.get("Body")):
                function = _function_name_of(
                    resolver.string(uri).split("/functions/", 1)[-1].split("/invocations")[0]
                )
                api_id = resolver.string({"Ref": logical})
                stages = _api_stages(resources, resolver, logical) or ["stage"]
                sample = re.sub(r"\{[^}]*\}", "sample", path)
                for stage in stages:
                    source = (
                        f"arn:{resolver.partition}:execute-api:{resolver.region}:{resolver.account_id}:"
                        f"{api_id}/{stage}/{method}{sample}"
                    )
                    need(
                        logical,
                        function,
                        "apigateway.amazonaws.com",
                        source,
                        SOURCE_APIGW_LAMBDA,
                        "lambda-permission-api",
                    )
    return findings


def _api_integrations(body: Any) -> list[tuple[str, str, Any]]:
    """``(METHOD, path, uri)`` of every Lambda integration invoked with the resource policy (no credentials)."""
    out: list[tuple[str, str, Any]] = []
    if not isinstance(body, dict):
        return out
    for path, methods in (body.get("paths") or {}).items():
        if not isinstance(methods, dict):
            continue
        for method, operation in methods.items():
            integration = (
                operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
            )
            if not isinstance(integration, dict) or integration.get("credentials"):
                continue
            uri = integration.get("uri")
            if "lambda:path/2015-03-31/functions/" in json.dumps(uri):
                verb = "GET" if method == "x-amazon-apigateway-any-method" else str(method).upper()
                out.append((verb, str(path), uri))
    return out


def _api_stages(resources: Mapping[str, Any], resolver: Resolver, api: str) -> list[str]:
    stages: list[str] = []
    for logical, res in resources.items():
        if isinstance(res, dict) and res.get("Type") == "AWS::ApiGateway::Stage" and resolver.exists(logical):
            props = res.get("Properties") or {}
            if props.get("RestApiId") == {"Ref": api}:
                stages.append(resolver.string(props.get("StageName")))
    return stages


def _check_topic_policies(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    """A topic policy must not deny a function whose role may publish to the topic, and must allow CloudWatch for
    each alarm that publishes to it (a topic with its own policy no longer has the default one, which let the
    account's principals and services publish)."""
    findings: list[Finding] = []
    resources = transformed.get("Resources") or {}
    account = resolver.account_id
    for logical, res in resources.items():
        if not (
            isinstance(res, dict) and res.get("Type") == "AWS::SNS::TopicPolicy" and resolver.exists(logical)
        ):
            continue
        props = res.get("Properties") or {}
        document = Policy(f"{logical}", resolver.resolve(props.get("PolicyDocument")))
        for topic in resolver.strings(props.get("Topics") or []):
            for function, role in function_roles(transformed, resolver).items():
                if not role.evaluate("sns:Publish", topic).allowed:
                    continue
                principal = role.arn
                decision = evaluate(
                    [document],
                    "sns:Publish",
                    topic,
                    {"aws:PrincipalArn": principal, "aws:PrincipalAccount": account},
                    principal={"AWS": principal},
                )
                if decision.kind == "explicit_deny":
                    findings.append(
                        Finding(
                            logical,
                            f"the topic policy denies {function}'s role sns:Publish on {topic} ({decision.reason})",
                            SOURCE_SNS_TOPIC_POLICY,
                            "sns-topic-policy-publisher",
                            function,
                        )
                    )
            for alarm, alarm_arn in _alarms_publishing_to(resources, resolver, topic):
                decision = evaluate(
                    [document],
                    "sns:Publish",
                    topic,
                    {"aws:SourceAccount": account, "aws:SourceArn": alarm_arn},
                    principal={"Service": "cloudwatch.amazonaws.com"},
                )
                if not decision.allowed:
                    findings.append(
                        Finding(
                            alarm,
                            f"the policy of {topic} does not let cloudwatch.amazonaws.com publish: the alarm's "
                            f"action fails ({decision.reason})",
                            SOURCE_SNS_TOPIC_POLICY,
                            "sns-topic-policy-alarm",
                            alarm,
                        )
                    )
    return findings


def static_checks(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    """Everything services need beyond handler calls that the transformed template does not grant (module doc)."""
    return [
        *_check_state_machines(transformed, resolver),
        *_check_functions(transformed, resolver),
        *_check_topic_keys(transformed, resolver),
        *_check_topic_policies(transformed, resolver),
        *_check_triggers(transformed, resolver),
    ]


# ========================================================================================== Authorizer
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
