# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv with
# the pinned dependencies when it is missing or out of date, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench serve package lock clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rollcall needs Python 3.11+ (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rollcall demo

serve: $(STAMP)
	$(BIN)/rollcall serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory package STAGE=dev
	$(MAKE) --no-print-directory package STAGE=prod
	$(BIN)/pytest --cov --cov-report=term:skip-covered

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The CloudFormation package of one stage (STAGE=dev by default) in build/package-<stage>:
# rollcall/infra.py's resources merged into chalice's SAM template, linted by cfn-lint. Needs
# a package index (chalice fetches the Lambda's wheels, cached in .chalice/deployments), a
# region, and no AWS account or credentials.
STAGE ?= dev
package: $(STAMP)
	@mkdir -p build
	$(BIN)/rollcall infra template --stage $(STAGE) -o build/resources-$(STAGE).json
	rm -rf build/package-$(STAGE)
	# Ship bytecode: Lambda's code directory is read-only, so without it every cold start
	# compiles chalicelib again (~20 ms). checked-hash: still invalidated by a source edit.
	$(BIN)/python -m compileall -q --invalidation-mode checked-hash chalicelib
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package \
		--stage $(STAGE) --merge-template build/resources-$(STAGE).json build/package-$(STAGE)
	$(BIN)/cfn-lint build/package-$(STAGE)/sam.json
	@$(BIN)/python -c 'import pathlib, sys; zips = sorted(pathlib.Path(sys.argv[1]).glob("*.zip")); [print(f"{z.name}: {z.stat().st_size / 1e6:.2f} MB") for z in zips]; print(f"total: {sum(z.stat().st_size for z in zips) / 1e6:.2f} MB (budget 5 MB)")' build/package-$(STAGE)

bench: $(STAMP)
	$(BIN)/python -m bench

# Re-lock transitive versions after changing requirements*.txt.
lock:
	rm -rf /tmp/rollcall-lock && $(PYTHON) -m venv /tmp/rollcall-lock
	/tmp/rollcall-lock/bin/pip install --quiet -r requirements-dev.txt
	/tmp/rollcall-lock/bin/pip freeze --exclude-editable | grep -v '^rollcall' > constraints.txt

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .coverage

# The operator's runbook (docs/operator.md, Deploying) run for real against moto's server
# in the test process: bootstrap, chalice deploy, bootstrap again, secrets, a community, a
# dry run, a redeploy; then every resource is read back through its own API. Needs the
# package index once (chalice's wheels, cached in build/deploy-check/). With aws-sam-translator
# installed it also deploys `make package`'s template as a stack. `make test` runs it too;
# this runs it alone. See docs/deploy-check.md.
.PHONY: deploy-check
deploy-check: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/deploy/test_deploy_check.py
