"""The REST API's routes as template.yaml declares them, and which one a request's method and path select.

Each ``Type: Api`` event of an ``AWS::Serverless::Function`` is a route: its ``Path`` (with ``{name}`` and
``{name+}`` parameters) and ``Method`` (``ANY`` for all), the function API Gateway's Lambda proxy integration
invokes, and whether IAM authorisation applies (the event's ``Auth.Authorizer``, else the API's
``Auth.DefaultAuthorizer``). Routes are read from the template when the server starts, so a route added there is
served without changing the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: the stage of an API whose template gives none (SAM's own default is ``Prod``)
DEFAULT_STAGE = "Prod"


@dataclass(frozen=True)
class Route:
    """One resource and method of the REST API and the function behind it."""

    resource: str
    method: str
    function: str
    iam: bool

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when ``method`` and ``path`` (percent-encoded, as received) select this route."""
        if self.method not in ("ANY", method):
            return None
        pattern = _segments(self.resource)
        parts = _segments(path)
        params: dict[str, str] = {}
        for index, segment in enumerate(pattern):
            if segment.startswith("{") and segment.endswith("+}"):  # greedy: the rest of the path
                rest = parts[index:]
                if not rest or not all(rest):
                    return None
                params[segment[1:-2]] = "/".join(rest)
                return params
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if not parts[index]:
                    return None
                params[segment[1:-1]] = parts[index]
            elif segment != parts[index]:
                return None
        return params if len(parts) == len(pattern) else None


@dataclass(frozen=True)
class Api:
    """The routes of the template's REST API and its stage name."""

    routes: tuple[Route, ...]
    stage: str

    def select(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route serving ``method`` ``path`` and its path parameters; a literal segment wins over a parameter,
        as API Gateway matches the most specific resource first."""
        found = [(r, p) for r in self.routes if (p := r.match(method, path)) is not None]
        if not found:
            return None
        return min(found, key=lambda item: (len(item[1]), item[0].method == "ANY"))


def _segments(path: str) -> list[str]:
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


def _authorizer(value: Any) -> str | None:
    return value.get("Authorizer") if isinstance(value, Mapping) else None


def _apis(resources: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        logical: res.get("Properties") or {}
        for logical, res in resources.items()
        if isinstance(res, Mapping) and res.get("Type") == "AWS::Serverless::Api"
    }


def read(template: Mapping[str, Any]) -> Api:
    """The REST API of ``template`` (a loaded SAM template): every ``Type: Api`` event of every function."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    apis = _apis(resources)
    routes: list[Route] = []
    stage = ""
    for logical, res in resources.items():
        if not isinstance(res, Mapping) or res.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((res.get("Properties") or {}).get("Events") or {}).values():
            if not isinstance(event, Mapping) or event.get("Type") != "Api":
                continue
            props: Mapping[str, Any] = event.get("Properties") or {}
            api_ref = props.get("RestApiId")
            api_id = api_ref.get("Ref") if isinstance(api_ref, Mapping) else None
            api: Mapping[str, Any] = apis.get(str(api_id), {}) if api_id else {}
            stage = stage or str(api.get("StageName") or "")
            authorizer = _authorizer(props.get("Auth")) or (api.get("Auth") or {}).get("DefaultAuthorizer")
            routes.append(
                Route(
                    resource=str(props["Path"]),
                    method=str(props["Method"]).upper(),
                    function=logical,
                    iam=authorizer == "AWS_IAM",
                )
            )
    return Api(routes=tuple(routes), stage=stage or DEFAULT_STAGE)
