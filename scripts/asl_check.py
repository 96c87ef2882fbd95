"""Static checks for Amazon States Language files that neither cfn-lint nor `sam validate` perform.

SAM and cfn-lint do not look inside a state machine given by ``DefinitionUri``: a ``Next`` that names a
missing state, an unreachable state or an unfilled ``${Placeholder}`` all pass them. This module checks:

* ``StartAt`` names an existing state (at the top and in every Parallel branch / Map processor);
* every ``Next``, ``Default``, Choice-rule ``Next`` and ``Catch[].Next`` names an existing state;
* every state is reachable from ``StartAt``;
* every state has a way out: ``Next`` or ``End`` (Task, Pass, Wait, Parallel, Map), ``Choices`` (Choice);
  Succeed and Fail are terminal and must have neither;
* a Wait has exactly one of ``Seconds``, ``SecondsPath``, ``Timestamp``, ``TimestampPath``;
* no ``QueryLanguage: JSONata`` (the local interpreter cannot run it);
* ``${Name}`` placeholders versus a set of ``DefinitionSubstitutions`` keys, both ways;
* the definition, placeholders filled with dummy ARNs, parses in moto's ASL parser (the one the local
  workflow tests run);
* with ``--notify-state Notify`` (what ``make lint-template`` passes), mailauth's promise that every failure
  reaches a person: every Task's every Catch, and one of States.ALL, goes to ``Notify``; Notify's, and those of
  the Tasks after it (the outcome event), go to an alert state (an SNS publish to ``${AlertTopicArn}``), whose
  own Catch goes to a Fail state.

Usable as a library (``check_definition``, ``check_file``, ...) and as a script::

    python scripts/asl_check.py statemachine/*.asl.json [--template template.yaml]

With ``--template`` the placeholders are compared with the state machine's ``DefinitionSubstitutions``.
Exit status 1 when a problem is found.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")
TERMINAL_TYPES = {"Succeed", "Fail"}
KNOWN_TYPES = {"Task", "Pass", "Wait", "Choice", "Parallel", "Map", "Succeed", "Fail"}

State = dict[str, Any]


def _transitions(state: State) -> Iterator[tuple[str, str]]:
    """(where, target) for every transition out of a state."""
    if isinstance(state.get("Next"), str):
        yield "Next", state["Next"]
    if isinstance(state.get("Default"), str):
        yield "Default", state["Default"]
    for i, rule in enumerate(state.get("Choices") or []):
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            yield f"Choices[{i}].Next", rule["Next"]
    for i, catcher in enumerate(state.get("Catch") or []):
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            yield f"Catch[{i}].Next", catcher["Next"]


def _sub_machines(state: State) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Nested state machines: Parallel branches and Map ItemProcessor/Iterator."""
    for i, branch in enumerate(state.get("Branches") or []):
        if isinstance(branch, dict):
            yield f"Branches[{i}]", branch
    for key in ("ItemProcessor", "Iterator"):
        if isinstance(state.get(key), dict):
            yield key, state[key]


def _check_state(path: str, state: State) -> list[str]:
    problems: list[str] = []
    stype = state.get("Type")
    if stype not in KNOWN_TYPES:
        problems.append(f"{path}: unknown Type {stype!r}")
        return problems
    if state.get("QueryLanguage") == "JSONata":
        problems.append(f"{path}: QueryLanguage JSONata is not supported by the local interpreter")
    has_next, has_end = "Next" in state, bool(state.get("End"))
    if stype in TERMINAL_TYPES:
        if has_next or "End" in state:
            problems.append(f"{path}: a {stype} state is terminal and takes neither Next nor End")
    elif stype == "Choice":
        if not state.get("Choices"):
            problems.append(f"{path}: Choice state without Choices")
        if has_next or "End" in state:
            problems.append(f"{path}: a Choice state takes neither Next nor End")
    elif has_next == has_end:
        problems.append(f"{path}: needs exactly one of Next or End: true")
    if stype == "Wait":
        present = [f for f in WAIT_FIELDS if f in state]
        if len(present) != 1:
            problems.append(f"{path}: a Wait needs exactly one of {', '.join(WAIT_FIELDS)} (has {present})")
    return problems


def _reachable(start: str, states: Mapping[str, State]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo.extend(target for _, target in _transitions(states[name]))
    return seen


def check_machine(machine: Mapping[str, Any], where: str = "$") -> list[str]:
    """Structural problems of one state machine (recursing into Parallel branches and Maps)."""
    problems: list[str] = []
    if machine.get("QueryLanguage") == "JSONata":
        problems.append(f"{where}: QueryLanguage JSONata is not supported by the local interpreter")
    states = machine.get("States")
    if not isinstance(states, dict) or not states:
        return [*problems, f"{where}: no States"]
    start = machine.get("StartAt")
    if start not in states:
        problems.append(f"{where}: StartAt {start!r} is not a state")
    for name, state in states.items():
        path = f"{where}.States.{name}"
        if not isinstance(state, dict):
            problems.append(f"{path}: not an object")
            continue
        problems += _check_state(path, state)
        for field, target in _transitions(state):
            if target not in states:
                problems.append(f"{path}: {field} -> {target!r} is not a state")
        for sub_where, sub in _sub_machines(state):
            problems += check_machine(sub, f"{path}.{sub_where}")
    if isinstance(start, str) and start in states:
        for name in states.keys() - _reachable(start, states):
            problems.append(f"{where}.States.{name}: unreachable from StartAt {start!r}")
    return problems


#: the state that raises the alarm when telling a person fails


def _is_alert(state: Mapping[str, Any]) -> bool:
    """A direct SNS publish to the alerts topic (``${AlertTopicArn}``): no Lambda, no KMS key in between."""
    parameters = state.get("Parameters") or {}
    return (
        state.get("Type") == "Task"
        and str(state.get("Resource", "")).startswith("arn:aws:states:::sns:publish")
        and isinstance(parameters, dict)
        and parameters.get("TopicArn") in ("${AlertTopicArn}", dummy_arn("AlertTopicArn"))
    )


def _is_wake_up(state: Mapping[str, Any], catcher: Mapping[str, Any]) -> bool:
    """A Catch of exactly ``States.Timeout`` on a task that waits for its task token (``.waitForTaskToken``) with a
    timeout: the wait ran out, which is how such a task ends when nobody answers (mailauth.sweep)."""
    return (
        str(state.get("Resource", "")).endswith(".waitForTaskToken")
        and ("TimeoutSeconds" in state or "TimeoutSecondsPath" in state)
        and catcher.get("ErrorEquals") == ["States.Timeout"]
    )


def check_failure_paths(machine: Mapping[str, Any], notify: str = "Notify", where: str = "$") -> list[str]:
    """Every Task's failures reach a person: before the notification, the ``notify`` state; the notification's own
    failure, and the failure of any step after it (the person already knows the outcome), an alert state; an
    alert's own failure ends the run in a Fail state (the failed-executions alarm)."""
    states = machine.get("States")
    if not isinstance(states, dict):
        return []
    if notify not in states:
        return [f"{where}: no {notify!r} state: failures would reach nobody"]
    after = _reachable(str(states[notify].get("Next", "")), states) if states[notify].get("Next") else set()
    problems: list[str] = []
    for name, state in states.items():
        if not isinstance(state, dict) or state.get("Type") != "Task":
            continue
        path = f"{where}.States.{name}"
        catchers = [c for c in state.get("Catch") or [] if isinstance(c, dict)]
        if not any("States.ALL" in (c.get("ErrorEquals") or []) for c in catchers):
            problems.append(f"{path}: no Catch of States.ALL: a failure here would reach nobody")
        for i, catcher in enumerate(catchers):
            if not _is_wake_up(state, catcher):  # a wait that ran out: the run goes on, nothing failed
                problem = _catch_problem(states, name, state, catcher.get("Next"), notify, after)
                if problem:
                    problems.append(f"{path}: Catch[{i}] -> {catcher.get('Next')!r}{problem}")
    return problems


def _catch_problem(
    states: Mapping[str, Any], name: str, state: Mapping[str, Any], target: Any, notify: str, after: set[str]
) -> str:
    """What is wrong with a Catch of ``name`` going to ``target`` ('' when nothing)."""
    target_state = states.get(target) or {}
    if _is_alert(state):
        return "" if target_state.get("Type") == "Fail" else ": the alert's own failure must end the run"
    if name == notify or name in after:
        return "" if _is_alert(target_state) else ", not an alert state: that failure would reach nobody"
    return "" if target == notify else f", not {notify!r}: that failure would reach nobody"


def placeholders(text: str) -> set[str]:
    """The ${Name} placeholders in a definition's text."""
    return set(PLACEHOLDER.findall(text))


def check_placeholders(text: str, substitutions: set[str] | frozenset[str]) -> list[str]:
    """Placeholders without a DefinitionSubstitution, and substitutions no placeholder uses."""
    used = placeholders(text)
    problems = [f"placeholder ${{{n}}} has no DefinitionSubstitution" for n in sorted(used - substitutions)]
    unused = sorted(substitutions - used)
    problems += [f"DefinitionSubstitution {n} is not used by the definition" for n in unused]
    return problems


def dummy_arn(name: str, region: str = "us-east-1", account: str = "123456789012") -> str:
    """A syntactically valid ARN for a placeholder (a Lambda function ARN for ...FunctionArn)."""
    base = name.removesuffix("Arn")
    if base.endswith("Function"):
        return f"arn:aws:lambda:{region}:{account}:function:{base}"
    if base.endswith("Topic"):
        return f"arn:aws:sns:{region}:{account}:{base}"
    return f"arn:aws:states:{region}:{account}:stateMachine:{base}"


def substitute(text: str, values: Mapping[str, str] | None = None) -> str:
    """Fill ${Name} placeholders (with dummy ARNs unless values are given)."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if values is not None and name in values:
            return values[name]
        return dummy_arn(name)

    return PLACEHOLDER.sub(repl, text)


def check_moto_parse(text: str) -> list[str]:
    """Parse the (substituted) definition with moto's ASL parser, as the local interpreter will."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    try:
        AmazonStateLanguageParser.parse(substitute(text))
    except Exception as exc:
        return [f"moto's ASL parser rejects the definition: {type(exc).__name__}: {exc}"]
    return []


def check_definition(
    text: str, substitutions: set[str] | frozenset[str] | None = None, notify: str | None = None
) -> list[str]:
    """Every check on one definition's text. substitutions=None skips the placeholder comparison; ``notify`` names
    the state every failure must reach (None: not checked)."""
    try:
        machine = json.loads(substitute(text))
    except json.JSONDecodeError as exc:
        return [f"not valid JSON: {exc}"]
    if not isinstance(machine, dict):
        return ["the definition is not a JSON object"]
    problems = check_machine(machine)
    if notify is not None:
        problems += check_failure_paths(machine, notify)
    if substitutions is not None:
        problems += check_placeholders(text, substitutions)
    if not problems:
        problems += check_moto_parse(text)
    return problems


def template_substitutions(template_path: Path) -> dict[str, set[str]]:
    """DefinitionUri (resolved against the template's folder) -> DefinitionSubstitutions keys."""
    from cfnlint.decode import cfn_yaml

    template = cfn_yaml.load(str(template_path))
    result: dict[str, set[str]] = {}
    for resource in (template.get("Resources") or {}).values():
        if resource.get("Type") not in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            continue
        props = resource.get("Properties") or {}
        uri = props.get("DefinitionUri") or props.get("DefinitionS3Location")
        if isinstance(uri, str):
            key = str((template_path.parent / uri).resolve())
            result[key] = set(props.get("DefinitionSubstitutions") or {})
    return result


def check_file(
    path: Path, substitutions: set[str] | frozenset[str] | None = None, notify: str | None = None
) -> list[str]:
    return [f"{path}: {p}" for p in check_definition(path.read_text(encoding="utf-8"), substitutions, notify)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--template", type=Path, help="compare placeholders with its DefinitionSubstitutions")
    parser.add_argument(
        "--notify-state", help="the state every Task's failure must reach (Catch of States.ALL)"
    )
    args = parser.parse_args(argv)
    subs = template_substitutions(args.template) if args.template else {}
    problems: list[str] = []
    for path in args.files:
        expected = subs.get(str(path.resolve())) if args.template else None
        if args.template and expected is None:
            problems.append(f"{path}: no state machine in {args.template} uses it as DefinitionUri")
        problems += check_file(path, expected, args.notify_state)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"OK: {len(args.files)} state machine definition(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
