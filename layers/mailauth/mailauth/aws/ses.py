"""SES v2: the domain identity, its DKIM and MAIL FROM settings, and recommendations."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mailauth.aws import Adapter, error_code, transient_as_throttled
from mailauth.errors import InvalidRequestError

if TYPE_CHECKING:
    from mailauth.pace import Pacer

# Every SES action but sending is limited to 1 request/s per account and region.
SES_MIN_INTERVAL = 1.0


class Ses(Adapter):
    service = "sesv2"

    def __init__(
        self, client: Any = None, *, sleep: Callable[[float], None] = time.sleep, pacer: Pacer | None = None
    ) -> None:
        super().__init__(client)
        self._sleep = sleep
        #: books each call's slot on the account's SES timeline first (mailauth.pace); None: calls at once
        self.pacer = pacer

    @contextmanager
    def _calling(self, operation: str) -> Iterator[None]:
        """Wait for the call's slot (when paced), then make it: throttling and 5xx become AwsThrottledError."""
        if self.pacer is not None:
            self.pacer.take(operation)
        with transient_as_throttled(operation):
            yield

    @property
    def region(self) -> str:
        return str(self.client.meta.region_name)

    def get_identity(self, domain: str) -> dict[str, Any] | None:
        try:
            with self._calling("GetEmailIdentity"):
                response: dict[str, Any] = self.client.get_email_identity(EmailIdentity=domain)
        except Exception as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise
        return response

    def create_identity(
        self,
        domain: str,
        *,
        key_length: str,
        tags: Mapping[str, str],
        configuration_set: str | None,
    ) -> dict[str, Any] | None:
        """Create the identity with Easy DKIM; None when it already exists (AlreadyExistsException)."""
        kwargs: dict[str, Any] = {
            "EmailIdentity": domain,
            "DkimSigningAttributes": {"NextSigningKeyLength": key_length},
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
        if configuration_set:
            kwargs["ConfigurationSetName"] = configuration_set
        try:
            with self._calling("CreateEmailIdentity"):
                response: dict[str, Any] = self.client.create_email_identity(**kwargs)
        except Exception as exc:
            code = error_code(exc)
            if code == "AlreadyExistsException":
                return None
            if code in ("BadRequestException", "NotFoundException"):
                raise InvalidRequestError(f"SES refused to create identity {domain}: {exc}") from exc
            raise
        return response

    def put_mail_from(self, domain: str, mail_from_domain: str, behavior: str) -> None:
        with self._calling("PutEmailIdentityMailFromAttributes"):
            self.client.put_email_identity_mail_from_attributes(
                EmailIdentity=domain, MailFromDomain=mail_from_domain, BehaviorOnMxFailure=behavior
            )

    def enable_easy_dkim(self, domain: str, key_length: str) -> dict[str, Any]:
        """Turn Easy DKIM on for an identity that has no DKIM (PutEmailIdentityDkimSigningAttributes, AWS_SES).

        One of the operation's documented uses: "Change from using no DKIM authentication to using Easy DKIM".
        Its response carries DkimStatus, DkimTokens and SigningHostedZone.
        """
        with self._calling("PutEmailIdentityDkimSigningAttributes"):
            response: dict[str, Any] = self.client.put_email_identity_dkim_signing_attributes(
                EmailIdentity=domain,
                SigningAttributesOrigin="AWS_SES",
                SigningAttributes={"NextSigningKeyLength": key_length},
            )
        return response

    def enable_signing(self, domain: str) -> None:
        """DKIM signing on (PutEmailIdentityDkimAttributes SigningEnabled=true) for an identity that has it off."""
        with self._calling("PutEmailIdentityDkimAttributes"):
            self.client.put_email_identity_dkim_attributes(EmailIdentity=domain, SigningEnabled=True)

    def delete_identity(self, domain: str) -> bool:
        """DeleteEmailIdentity; False when it was already gone."""
        try:
            with self._calling("DeleteEmailIdentity"):
                self.client.delete_email_identity(EmailIdentity=domain)
        except Exception as exc:
            if error_code(exc) == "NotFoundException":
                return False
            raise
        return True

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        with self._calling("TagResource"):
            self.client.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def account(self) -> dict[str, Any]:
        """GetAccount: the account's sending status in this region (production access, sending, enforcement)."""
        with self._calling("GetAccount"):
            response: dict[str, Any] = self.client.get_account()
        return response

    def identity_statuses(self) -> Iterator[tuple[str, str]]:
        """Every identity of the account and region with its VerificationStatus (ListEmailIdentities, 1,000 a
        page: sesv2 model, ListEmailIdentitiesRequest.PageSize), each page's call paced like any other."""
        from mailauth.sweep import statuses_of

        kwargs: dict[str, Any] = {"PageSize": 1000}
        while True:
            if "NextToken" in kwargs and self.pacer is None:
                self._sleep(SES_MIN_INTERVAL)
            with self._calling("ListEmailIdentities"):
                page = self.client.list_email_identities(**kwargs)
            yield from statuses_of([page])
            if not page.get("NextToken"):
                return
            kwargs["NextToken"] = page["NextToken"]

    def recommendations(self, identity_arn: str, *, max_pages: int = 10) -> list[dict[str, Any]]:
        """Open findings SES has generated for this identity (ListRecommendations has no paginator)."""
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"Filter": {"RESOURCE_ARN": identity_arn}, "PageSize": 100}
        for page_number in range(max_pages):
            if page_number and self.pacer is None:
                self._sleep(SES_MIN_INTERVAL)
            with self._calling("ListRecommendations"):
                page = self.client.list_recommendations(**kwargs)
            found += page.get("Recommendations", [])
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return found
