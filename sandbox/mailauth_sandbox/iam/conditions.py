"""The request context and what matches in it: policy variables and the condition operators (fail closed).

The semantics, and what fails closed, are in the package docstring (:mod:`mailauth_sandbox.iam`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeAlias

from .resolver import scalar

#: a request-context value: single-valued, multi-valued (a list), or ``None`` ("known for the action, absent")
ContextValue: TypeAlias = str | bool | int | float | list[str] | tuple[str, ...] | None
Context: TypeAlias = Mapping[str, ContextValue]


#: the outcome of matching one part of a statement
MATCH, NO_MATCH, UNKNOWN = "match", "no-match", "unknown"
Outcome: TypeAlias = tuple[str, str]  # (one of the three, why when unknown)


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


def compile_value(
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
            parts.append(re.escape(scalar(found)))
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


def value_matches(base: str, policy_value: Any, actual: Any, context: Context) -> bool | None:
    """Does one request value match one policy value under a positive operator? ``None``: cannot tell."""
    if base in _NUMERIC:
        try:
            return _NUMERIC[base](float(actual), float(policy_value))
        except (TypeError, ValueError):
            return None
    if base == "Bool":
        expected = scalar(policy_value).lower()
        if expected not in ("true", "false"):
            return None
        return scalar(actual).lower() == expected
    if not isinstance(policy_value, (str, int, float, bool)):
        return None
    text, request = scalar(policy_value), scalar(actual)
    if base in ("ArnEquals", "ArnLike"):
        wanted, got = text.split(":", 5), request.split(":", 5)
        if len(wanted) != 6 or len(got) != 6:
            return False
        for w, g in zip(wanted, got, strict=True):
            regex = compile_value(w, context, wildcards=True, ignore_case=False)
            if regex is None:
                return None
            if not regex.fullmatch(g):
                return False
        return True
    regex = compile_value(
        text, context, wildcards=base == "StringLike", ignore_case=base == "StringEqualsIgnoreCase"
    )
    if regex is None:
        return None
    return regex.fullmatch(request) is not None


def _any_policy_value(base: str, policy_values: Sequence[Any], actual: Any, context: Context) -> bool | None:
    """Does ``actual`` match any policy value (values of one key OR)? ``None``: cannot tell."""
    unknown = False
    for value in policy_values:
        result = value_matches(base, value, actual, context)
        if result:
            return True
        unknown = unknown or result is None
    return None if unknown else False


def _condition_outcome(operator: str, key: str, raw_values: Any, context: Context) -> Outcome:  # noqa: C901
    """The outcome of one ``operator: {key: values}`` pair."""
    policy_values = raw_values if isinstance(raw_values, list) else [raw_values]
    qualifier, _, rest = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        return UNKNOWN, f"unknown condition operator {operator}"
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    name = rest[: -len("IfExists")] if if_exists else rest
    state, actual = _lookup_key(context, key)
    if state == "unknown":
        return UNKNOWN, f"condition key {key} is not known for this request"
    if name == "Null":
        if qualifier or if_exists:
            return UNKNOWN, f"unsupported operator {operator}"
        wanted = {scalar(v).lower() for v in policy_values}
        if not wanted <= {"true", "false"} or len(wanted) != 1:
            return UNKNOWN, f"Null takes true or false, not {raw_values!r}"
        return (MATCH if (state == "absent") == (wanted == {"true"}) else NO_MATCH), ""
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    if base not in _POSITIVE:
        return UNKNOWN, f"condition operator {operator} is not implemented (fail closed)"
    if state == "absent":
        if qualifier == "ForAllValues":
            return MATCH, ""  # vacuously true: the documented trap, modelled exactly
        if qualifier == "ForAnyValue":
            if if_exists:
                return UNKNOWN, f"{operator} on an absent key is undocumented (fail closed)"
            return NO_MATCH, ""
        if if_exists or negated:
            return MATCH, ""
        return NO_MATCH, ""
    values = list(actual) if isinstance(actual, (list, tuple)) else [actual]
    if not qualifier:
        if isinstance(actual, (list, tuple)) and len(values) != 1:
            return UNKNOWN, f"single-valued operator {operator} on multi-valued key {key} (fail closed)"
        result = _any_policy_value(base, policy_values, values[0], context)
        if result is None:
            return UNKNOWN, f"cannot compare {key} with {raw_values!r} under {operator}"
        return (MATCH if result != negated else NO_MATCH), ""
    per_value: list[bool] = []
    for value in values:
        result = _any_policy_value(base, policy_values, value, context)
        if result is None:
            return UNKNOWN, f"cannot compare {key} with {raw_values!r} under {operator}"
        per_value.append(result != negated)  # negated: this request value matches none of the policy values
    ok = all(per_value) if qualifier == "ForAllValues" else any(per_value)
    return (MATCH if ok else NO_MATCH), ""


def conditions_outcome(condition: Mapping[str, Any], context: Context) -> Outcome:
    unknown = ""
    for operator, keys in condition.items():
        for key, values in keys.items():
            state, why = _condition_outcome(operator, key, values, context)
            if state == NO_MATCH:
                return NO_MATCH, ""
            if state == UNKNOWN and not unknown:
                unknown = why
    return (UNKNOWN, unknown) if unknown else (MATCH, "")
