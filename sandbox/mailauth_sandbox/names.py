"""DNS names in the sandbox's one normal form: stripped, lower-case, Route 53's ``\\052`` as ``*``."""

from __future__ import annotations


def norm(name: str) -> str:
    """Lower-case absolute form of a DNS name (``Example.COM`` -> ``example.com.``)."""
    name = name.strip().lower().replace("\\052", "*")
    return name if name.endswith(".") else name + "."


def bare(name: str) -> str:
    """The same form without the final dot (``Example.COM.`` -> ``example.com``), as SES names a domain."""
    return norm(name).rstrip(".")
