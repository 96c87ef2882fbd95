"""The text helpers every notification shares (and the Slack renderer): clipping, ASCII subjects, defanging
untrusted text, list items, record lines and the console link.

Plain functions on strings, importing nothing of mailauth's, so that the Slack webhook function can use them
without loading the notification models.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable

# SNS Publish, Subject: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
# characters long" (sns model documentation); mailauth sends printable ASCII only.
SUBJECT_MAX = 99

_SCHEME = re.compile(r"(?i)\b(https?|ftp|file|mailto|javascript|data|tel|sms|slack)(:)")
_QUOTED = re.compile(r"'[^'\n]{0,300}'")


def clip(text: str, limit: int, marker: str = "...") -> str:
    """``text`` cut to at most ``limit`` characters, ``marker`` showing where it was cut."""
    return text if len(text) <= limit else text[: max(limit - len(marker), 0)] + marker


def to_ascii(text: str) -> str:
    """Printable ASCII only (SNS subjects): IDN labels to punycode where possible, the rest as '?'."""
    if not text.isascii():
        with contextlib.suppress(UnicodeError, ValueError):
            text = text.encode("idna").decode("ascii")
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text.replace("\n", " "))


def subject_line(text: str) -> str:
    """An SNS subject: printable ASCII, fewer than 100 characters."""
    return clip(to_ascii(text), SUBJECT_MAX)


def defang(text: str) -> str:
    """Untrusted text that no mail client or Slack turns into a link: schemes as ``https[:]``, dots as ``[.]``."""
    return _SCHEME.sub(r"\1[:]", text).replace(".", "[.]")


def defang_quoted(text: str) -> str:
    """``text`` with the request content it quotes (``'...'``) defanged."""
    return _QUOTED.sub(lambda m: defang(m.group(0)), text)


def bullets(items: Iterable[str], indent: str = "  ") -> list[str]:
    """``- item`` lines; an item's own line breaks are indented under it."""
    return [f"{indent}- " + item.replace("\n", "\n" + indent + "  ") for item in items]


def list_items(message: str) -> list[str]:
    """A multi-line error message as separate items (``- `` list markers removed)."""
    return [line.strip().removeprefix("- ") for line in message.splitlines() if line.strip()]


def record_line(name: str, rtype: str, values: Iterable[str], *, quote_txt: bool = False) -> str:
    """``name type value / value``; with ``quote_txt``, a TXT value not quoted yet is shown in quotes."""
    if quote_txt and rtype == "TXT":
        values = (v if v.startswith('"') else f'"{v}"' for v in values)
    return f"{name} {rtype} {' / '.join(values)}"


def console_link(execution_arn: str, region: str) -> str:
    """The Step Functions console page of the execution."""
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )
