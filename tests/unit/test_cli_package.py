"""`pip install .` from the repository installs the `mailauth` command: the package mailauth_cli and its console
script, not the Lambda layer, and the installed command works without the layer and the sandbox.

Built offline (``pip wheel --no-deps --no-build-isolation --no-index``) from a copy of the repository's
pyproject.toml, README and code, so the build's own files (build/, *.egg-info) never land in the worktree. The
build needs setuptools: the test's Python's if it has it, else the .tools venv's (the SAM CLI's, always there
when `make test` runs).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.unit.fake_api import FakeApi, credentials_env, domain_status

ROOT = Path(__file__).resolve().parents[2]


def _python_with_setuptools() -> str:
    if importlib.util.find_spec("setuptools") is not None:
        return sys.executable
    tools = ROOT / ".tools/bin/python"
    if tools.exists():
        return str(tools)
    pytest.skip("no Python with setuptools to build the package (make tools installs .tools)")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in (
        "cli",
        "layers",
        "sandbox",
    ):  # the layer and sandbox are there, as in a clone, and must stay out
        shutil.copytree(
            ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    dist = tmp_path_factory.mktemp("dist")
    build = ["wheel", "--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check", "-q"]
    built = subprocess.run(
        [_python_with_setuptools(), "-m", "pip", *build, ".", "-w", str(dist)],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [found] = dist.glob("mailauth-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    install = [
        "install",
        "--no-deps",
        "--no-index",
        "--disable-pip-version-check",
        "-q",
        "--target",
        str(target),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pip", *install, str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return target


def test_the_wheel_holds_the_cli_and_its_command_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = [
            line for line in archive.read(metadata).decode().splitlines() if line.startswith("Requires-Dist")
        ]

    assert {n.split("/")[0] for n in names} == {"mailauth_cli", wheel.name.split("-py3")[0] + ".dist-info"}
    assert {"mailauth_cli/__main__.py", "mailauth_cli/api.py", "mailauth_cli/progress.py"} <= set(names)
    assert not any(n.startswith(("mailauth/", "mailauth_sandbox/", "functions/")) for n in names)
    assert "[console_scripts]\nmailauth = mailauth_cli.__main__:main" in scripts
    assert requires == [
        "Requires-Dist: boto3>=1.44",
        "Requires-Dist: botocore>=1.44",
        "Requires-Dist: PyYAML>=6.0",
    ]


def _mailauth(installed: Path, api: FakeApi, *argv: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, with only the installed package on the path (no layer, no sandbox)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(installed),
        "PYTHONPATH": str(installed),
        "MAILAUTH_ENDPOINT": api.endpoint,
        **credentials_env(),
    }
    return subprocess.run(
        [str(installed / "bin/mailauth"), *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_the_installed_command_talks_to_the_api_without_the_layer(installed: Path, api: FakeApi) -> None:
    api.answer("GET", "/domains/example.com", (200, domain_status(None, run="SUCCEEDED", verified=True)))

    status = _mailauth(installed, api, "status", "example.com")
    usage = _mailauth(installed, api, "--help")

    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("example.com\n  SES identity: verified for sending: yes")
    assert api.seen and not api.refused
    assert usage.returncode == 0 and "exit codes:" in usage.stdout


def test_the_installed_command_says_scenarios_need_a_clone(installed: Path, api: FakeApi) -> None:
    plan = _mailauth(
        installed, api, "plan", "example.com", "--scenario", "scenarios/existing-strict-dmarc.yaml"
    )

    assert plan.returncode == 2
    assert plan.stdout == ""
    assert plan.stderr == (
        "error: --scenario needs a clone of the mailauth repository (here mailauth is missing): "
        "run scripts/mailauth plan DOMAIN --scenario FILE there\n"
    )
    assert not api.seen
