"""Model patterns (Java regular expressions), matched against a value as AWS matches them.

**Patterns are matched against the whole value** (Java's ``Matcher.matches()``), not searched for. The Smithy
specification says a pattern is not implicitly anchored, but the services that answer ``failed to satisfy
constraint: Member must satisfy regular expression pattern`` validate the whole value: STS refuses the role
session names ``a:b``, ``PowerUser/hjacobs`` and ``dependabot[bot]`` against ``[\\w+=,.@-]*`` (e.g.
JuliaCloud/AWSCore.jl#38, zalando-stups/aws-credentials-service#7, aws-actions/configure-aws-credentials#1306),
a pattern that a search would find (empty) in any string. Patterns already written ``^...$`` give the same
answer either way, except that a search lets a trailing newline through. Model patterns are Java regular
expressions: :func:`java_pattern_to_python` rewrites Java's ASCII-only ``\\d \\s \\w`` (and negations), its
POSIX classes (``\\p{Print}``, ``\\p{Alpha}``, ...) and its ``.`` (no line terminators) for the ``regex``
module, which understands ``\\p{L}``. A pattern that still does not compile is skipped and recorded in
:data:`UNCOMPILABLE_PATTERNS` (the tests assert that none of the shapes mailauth sends is among them).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import regex  # type: ignore[import-untyped]  # no stubs; \p{L}-style classes, which `re` lacks

# Java's \d \s \w and their negations are ASCII-only; Python's are Unicode. As ranges, valid inside a class.
_JAVA_SHORTHANDS = {
    "d": "0-9",
    "D": "\\x00-\\x2f\\x3a-\\U0010ffff",
    "s": " \\t\\n\\x0b\\f\\r",
    "S": "\\x00-\\x08\\x0e-\\x1f\\x21-\\U0010ffff",
    "w": "a-zA-Z0-9_",
    "W": "\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\U0010ffff",
}
# Java's POSIX classes are ASCII-only too (the regex module's \p{Alpha} & co. are Unicode properties).
_JAVA_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e",
    "Graph": "\\x21-\\x7e",
    "Print": "\\x20-\\x7e",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
_JAVA_DOT = "[^\\n\\r\\x85\\u2028\\u2029]"  # Java's '.' matches no line terminator
_POSIX_ESCAPE = re.compile(r"\\p\{(\w+)\}")

#: Model patterns the regex module could not compile: skipped by the walker (see the tests).
UNCOMPILABLE_PATTERNS: set[str] = set()


def java_pattern_to_python(pattern: str) -> str:
    """A model (Java) pattern rewritten for the ``regex`` module, character-class aware."""
    out: list[str] = []
    depth = 0  # inside a character class when > 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            posix = _POSIX_ESCAPE.match(pattern, i)
            ranges = _JAVA_SHORTHANDS.get(escaped) or (_JAVA_POSIX.get(posix.group(1)) if posix else None)
            if ranges is None:
                out.append(pattern[i : i + 2])
                i += 2
                continue
            out.append(ranges if depth else f"[{ranges}]")
            i = posix.end() if posix and escaped == "p" else i + 2
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        elif char == "." and not depth:
            char = _JAVA_DOT
        out.append(char)
        i += 1
    return "".join(out)


@functools.cache
def _compiled(pattern: str) -> Any:
    try:
        return regex.compile(java_pattern_to_python(pattern))
    except (regex.error, ValueError, OverflowError):
        UNCOMPILABLE_PATTERNS.add(pattern)
        return None


def pattern_matches(pattern: str, value: str) -> bool | None:
    """Whether the whole ``value`` matches the model ``pattern``; None when it cannot be compiled (skipped)."""
    compiled = _compiled(pattern)
    if compiled is None:
        return None
    try:
        return compiled.fullmatch(value, timeout=2.0) is not None
    except TimeoutError:  # a pathological backtrack: AWS would answer; we cannot say, so we do not refuse
        return None
