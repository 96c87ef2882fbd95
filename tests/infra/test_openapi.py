"""docs/openapi.json is generated from the API handler's routes (scripts/openapi.py) and matches the routes the
template gives API Gateway: the document, the code and the deployed API cannot drift apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_document_is_what_the_handler_generates() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "openapi.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_document_s_routes_are_the_template_s() -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    documented = {(path, method.upper()) for path, methods in document["paths"].items() for method in methods}
    template = cfn_yaml.load(str(ROOT / "template.yaml"))
    events = template["Resources"]["ApiFunction"]["Properties"]["Events"].values()
    routed = {
        (e["Properties"]["Path"], e["Properties"]["Method"].upper()) for e in events if e["Type"] == "Api"
    }
    assert documented == routed


def test_the_list_route_documents_its_query_parameters() -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    names = {p["name"] for p in document["paths"]["/domains"]["get"]["parameters"]}
    assert names == {"limit", "nextToken", "status", "batch"}
