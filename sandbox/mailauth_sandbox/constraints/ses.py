"""SES v2 documented rules: tags, configuration set names, MAIL FROM, DKIM signing attributes, page sizes
and recommendation filters.

The documentation of the input shapes of the operations mailauth calls, read and decided (``+`` implemented):

sesv2 Tag (every operation with ``Tags``): + keys 1-128 and values 0-256 characters, + characters, + the
``aws:`` prefix, + at most 50 tags, + unique keys. CreateConfigurationSet ``ConfigurationSetName``:
+ up to 64 letters, digits, ``-`` and ``_``, applied to every sesv2 ``ConfigurationSetName`` (a name that
cannot be created cannot exist). PutEmailIdentityMailFromAttributes ``MailFromDomain``: + a subdomain of the
identity; "can't be used to receive email" and "can't be used in a From address" need DNS and mail state: not
checkable here. CreateEmailIdentity ``DkimSigningAttributes``: + only for a domain identity;
``DomainSigningAttributesOrigin``: + none allowed in PutEmailIdentityDkimSigningAttributes, + AWS_SES and
EXTERNAL not allowed in CreateEmailIdentity. ``DomainSigningPrivateKey`` "must use 1024 or 2048-bit RSA":
not checked (mailauth uses Easy DKIM only). ListRecommendations ``PageSize`` + 1-100 and ``Filter`` + one key
or STATUS+IMPACT or STATUS+TYPE; ListEmailIdentities ``PageSize`` + 0-1000. ``NextSigningKeyLength`` "can be
changed at most once per day": state, the SES emulator's business. Get/DeleteEmailIdentity,
PutEmailIdentityDkimAttributes: nothing beyond the model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import regex  # type: ignore[import-untyped]  # no stubs; \p{L}-style classes, which `re` lacks

from ..names import bare
from .common import (
    DocumentedRule,
    as_list,
    model_quotes,
    operations_with,
    row,
    show,
    show_chars,
    string_param,
)

_SES_TAG_CHARACTER = regex.compile(r"[\p{L}\p{N}\p{Z}_.:/=+\-]")
_SES_MAX_TAGS = 50


def _ses_tags(params: Mapping[str, Any]) -> Iterator[tuple[int, str, str]]:
    """(index, key, value) of each tag; a missing Value counts as "" ("SES sets the value to an empty string")."""
    for index, tag in enumerate(as_list(params.get("Tags"))):
        if isinstance(tag, Mapping) and isinstance(tag.get("Key"), str):
            value = tag.get("Value")
            yield index, tag["Key"], value if isinstance(value, str) else ""


def _check_ses_tag_length(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, key, value in _ses_tags(params):
        if not 1 <= len(key) <= 128:
            yield (
                f"Tags[{index}].Key",
                f"Invalid tag key '{show(key, 40)}': a tag key has 1 to 128 characters",
            )
        if len(value) > 256:
            yield (
                f"Tags[{index}].Value",
                f"Invalid tag value for key '{key}': a tag value has at most 256 characters",
            )


def _check_ses_tag_characters(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, key, value in _ses_tags(params):
        for part, text in (("Key", key), ("Value", value)):
            bad = [c for c in text if not _SES_TAG_CHARACTER.fullmatch(c)]
            if bad:
                yield (
                    f"Tags[{index}].{part}",
                    f"Invalid tag {part.lower()} '{show(text, 80)}': characters {show_chars(bad)} are not allowed; "
                    "tags can contain Unicode letters, digits, white space, and _ . : / = + -",
                )


def _check_ses_tag_prefix(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, key, value in _ses_tags(params):
        for part, text in (("Key", key), ("Value", value)):
            if text[:4].lower() == "aws:":
                yield (
                    f"Tags[{index}].{part}",
                    f"Invalid tag {part.lower()} '{show(text, 80)}': the aws: prefix is reserved for use by AWS",
                )


def _check_ses_tag_count(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    tags = as_list(params.get("Tags"))
    if len(tags) > _SES_MAX_TAGS:
        yield "Tags", f"Too many tags: {len(tags)}; a resource can have as many as {_SES_MAX_TAGS} tags"


def _check_ses_tag_keys_unique(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for index, key, _ in _ses_tags(params):
        if key in seen:
            yield f"Tags[{index}].Key", f"Duplicate tag key '{show(key, 80)}': each tag key must be unique"
        seen.add(key)


_CONFIGURATION_SET_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _check_configuration_set_name(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    name = string_param(params, "ConfigurationSetName")
    if name is not None and not _CONFIGURATION_SET_NAME.fullmatch(name):
        yield (
            "ConfigurationSetName",
            f"Invalid configuration set name '{show(name, 80)}': up to 64 letters, numbers, hyphens (-) and "
            "underscores (_)",
        )


def _domain_of(name: str) -> str:
    return bare(name.rsplit("@", 1)[-1])


def _check_mail_from_subdomain(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    identity, mail_from = string_param(params, "EmailIdentity"), string_param(params, "MailFromDomain")
    if not identity or not mail_from:  # no MailFromDomain: the call turns custom MAIL FROM off
        return
    parent = _domain_of(identity)
    if not _domain_of(mail_from).endswith("." + parent):
        yield (
            "MailFromDomain",
            f"Invalid MAIL FROM domain '{show(mail_from, 120)}': it has to be a subdomain of {parent}",
        )


def _check_dkim_domain_only(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    identity = string_param(params, "EmailIdentity")
    if identity and "@" in identity and params.get("DkimSigningAttributes") is not None:
        yield (
            "DkimSigningAttributes",
            f"DkimSigningAttributes can only be specified for a domain identity, not the address '{identity}'",
        )


def _check_dkim_origin(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    if operation == "PutEmailIdentityDkimSigningAttributes":
        container, why = "SigningAttributes", "no value is allowed here; use SigningAttributesOrigin"
    else:
        container, why = "DkimSigningAttributes", "AWS_SES and EXTERNAL are not allowed here"
    attributes = params.get(container)
    origin = attributes.get("DomainSigningAttributesOrigin") if isinstance(attributes, Mapping) else None
    if not isinstance(origin, str):
        return
    if container == "SigningAttributes" or origin in ("AWS_SES", "EXTERNAL"):
        yield (
            f"{container}.DomainSigningAttributesOrigin",
            f"Invalid DomainSigningAttributesOrigin '{origin}': {why}",
        )


_PAGE_SIZES = {"ListRecommendations": (1, 100), "ListEmailIdentities": (0, 1000)}


def _check_ses_page_size(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    size = params.get("PageSize")
    low, high = _PAGE_SIZES[operation]
    if isinstance(size, int) and not isinstance(size, bool) and not low <= size <= high:
        yield (
            "PageSize",
            f"Invalid PageSize {size}: it has to be at least {low}, and can be no more than {high}",
        )


def _check_recommendation_filter(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    keys = params.get("Filter")
    if (
        isinstance(keys, Mapping)
        and len(keys) == 2
        and set(keys) not in ({"STATUS", "IMPACT"}, {"STATUS", "TYPE"})
    ):
        yield (
            "Filter",
            f"Invalid Filter keys {sorted(keys)}: use one key, or STATUS and IMPACT, or STATUS and TYPE",
        )


_TAG_OPERATIONS = operations_with("sesv2", "Tags")
_Q_TAG_LENGTH = model_quotes(
    "sesv2",
    "Tag",
    "A tag key can contain as many as 128 characters. A tag value can contain as many as 256 characters.",
) + model_quotes("sesv2", "Tag$Key", "The minimum length is 1 character.")
_Q_TAG_CHARACTERS = model_quotes(
    "sesv2",
    "Tag",
    "The characters can be Unicode letters, digits, white space, or one of the following symbols: _ . : / = + -.",
)
_Q_TAG_PREFIX = model_quotes(
    "sesv2",
    "Tag",
    "The aws: prefix is reserved for use by Amazon Web Services; you can’t use it in any tag keys or values that "
    "you define.",
)
_Q_TAG_COUNT = model_quotes("sesv2", "Tag", "A resource can have as many as 50 tags.")
_Q_TAG_UNIQUE = model_quotes(
    "sesv2",
    "Tag",
    "For each associated resource, each tag key must be unique and it can have only one value.",
)
_Q_CONFIGURATION_SET = model_quotes(
    "sesv2",
    "CreateConfigurationSetRequest$ConfigurationSetName",
    "The name can contain up to 64 alphanumeric characters, including letters, numbers, hyphens (-) and "
    "underscores (_) only.",
)
_Q_MAIL_FROM = model_quotes(
    "sesv2",
    "PutEmailIdentityMailFromAttributesRequest$MailFromDomain",
    "It has to be a subdomain of the verified identity.",
)
_Q_DKIM_DOMAIN = model_quotes(
    "sesv2",
    "CreateEmailIdentityRequest$DkimSigningAttributes",
    "You can only specify this object if the email identity is a domain, as opposed to an address.",
)
_Q_DKIM_ORIGIN = model_quotes(
    "sesv2",
    "DkimSigningAttributes$DomainSigningAttributesOrigin",
    "For PutEmailIdentityDkimSigningAttributes: None of the values are allowed - use the SigningAttributesOrigin "
    "parameter instead",
    "For CreateEmailIdentity when replicating a parent identity's DKIM configuration: Allowed values: All values "
    "except AWS_SES and EXTERNAL",
)
_Q_PAGE_SIZE = model_quotes(
    "sesv2",
    "ListRecommendationsRequest$PageSize",
    "The value you specify has to be at least 1, and can be no more than 100.",
) + model_quotes(
    "sesv2",
    "ListEmailIdentitiesRequest$PageSize",
    "The value you specify has to be at least 0, and can be no more than 1000.",
)
_Q_FILTER = model_quotes(
    "sesv2",
    "ListRecommendationsRequest$Filter",
    "Can eiter be an individual filter, or combinations of STATUS and IMPACT or STATUS and TYPE",
)

# fmt: off
RULES: list[DocumentedRule] = [
    # ---- SES v2 (every error BadRequestException, 400: modeled for every sesv2 operation)
    row("ses-tag-length", "sesv2", _TAG_OPERATIONS,
        "tag keys have 1-128 characters, tag values at most 256",
        "BadRequestException", _check_ses_tag_length, _Q_TAG_LENGTH),
    row("ses-tag-characters", "sesv2", _TAG_OPERATIONS,
        "tag keys and values hold only Unicode letters (\\p{L}), digits (\\p{N}), white space (\\p{Z}) and "
        "_ . : / = + -",
        "BadRequestException", _check_ses_tag_characters, _Q_TAG_CHARACTERS,
        "Read as AWS's usual tag pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] without the @ the SES text leaves out"),
    row("ses-tag-aws-prefix", "sesv2", _TAG_OPERATIONS,
        "no tag key or value begins with aws: (in any case)",
        "BadRequestException", _check_ses_tag_prefix, _Q_TAG_PREFIX,
        "Checked in any case, as the Tagging AWS Resources guide reserves aws: 'or any upper or lowercase "
        "combination'"),
    row("ses-tag-count", "sesv2", _TAG_OPERATIONS,
        "at most 50 tags in one request",
        "BadRequestException", _check_ses_tag_count, _Q_TAG_COUNT),
    row("ses-tag-unique-keys", "sesv2", _TAG_OPERATIONS,
        "no tag key twice in one request",
        "BadRequestException", _check_ses_tag_keys_unique, _Q_TAG_UNIQUE),
    row("ses-configuration-set-name", "sesv2", operations_with("sesv2", "ConfigurationSetName"),
        "ConfigurationSetName is 1-64 of A-Z a-z 0-9 - _",
        "BadRequestException", _check_configuration_set_name, _Q_CONFIGURATION_SET,
        "The ConfigurationSetName shape itself has no constraint; the rule is applied to every sesv2 request "
        "that names a configuration set (a name that cannot be created cannot exist; SES answers a missing set "
        "with NotFoundException, an invalid one most likely with BadRequestException)"),
    row("ses-mail-from-subdomain", "sesv2", ("PutEmailIdentityMailFromAttributes",),
        "a MailFromDomain is a subdomain of the identity's domain",
        "BadRequestException", _check_mail_from_subdomain, _Q_MAIL_FROM),
    row("ses-dkim-domain-only", "sesv2", ("CreateEmailIdentity",),
        "DkimSigningAttributes only for a domain identity, not an address",
        "BadRequestException", _check_dkim_domain_only, _Q_DKIM_DOMAIN),
    row("ses-dkim-origin", "sesv2", ("CreateEmailIdentity", "PutEmailIdentityDkimSigningAttributes"),
        "DomainSigningAttributesOrigin: none in PutEmailIdentityDkimSigningAttributes, neither AWS_SES nor "
        "EXTERNAL in CreateEmailIdentity",
        "BadRequestException", _check_dkim_origin, _Q_DKIM_ORIGIN),
    row("ses-page-size", "sesv2", tuple(_PAGE_SIZES),
        "PageSize 1-100 (ListRecommendations), 0-1000 (ListEmailIdentities)",
        "BadRequestException", _check_ses_page_size, _Q_PAGE_SIZE),
    row("ses-recommendation-filter", "sesv2", ("ListRecommendations",),
        "Filter: one key, or STATUS and IMPACT, or STATUS and TYPE",
        "BadRequestException", _check_recommendation_filter, _Q_FILTER),
]
# fmt: on
