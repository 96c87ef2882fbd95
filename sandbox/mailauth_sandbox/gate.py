"""What every AWS call made in the sandbox goes through (the botocore hooks of ``hooks.py`` land here).

Once per call: a handler's call is counted, shown to the test's watchers and judged by IAM against the
function's role; every call is judged by the service's rules (``constraints``). Once per attempt: injected
faults, then the SES v2 and Route 53 emulators. After the call: the Route 53 emulator amends moto's answer and
the time each SNS message was published is noted.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import constraints, hooks, iam
from .clock import SimClock
from .faults import FaultInjector
from .invoke import Answer, Invoker
from .limits import RateLimiter
from .provision import MACHINE_TYPES, SANDBOX_ROLE_NAME, STACK_NAME, Stack
from .route53 import Route53Emulator
from .ses import SesEmulator
from .sfn_history import page_history


class SandboxTemplateError(RuntimeError):
    """template.yaml lacks something AWS needs (a static check of the SAM-transformed template failed)."""


class CallGate:
    """The running sandbox's ``hooks.Dispatcher``: counts, watchers, IAM, constraints, faults and emulators."""

    def __init__(
        self,
        stack: Stack,
        invoker: Invoker,
        *,
        clock: SimClock,
        faults: FaultInjector,
        ses: SesEmulator,
        route53: Route53Emulator,
    ) -> None:
        self.stack = stack
        self.invoker = invoker
        self.clock = clock
        self.faults = faults
        self.ses = ses
        self.route53 = route53
        #: callbacks on handlers' API calls, by "service:Operation" (see on_call)
        self.call_watchers: dict[str, list[Callable[[str, dict[str, Any]], None]]] = {}
        #: when each SNS message was published (simulated time) and the execution it was published for, by MessageId
        self.published: dict[str, tuple[datetime, str | None]] = {}
        #: judges every handler call against its role as SAM transforms template.yaml (None without a template)
        self.authorizer: Any = None
        #: handler calls: (function, "service:Operation", DynamoDB table or "")
        self._calls: Counter[tuple[str, str, str]] = Counter()
        #: state machines that log to CloudWatch Logs (their execution names must be 0-9 A-Z a-z - _)
        self._logging_machines: set[str] = set()
        #: the role a handler assumed in another account, by that account (for refusal messages)
        self._assumed_roles: dict[str, str] = {}
        #: account-level rate limits (``limits.py``); None: unlimited
        self.limiter: RateLimiter | None = None
        #: keep each handler call's parameters and answer on its Invocation (``answers``): the cold-start benchmark
        #: replays a function's first invocation from them
        self.record_answers = False

    def on_before_call(
        self, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> hooks.Response | None:
        """Once per API call: count and judge by IAM a handler's calls; judge every call by the service's rules.

        The service-model constraints and documented rules (``constraints``) apply to every request, the test's
        and the demo's included, as AWS applies them to everyone; IAM applies to the handlers, whose roles the
        template defines (a test's own calls stand for a person with their own permissions).
        """
        tls = self.invoker.tls
        function = getattr(tls, "function", None)
        if function is not None and f"{service}:{operation}" in self.call_watchers:
            self._watch(function, f"{service}:{operation}", params)
        if function is not None:
            table = str(params.get("TableName", "")).rsplit("/", 1)[-1] if service == "dynamodb" else ""
            self._calls[(function, f"{service}:{operation}", table)] += 1
            invocation = getattr(tls, "invocation", None)
            if invocation is not None:
                invocation.calls[f"{service}:{operation}"] += 1
            denied = self._authorize(function, service, operation, params, context)
            if denied is not None:
                return denied
        violations = constraints.check_request(
            service,
            operation,
            params,
            strict_execution_names=params.get("stateMachineArn") in self._logging_machines,
        )
        if violations:
            first = violations[0]
            return hooks.error(first.code, "; ".join(v.message for v in violations), first.status)
        return None

    def on_call(self, operation: str, callback: Callable[[str, dict[str, Any]], None]) -> None:
        """Run ``callback(function, params)`` as a handler makes the API call ``operation`` ("service:Operation"),
        before AWS sees it: what the world looks like at that moment. The callback's own AWS calls are the
        test's (not counted, not judged by the function's role)."""
        self.call_watchers.setdefault(operation, []).append(callback)

    def _watch(self, function: str, operation: str, params: dict[str, Any]) -> None:
        tls = self.invoker.tls
        invocation = getattr(tls, "invocation", None)
        tls.function, tls.invocation = None, None
        try:
            for callback in self.call_watchers[operation]:
                callback(function, params)
        finally:
            tls.function, tls.invocation = function, invocation

    def _authorize(
        self, function: str, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> hooks.Response | None:
        """AccessDenied as AWS words it, when the function's role (or the role it assumed) does not allow the call."""
        if self.authorizer is None or function not in self.authorizer.function_roles:
            return None  # no template, or a function registered by a test
        account = context.get(hooks.ACCOUNT_KEY)
        try:
            if account and account != self.stack.account_id:
                denial = self._authorize_assumed(account, service, operation, params, context)
            else:
                denial = self.authorizer.check(
                    function,
                    service,
                    operation,
                    params,
                    region=context.get("client_region") or self.stack.region,
                )
        except iam.UnmappedOperation as exc:
            return hooks.error("AccessDenied", f"sandbox: {exc}", 403)
        if denial is None:
            if service == "sts" and operation == "AssumeRole":
                role = str(params.get("RoleArn", ""))
                self._assumed_roles[role.split(":")[4] if role.count(":") >= 5 else ""] = role
            return None
        return hooks.error(denial.code, denial.message, denial.status)

    def resource_tags(self, arn: str) -> dict[str, str] | None:
        """An SES identity's tags as they are before the call (None when it does not exist); other resources'
        tags are not modelled (a policy conditioned on them fails closed)."""
        parts = arn.split(":", 5)
        if len(parts) < 6 or parts[2] != "ses" or not parts[5].startswith("identity/"):
            return None
        found = self.ses._get(parts[5].removeprefix("identity/"), parts[3])
        return None if found is None else {t["Key"]: t["Value"] for t in found.tags}

    def _authorize_assumed(
        self, account: str, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> Any:
        """A call made with a role assumed in another account: judged by the policy docs/operations.md gives it.

        That policy names one hosted zone: the zone the call names, else any public zone of that account.
        """
        partition = self.stack.partition
        role = self._assumed_roles.get(account, f"arn:{partition}:iam::{account}:role/{SANDBOX_ROLE_NAME}")
        zone_id = str(params.get("HostedZoneId") or "").rsplit("/", 1)[-1]
        if not zone_id:
            zones = [z for z in self.route53.zones(account) if not z.private_zone]
            zone_id = zones[0].id.rsplit("/", 1)[-1] if zones else "none"
        labels = self.stack.parameter_value("AllowedMailFromLabels").split(",")
        policy = iam.cross_account_zone_policy(zone_id, labels, partition=partition)
        return self.authorizer.check_cross_account(
            role, policy, service, operation, params, region=context.get("client_region") or self.stack.region
        )

    def start_iam(self) -> None:
        """Transform the template with the SAM translator; refuse to start when it lacks what AWS needs."""
        stack = self.stack
        if not stack.template_path:
            return
        self.authorizer = iam.Authorizer(
            stack.template_path,
            stack.parameters,
            region=stack.region,
            account_id=stack.account_id,
            partition=stack.partition,
            stack_name=STACK_NAME,
            lookup=stack.lookup,
        )
        self.authorizer.resource_tags = self.resource_tags
        findings = self.authorizer.static_checks()
        if findings:
            lines = "\n".join(f"- {f.resource}: {f.problem} ({f.source})" for f in findings)
            raise SandboxTemplateError(f"template.yaml would not work in AWS:\n{lines}")
        for logical, res in (stack.template.get("Resources") or {}).items():
            if res.get("Type") in MACHINE_TYPES and (res.get("Properties") or {}).get("Logging"):
                self._logging_machines.add(stack.resources[logical]["Arn"])

    def on_before_send(
        self, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> hooks.Response | None:
        """Once per attempt, beneath botocore's retries: injected faults, then SES v2 and strict Route 53."""
        tls = self.invoker.tls
        invocation = getattr(tls, "invocation", None)
        faulted = self.faults.check(
            service,
            operation,
            params,
            getattr(tls, "function", None),
            execution=invocation.execution if invocation is not None else None,
        )
        if faulted is not None:
            return faulted
        if self.limiter is not None:
            # an execution's call takes time to arrive; meanwhile other executions run (clock.py). The test's own
            # calls (polling an execution, say) take none: they would move the clock at wall-clock-dependent moments
            if self.clock.actor() is not None:
                self.clock.sleep(self.limiter.limits.call_latency)
            throttled = self.limiter.check(
                service,
                operation,
                account=str(context.get(hooks.ACCOUNT_KEY) or self.stack.account_id),
                region=str(context.get("client_region") or self.stack.region),
                now=self.clock.now(),
            )
            if throttled is not None:
                return throttled
        if service == "sesv2":
            return self.ses.before_call(operation, params, context.get("client_region") or self.stack.region)
        if service == "route53":
            return self.route53.before_call(operation, params, context.get(hooks.ACCOUNT_KEY))
        return None

    def on_after_call(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        status: int,
        parsed: dict[str, Any],
        context: dict[str, Any],
    ) -> None:
        """Let the Route 53 emulator amend moto's answers, page execution histories as AWS does, and note when
        each SNS message was published; record the answer if asked."""
        if service == "sns" and operation == "Publish" and status < 300 and parsed.get("MessageId"):
            invocation = getattr(self.invoker.tls, "invocation", None)
            execution = invocation.execution if invocation is not None else None
            self.published[parsed["MessageId"]] = (self.clock.now(), execution)
        if service == "route53":
            self.route53.after_call(operation, params, status, parsed, context.get(hooks.ACCOUNT_KEY))
        if service == "stepfunctions" and operation == "GetExecutionHistory" and status < 300:
            page_history(params, parsed)
        if self.record_answers:  # as the handler receives it: after the amendments above
            invocation = getattr(self.invoker.tls, "invocation", None)
            if invocation is not None:
                invocation.answers.append(
                    Answer(service, operation, copy.deepcopy(params), status, copy.deepcopy(parsed))
                )

    def api_calls(self, function: str | None = None, *, tables: bool = False) -> Counter[str]:
        """AWS API calls made by handlers, as ``"service:Operation"`` counts (optionally for one function);
        ``tables``: DynamoDB calls as ``"dynamodb:Operation@TABLE"``."""
        out: Counter[str] = Counter()
        for (fn, key, table), count in self._calls.items():
            if function is None or fn == function:
                out[f"{key}@{table}" if tables and table else key] += count
        return out
