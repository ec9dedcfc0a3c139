# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv with
# the pinned dependencies when it is missing or out of date, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench serve wheels ship package deploy lock mutants clean

# requirements-dev.txt is the dev lock: every package pinned, every file's sha256 listed, so
# pip refuses anything else. The Lambda's own lock is requirements.txt (see `lock` below).
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rollcall needs Python 3.11+ (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rollcall demo

serve: $(STAMP)
	$(BIN)/rollcall serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory package STAGE=dev
	$(MAKE) --no-print-directory package STAGE=prod
	$(MAKE) --no-print-directory mutants
	$(BIN)/pytest -n auto --dist loadgroup --cov --cov-report=term:skip-covered

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The Lambda's layer is built from requirements.txt, and from nothing else: `wheels` downloads
# every file it may take into build/wheels, pip checking each against the lock's sha256 (for
# this machine, which chalice resolves on first, and for the Lambda's arm64 Python 3.11), and
# chalice then runs with no index but build/wheels (CHALICE). tests/deploy/test_lock.py
# compares the built layer with those wheels and the lock. chalice keeps the layer it built in
# .chalice/deployments/managed-layer-<md5 of requirements.txt>-python3.11-arm64.zip, reused
# while requirements.txt is unchanged.
STAGE ?= dev
WHEELS := build/wheels
LAMBDA_PLATFORMS := $(foreach m,17 18 19 20 21 22 23 24 25 26,--platform manylinux_2_$(m)_aarch64) \
	--platform manylinux2014_aarch64
PIP_DOWNLOAD := $(BIN)/python -m pip download --quiet --disable-pip-version-check --require-hashes
CHALICE := PIP_NO_INDEX=1 PIP_FIND_LINKS=$(CURDIR)/$(WHEELS) $(BIN)/chalice

wheels: $(STAMP)
	$(PIP_DOWNLOAD) --dest $(WHEELS) -r requirements.txt
	$(PIP_DOWNLOAD) --only-binary=:all: $(LAMBDA_PLATFORMS) --implementation cp \
		--python-version 3.11 --abi cp311 --dest $(WHEELS) -r requirements.txt

# What ships (rollcall/ship.py): a copy of the project in build/ship whose chalicelib is
# bytecode only. Lambda's code directory is read-only, so without bytecode every cold start
# compiles chalicelib again (~20 ms); without the sources the zip is a third smaller.
SHIP := build/ship
ship: $(STAMP)
	$(BIN)/python -m rollcall.ship $(SHIP)

# The CloudFormation package of one stage (STAGE=dev by default) in build/package-<stage>:
# rollcall/infra.py's resources merged into chalice's SAM template, linted by cfn-lint. Needs
# a package index, a region, and no AWS account or credentials.
package: $(STAMP) wheels ship
	@mkdir -p build
	$(BIN)/rollcall infra template --stage $(STAGE) -o build/resources-$(STAGE).json
	rm -rf build/package-$(STAGE)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(CHALICE) --project-dir $(SHIP) package --stage $(STAGE) \
		--merge-template $(CURDIR)/build/resources-$(STAGE).json $(CURDIR)/build/package-$(STAGE)
	$(BIN)/cfn-lint build/package-$(STAGE)/sam.json
	@$(BIN)/python -c 'import pathlib, sys; zips = sorted(pathlib.Path(sys.argv[1]).glob("*.zip")); [print(f"{z.name}: {z.stat().st_size / 1e6:.2f} MB") for z in zips]; print(f"total: {sum(z.stat().st_size for z in zips) / 1e6:.2f} MB (budget 5 MB)")' build/package-$(STAGE)

# The `chalice deploy` path: operator.md's four runbook lines ("First deploy with `chalice
# deploy`"), exactly, in their order (tests/deploy/test_lock.py compares them), with the
# environment's AWS credentials and region: the stage's resources, the bytecode-only copy,
# the functions from it (with only the locked wheels, as in `package`), then bootstrap again
# for the worker's ReportBatchItemFailures and the webhook's HTTP API. Keep
# .chalice/deployed/<stage>.json afterwards (docs/shipping.md).
deploy: $(STAMP) wheels
	$(BIN)/rollcall infra bootstrap --stage $(STAGE)
	$(BIN)/python -m rollcall.ship
	$(CHALICE) --project-dir $(SHIP) deploy --stage $(STAGE)
	$(BIN)/rollcall infra bootstrap --stage $(STAGE)

# Break each guarantee on purpose (tests/mutants.py) and check a test goes red for every one.
mutants: $(STAMP)
	$(BIN)/python -m tests.mutants

bench: $(STAMP)
	$(BIN)/python -m bench

# Compile the locks from their inputs (docs/shipping.md): requirements.in -> requirements.txt
# (the Lambda: Python 3.11 on arm64) and requirements-dev.in -> requirements-dev.txt (any
# platform). Versions already locked are kept; `make lock UPGRADE=1` takes the newest allowed.
LOCK := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: $(STAMP)
	$(LOCK) --python-platform aarch64-manylinux2014 requirements.in -o requirements.txt
	$(LOCK) --universal --no-strip-extras requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .mypy_cache .coverage

# The operator's runbook (docs/operator.md, Deploying) run for real against moto's server
# in the test process: bootstrap, chalice deploy, bootstrap again, secrets, a community, a
# dry run, a redeploy; then every resource is read back through its own API. Needs the
# package index once (chalice's wheels, cached in build/deploy-check/). It also deploys
# `make package`'s template as a stack (the SAM transform by aws-sam-translator). `make test` runs it too;
# this runs it alone. See docs/deploy-check.md.
.PHONY: deploy-check
deploy-check: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/deploy/test_deploy_check.py
