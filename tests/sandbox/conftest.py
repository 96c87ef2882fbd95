"""Fixtures for the sandbox's own tests."""

from mailauth_sandbox.pytest_plugin import bare_aws, local_aws, local_aws_factory  # noqa: F401
