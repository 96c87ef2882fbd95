"""The SAM transform of ``template.yaml``: AWS's own translator run in the tools virtualenv, cached in memory
and on disk."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from .errors import TransformError

REPO_ROOT: Final = Path(__file__).resolve().parents[3]


TRANSFORM_SCRIPT: Final = REPO_ROOT / "scripts" / "sam_transform.py"
CACHE_DIR: Final = REPO_ROOT / ".aws-sam" / "mailauth-sandbox"
DEFAULT_TOOLS_PYTHON: Final = REPO_ROOT / ".tools" / "bin" / "python"
TOOLS_PYTHON_ENV: Final = "MAILAUTH_SAM_PYTHON"


_memory_cache: dict[str, dict[str, Any]] = {}
_cache_lock = threading.Lock()


def tools_python(explicit: Path | None = None) -> Path:
    """The tools virtualenv's python: ``explicit``, else ``$MAILAUTH_SAM_PYTHON``, else ``<repo>/.tools/bin/python``."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(TOOLS_PYTHON_ENV)
    return Path(env) if env else DEFAULT_TOOLS_PYTHON


def transformed_template(
    template_path: Path | str,
    parameters: Mapping[str, str],
    *,
    region: str,
    account_id: str,
    partition: str,
    stack_name: str,
    tools_python: Path | None = None,
) -> dict[str, Any]:
    """The CloudFormation JSON SAM makes of ``template_path`` (``scripts/sam_transform.py`` in the tools venv).

    Cached in memory and on disk (``<repo>/.aws-sam/mailauth-sandbox/transformed-<sha256>.json``, keyed by the
    template text, the arguments, the script and the tools lock file). Parameters not given take their template
    defaults (the translator applies them). Returns a fresh deep copy: callers may mutate it.
    """
    path = Path(template_path).resolve()
    text = path.read_text(encoding="utf-8")
    args = [
        "--region",
        region,
        "--account-id",
        account_id,
        "--partition",
        partition,
        "--stack-name",
        stack_name,
    ]
    for name in sorted(parameters):
        args += ["--parameter", f"{name}={parameters[name]}"]
    lock = REPO_ROOT / "requirements" / "tools.lock"
    digest = hashlib.sha256(
        json.dumps(
            {
                "template": text,
                "args": args,
                "script": TRANSFORM_SCRIPT.read_text(encoding="utf-8") if TRANSFORM_SCRIPT.exists() else "",
                "tools_lock": lock.read_text(encoding="utf-8") if lock.exists() else "",
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    with _cache_lock:
        cached = _memory_cache.get(digest)
        if cached is None:
            cached = _disk_cached(digest)
        if cached is None:
            cached = _run_transform(path, args, tools_python)
            _store(digest, cached)
        _memory_cache[digest] = cached
        return copy.deepcopy(cached)


def _disk_cached(digest: str) -> dict[str, Any] | None:
    file = CACHE_DIR / f"transformed-{digest}.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "Resources" in data else None


def _store(digest: str, data: Mapping[str, Any]) -> None:
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = CACHE_DIR / f".transformed-{digest}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, CACHE_DIR / f"transformed-{digest}.json")
    except OSError:  # a read-only checkout still works, uncached
        pass


def _run_transform(path: Path, args: list[str], explicit: Path | None) -> dict[str, Any]:
    python = tools_python(explicit)
    if not python.exists():
        raise TransformError(
            f"the SAM translator's python {python} does not exist: run `make tools` to create the tools "
            f"virtualenv (or point {TOOLS_PYTHON_ENV} at a python that has aws-sam-translator)"
        )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        done = subprocess.run(
            [str(python), str(TRANSFORM_SCRIPT), str(path), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            cwd=REPO_ROOT,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TransformError(f"could not run {python} {TRANSFORM_SCRIPT}: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise TransformError(f"SAM transform of {path} failed (exit {done.returncode}):\n{tail}")
    try:
        data = json.loads(done.stdout)
    except ValueError as exc:
        raise TransformError(f"SAM transform of {path} printed no JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TransformError(f"SAM transform of {path} printed {type(data).__name__}, not an object")
    return data
