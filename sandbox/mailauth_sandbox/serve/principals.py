"""Which access keys the served API knows, and who each one is, as IAM and STS in the sandbox's account say.

* the sandbox's test credentials, access key ``testing`` with secret ``testing`` (what ``scripts/`` and
  ``tests/conftest.py`` set), with any session token or none: reported as moto's STS reports unknown credentials
  (user id ``AKIAIOSFODNN7EXAMPLE``, ``arn:aws:sts::<account>:user/moto``);
* an access key of an IAM user created in the sandbox's moto IAM (``iam create-access-key``), without a session
  token;
* temporary credentials from the sandbox's moto STS (``sts assume-role``), with their session token.

IAM policies are not evaluated: a known key may call every route (API Gateway would also require
``execute-api:Invoke``).
"""

from __future__ import annotations

from .sigv4 import Principal

TEST_ACCESS_KEY = "testing"
TEST_SECRET_KEY = "testing"
#: what moto's STS answers GetCallerIdentity with for credentials it did not issue
MOTO_DEFAULT_USER_ID = "AKIAIOSFODNN7EXAMPLE"


class Principals:
    """Looks access keys up in the sandbox's account (``partition`` as the region's)."""

    def __init__(self, account_id: str, partition: str) -> None:
        self.account_id = account_id
        self.partition = partition

    def __call__(self, access_key: str) -> Principal | None:
        """The principal of ``access_key``, or ``None`` when nobody in this world holds it."""
        if access_key == TEST_ACCESS_KEY:
            return Principal(
                access_key=access_key,
                secret_key=TEST_SECRET_KEY,
                account_id=self.account_id,
                caller=MOTO_DEFAULT_USER_ID,
                user_arn=f"arn:{self.partition}:sts::{self.account_id}:user/moto",
            )
        return self._assumed_role(access_key) or self._iam_user(access_key)

    def _iam_user(self, access_key: str) -> Principal | None:
        from moto.iam.models import iam_backends

        backend = iam_backends[self.account_id][self.partition]
        user = backend.get_user_from_access_key_id(access_key)
        if user is None:
            return None
        secret = next(k.secret_access_key for k in user.access_keys if k.access_key_id == access_key)
        return Principal(
            access_key=access_key,
            secret_key=secret,
            account_id=self.account_id,
            caller=user.id,
            user_arn=user.arn,
            token="",  # an IAM user's key carries no session token: a request with one is refused
        )

    def _assumed_role(self, access_key: str) -> Principal | None:
        from moto.sts.models import sts_backends

        role = sts_backends[self.account_id][self.partition].get_assumed_role_from_access_key(access_key)
        if role is None:
            return None
        return Principal(
            access_key=access_key,
            secret_key=role.secret_access_key,
            account_id=role.account_id,
            caller=role.user_id,
            user_arn=role.arn,
            token=role.session_token,
        )
