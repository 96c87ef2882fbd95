"""Named errors. The state machine's Retry and Catch match them by class name (Lambda's errorType)."""

from __future__ import annotations


class MailauthError(Exception):
    """Base class: every error mailauth raises on purpose."""


# Permanent: the workflow catches these, notifies, and ends FAILED.
class InvalidRequestError(MailauthError):
    """The request is not valid (bad domain, bad DMARC address, unknown option...)."""


class NoPublicZoneError(MailauthError):
    """No public Route 53 hosted zone contains the domain."""


class PrivateZoneOnlyError(MailauthError):
    """Only a private hosted zone contains the domain: SES cannot see it."""


class RecordConflictError(MailauthError):
    """A record mailauth must publish collides with one it did not create."""


class IdentityConflictError(MailauthError):
    """The SES identity exists in a state mailauth must not change (e.g. BYODKIM, another MAIL FROM)."""


class ChangeBatchTooLargeError(MailauthError):
    """The change batch exceeds Route 53's limits."""


# Transient: retried with back-off by the state machine, then caught.
class AwsThrottledError(MailauthError):
    """AWS throttled us or had a transient fault (Throttling, TooManyRequests, PriorRequestNotComplete, 5xx)."""


class SesBusyError(MailauthError):
    """SES's request rate for the account and region is booked further ahead than a step may wait (mailauth's
    own pacing, mailauth.pace): the state machine retries the step later. No SES call was made."""


class EventNotPutError(MailauthError):
    """EventBridge answered PutEvents but did not accept the event (a failed entry)."""


class LedgerConflictError(MailauthError):
    """Another run wrote the domain's ledger between this step's read and its write (optimistic locking)."""


class DnsLookupError(MailauthError):
    """Public DNS did not answer (timeout, no name server) where mailauth must know what is served."""


class ChangeNotInSyncError(MailauthError):
    """The Route 53 change is still PENDING."""


class ExecutionConflictError(MailauthError):
    """An onboarding of this domain is already running with a different request."""


class WatchIncompleteError(MailauthError):
    """The watch could not audit some domains this time (each is logged with its reason); the next round audits
    them again. Raised after the round's state is saved, so that the function's Errors alarm tells an operator."""


#: Error codes worth retrying later: botocore's own lists of throttling and transient codes
#: (botocore/retries/standard.py, _THROTTLED_ERROR_CODES and _TRANSIENT_ERROR_CODES) without
#: LimitExceededException (for SES it is the 10,000-identity quota, which waiting does not lift), plus the
#: service faults SES, Route 53, SNS and KMS document as temporary.
TRANSIENT_AWS_CODES = frozenset(
    {
        # botocore, throttling
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",  # DynamoDB
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",  # Route 53: the zone is still processing an earlier change
        "EC2ThrottledException",
        # botocore, transient
        "RequestTimeout",
        "RequestTimeoutException",
        # documented temporary faults
        "Throttled",
        "KMSThrottling",  # SNS publishing to a KMS-encrypted topic
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ConcurrentModificationException",  # SES
        "TransactionConflictException",  # DynamoDB
    }
)


def is_transient(error: Exception) -> bool:
    """True for a botocore ClientError worth retrying later, or a connection error the SDK's retries outlasted."""
    from botocore.exceptions import ConnectionError as SdkConnectionError
    from botocore.exceptions import HTTPClientError

    if isinstance(error, SdkConnectionError | HTTPClientError):
        return True
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in TRANSIENT_AWS_CODES or (isinstance(status, int) and (status == 429 or status >= 500))
