# mailauth - developer entry points. `make test` works from a fresh clone: it only needs Python 3.13.0
# from pyenv (or any python3.13 on PATH) and access to PyPI.
#
#   make venv          .venv  (app + tests + lint deps, Python 3.13), re-installed when requirements change
#   make tools         .tools (SAM CLI, its own pins of boto3/pydantic)
#   make lint          ruff check, ruff format --check, mypy
#   make lint-template cfn-lint, the project's ASL checks, sam validate (translator) and sam validate --lint
#   make build         sam build (arm64 / python3.13 from template.yaml; no Docker needed), then byte-compiled
#   make test          lint + lint-template + build + pytest (what CI runs: .ci/run)
#   make demo [DOMAIN=example.com]   the onboarding run end to end in the sandbox
#   make bench         scripts/bench.py
#   make bench-fleet   N domains at once under AWS's API rate limits (FLEET_N=50,200,1000; default 50,200)
#   make faults        the fault matrix: every AWS operation of both workflows x {transient, persistent, denied}
#   make e2e-aws       the real-account test: your AWS credentials and MAILAUTH_E2E_PARENT_ZONE_ID=Z... (else SKIPPED)
#   make lock          re-freeze requirements/*.lock from the current venvs
#   make clean         build and cache output (keeps the venvs); make distclean also removes the venvs

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV ?= .venv
TOOLS ?= .tools
# pytest-xdist: one worker per core ("auto"); PYTEST_WORKERS=0 runs in one process (a debugger, -x, -s)
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=

# Python 3.13: pyenv's 3.13.0 (pyenv on PATH, or the default ~/.pyenv), else python3.13 on PATH.
PYENV_ROOT_DIR := $(shell pyenv root 2>/dev/null)
PYTHON313 ?= $(firstword \
	$(wildcard $(PYENV_ROOT_DIR)/versions/3.13.0/bin/python3) \
	$(wildcard $(HOME)/.pyenv/versions/3.13.0/bin/python3) \
	$(shell command -v python3.13 2>/dev/null))

SAM := $(TOOLS)/bin/sam
# SAM: no telemetry prompt/banner; a region for validate (no credentials needed)
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1
# Tests never talk to AWS: a fixed region and dummy credentials, no profile or config files.
# (tests/conftest.py sets the same, so a bare `pytest` is safe too.)
TEST_ENV := env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	AWS_SECURITY_TOKEN=testing AWS_SESSION_TOKEN=testing \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# The layer, the sandbox and the CLI are import roots (pytest gets the same from pyproject.toml).
SRC_PATH := PYTHONPATH=$(CURDIR)/layers/mailauth:$(CURDIR)/sandbox:$(CURDIR)/cli:$(CURDIR)

VENV_STAMP := $(VENV)/.installed
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: help venv tools lint lint-template build test test-banner demo bench bench-fleet faults e2e-aws lock clean distclean

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

venv: $(VENV_STAMP)
tools: $(TOOLS_STAMP)

# $(1) = venv dir. Creates it with Python 3.13 unless it exists with 3.13 already.
define make_venv
	@if [ -z "$(PYTHON313)" ]; then \
		echo "error: Python 3.13 not found. Install it with 'pyenv install 3.13.0' or put python3.13 on PATH" \
		     "(or run: make PYTHON313=/path/to/python3.13 ...)." >&2; \
		exit 1; \
	fi
	@if ! $(1)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then \
		echo "creating $(1) with $(PYTHON313)"; \
		rm -rf $(1); \
		$(PYTHON313) -m venv $(1); \
	fi
endef

$(VENV_STAMP): requirements/dev.txt requirements/dev.lock
	$(call make_venv,$(VENV))
	$(VENV)/bin/python -m pip install --disable-pip-version-check -q -r requirements/dev.txt -c requirements/dev.lock
	@touch $@

$(TOOLS_STAMP): requirements/tools.txt requirements/tools.lock
	$(call make_venv,$(TOOLS))
	$(TOOLS)/bin/python -m pip install --disable-pip-version-check -q -r requirements/tools.txt -c requirements/tools.lock
	@touch $@

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

lint-template: venv tools
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/python scripts/asl_check.py statemachine/*.asl.json --template template.yaml --notify-state Notify
	$(SAM_ENV) $(SAM) validate --config-env translate
	$(SAM_ENV) $(SAM) validate --lint

# sam build needs a python3.13 binary on PATH (the runtime check); the venv's bin/ provides it.
# Then byte-compile what was built (CPython 3.13, as the runtime): sam build ships sources only, and a cold start
# would compile the layer's botocore, pydantic and Powertools on every new container (+0.6 s measured by
# `make bench`). unchecked-hash: the .pyc are used without comparing source mtimes, which a zip does not keep.
build: venv tools
	PATH="$(abspath $(VENV))/bin:$$PATH" $(SAM_ENV) $(SAM) build
	$(VENV)/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build >/dev/null

test: test-banner venv tools lint lint-template build
	$(TEST_ENV) $(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-banner:
	@echo "make test: lint, template checks, sam build, then about 1,510 tests on every core."
	@echo "  About 15 minutes on 2 cores (plus a few minutes the first time, to install .venv and .tools)."
	@echo "  pytest prints a dot per test and the percentage done at the end of each line."

# The sandbox judges every call by the IAM roles SAM generates: it runs SAM's translator from the tools venv.
demo: venv tools
	@$(TEST_ENV) $(SRC_PATH) $(VENV)/bin/python -m mailauth_sandbox.demo $(if $(DOMAIN),--domain $(DOMAIN))

bench: venv tools build
	@$(TEST_ENV) $(SRC_PATH) $(VENV)/bin/python scripts/bench.py

bench-fleet: venv tools
	@$(TEST_ENV) $(SRC_PATH) $(VENV)/bin/python scripts/bench_fleet.py

faults: venv tools build
	@$(TEST_ENV) $(SRC_PATH) $(VENV)/bin/python scripts/fault_matrix.py

# With YOUR AWS environment, deliberately not $(TEST_ENV): deploys a stack, onboards and offboards a subdomain of
# the parent zone, deletes the stack (docs/operations.md). Without credentials or the zone it prints SKIPPED.
e2e-aws: venv tools build
	SAM_CLI_TELEMETRY=0 $(VENV)/bin/python scripts/e2e.py aws $(E2E_ARGS)

lock: venv tools
	{ echo "# Generated by \`make lock\` (pip freeze of .venv, Python 3.13). Used as constraints: -c requirements/dev.lock"; \
	  $(VENV)/bin/python -m pip freeze --disable-pip-version-check | sort -f; } > requirements/dev.lock
	{ echo "# Generated by \`make lock\` (pip freeze of .tools, Python 3.13). Used as constraints: -c requirements/tools.lock"; \
	  $(TOOLS)/bin/python -m pip freeze --disable-pip-version-check | sort -f; } > requirements/tools.lock
	@touch $(VENV_STAMP) $(TOOLS_STAMP)

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .bench .e2e build cli/*.egg-info
	find . -path ./$(VENV) -prune -o -path ./$(TOOLS) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(TOOLS)
