"""What the documented rules share: the rule record (:class:`DocumentedRule`, the :class:`ModelQuote` it rests
on), the builder of a table row, and small helpers that read parameters and show values in messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import model_documentation, service_model

#: A check: (operation, params, strict_execution_names) -> (path, message) for each violation.
Check = Callable[[str, Mapping[str, Any], bool], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class ModelQuote:
    """A sentence of the installed botocore model's documentation that a rule relies on."""

    service: str
    where: str  # an operation, a shape, or "Shape$member" (see model_documentation)
    sentence: str


@dataclass(frozen=True)
class DocumentedRule:
    """A rule AWS states in prose (model documentation or a guide) and enforces, and how it is checked."""

    rule: str
    service: str
    operations: tuple[str, ...]
    checks: str  # what it checks, in one sentence
    code: str
    status: int
    source: str  # where AWS says it
    check: Check = field(repr=False, compare=False)
    model_quotes: tuple[ModelQuote, ...] = ()


def quote_in_model(quote: ModelQuote) -> bool:
    """Whether the sentence is still in the installed model (compared ignoring white space)."""
    return "".join(quote.sentence.split()) in "".join(model_documentation(quote.service, quote.where).split())


def operations_with(service: str, member: str) -> tuple[str, ...]:
    """The operations of ``service`` whose input has the top-level ``member``."""
    model = service_model(service)
    return tuple(
        name
        for name in model.operation_names
        if (shape := model.operation_model(name).input_shape) is not None and member in shape.members
    )


def show(value: Any, limit: int = 256) -> str:
    """``value`` as text for a message, cut after ``limit`` characters."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def string_param(params: Mapping[str, Any], name: str) -> str | None:
    """The parameter ``name`` if it is a string, else None."""
    value = params.get(name)
    return value if isinstance(value, str) else None


def as_list(value: Any) -> list[Any]:
    """A list or tuple parameter as a list; anything else as an empty list."""
    return list(value) if isinstance(value, list | tuple) else []


def show_chars(characters: Iterable[str]) -> str:
    """The distinct characters, sorted and quoted, for a message."""
    return ", ".join(repr(c) for c in sorted(set(characters)))


def utf8_size(value: Any) -> int:
    """Bytes of a string in UTF-8 (lone surrogates included) or of bytes; 0 for anything else."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    return len(value) if isinstance(value, bytes | bytearray) else 0


def model_quotes(service: str, where: str, *sentences: str) -> tuple[ModelQuote, ...]:
    """The sentences of one documentation (``where``) of the installed ``service`` model."""
    return tuple(ModelQuote(service, where, s) for s in sentences)


def _model_source(service: str, quotes: Sequence[ModelQuote], extra: str = "") -> str:
    path = {
        "sesv2": "botocore model sesv2 (botocore/data/sesv2/2019-09-27/service-2.json.gz)",
        "route53": "botocore model route53 (botocore/data/route53/2013-04-01/service-2.json.gz)",
        "sns": "botocore model sns (botocore/data/sns/2010-03-31/service-2.json.gz)",
        "stepfunctions": "botocore model stepfunctions (botocore/data/stepfunctions/2016-11-23/service-2.json.gz)",
        "dynamodb": "botocore model dynamodb (botocore/data/dynamodb/2012-08-10/service-2.json.gz)",
        "ssm": "botocore model ssm (botocore/data/ssm/2014-11-06/service-2.json.gz)",
        "sts": "botocore model sts (botocore/data/sts/2011-06-15/service-2.json.gz)",
    }[service]
    cited = "; ".join(f'documentation of {q.where}: "{q.sentence}"' for q in quotes)
    return f"{path}, {cited}" + (f". {extra}" if extra else "")


def row(
    rule: str,
    service: str,
    operations: Sequence[str],
    checks: str,
    code: str,
    check: Check,
    quotes: tuple[ModelQuote, ...] = (),
    note: str = "",
) -> DocumentedRule:
    """A table row: the source cites the model sentences, then ``note`` (another source, or a reading).

    Columns: rule id, service, operations, what it checks, error code, check, model sentences, further source.
    """
    source = _model_source(service, quotes, note) if quotes else note
    return DocumentedRule(rule, service, tuple(operations), checks, code, 400, source, check, quotes)
