"""Request constraints AWS enforces and the embedded AWS would otherwise let through.

botocore validates types, required members and ``min`` only (and not at all with
``Config(parameter_validation=False)``). The ``max``/``pattern``/``enum`` traits of its service models are
enforced by the services, and moto does not enforce them; many further rules live only in the prose
``documentation`` of the model (or in the AWS guides). A real bug shipped that way: SES tag values
like ``mailauth (adopted)`` passed every offline test, and SES refuses parentheses in tags.

:func:`check_request` answers, for one request as the caller passed it to botocore, every violation of

1. the model constraints of the operation's input shape (a small walker over the parameters given): string
   length in characters, ``pattern``, ``enum``; list and map sizes; numeric ranges; blob length in bytes;
2. the rules of :data:`DOCUMENTED_RULES`, each with the error code the service answers with and its source.
   Rules quoted from the installed botocore model carry the sentence in ``model_quotes``; the tests check that
   every such sentence is still in the model, so a model update that changes a rule fails them.

The package, one job a module: ``models`` (the installed botocore models, and the error code a
service answers a broken model constraint with), ``patterns`` (model patterns, Java regular expressions,
matched as AWS matches them), ``walker`` (the model constraints of an input shape), ``common`` (the
documented-rule record and what the rules share), one module of documented rules a service: ``ses``,
``route53``, ``sns``, ``stepfunctions``, ``dynamodb``, ``ssm_sts`` (each docstring says what that service's
documentation holds, read and decided), and ``check`` (the table of every rule, and :func:`check_request`).
"""

from __future__ import annotations

from .check import DOCUMENTED_RULES, Violation, check_request
from .common import DocumentedRule, ModelQuote, quote_in_model
from .models import error_for, model_documentation
from .patterns import UNCOMPILABLE_PATTERNS, java_pattern_to_python, pattern_matches
from .route53 import txt_string_lengths

__all__ = [
    "DOCUMENTED_RULES",
    "UNCOMPILABLE_PATTERNS",
    "DocumentedRule",
    "ModelQuote",
    "Violation",
    "check_request",
    "error_for",
    "java_pattern_to_python",
    "model_documentation",
    "pattern_matches",
    "quote_in_model",
    "txt_string_lengths",
]
