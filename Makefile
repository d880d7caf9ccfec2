# The whole pipeline on DuckDB by default; WAREHOUSE=postgres switches every step to PostgreSQL.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
JAFFLE := $(BIN)/jaffle
# SCALE and SEED, when given, override [demo] scale and seed of .dlt/config.toml.
DEMO_OPTIONS = $(if $(SCALE),--scale $(SCALE)) $(if $(SEED),--seed $(SEED))
# A run with nothing new (the same raw data of completed loads, models, suites and settings) ends after
# extract-load and source freshness, publishing nothing; FORCE=1 runs every step anyway.
RUN_OPTIONS = $(if $(FORCE),--force)
API ?= local
TEST_WORKERS ?= 2
# Tests run on TEST_WORKERS processes; the fault suite keeps each engine on one (it restarts Postgres).
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.DEFAULT_GOAL := help
.PHONY: help setup generate logs spark-logs el check transform publish demo run docs docs-build dashboard airflow-up airflow-down pg-setup reset status recover test test-all test-fast test-faults bench lint format clean

help: ## show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# setup installs the core and EXTRAS (pyproject.toml's extras, each at the version of the one lock: how, in
# scripts/setup-venv.sh). A target that needs another extra depends on its mark, $(VENV)/.extra-NAME, which
# installs it on first use; the CLI does the same for WAREHOUSE=spark, and airflow-up for Airflow
# (settings/extras.py).
EXTRAS ?= dashboard
$(VENV)/.installed: requirements.lock pyproject.toml scripts/setup-venv.sh
	@scripts/setup-venv.sh $(EXTRAS)

$(VENV)/.extra-%: $(VENV)/.installed
	@scripts/setup-venv.sh $*
.PRECIOUS: $(VENV)/.extra-%

setup: $(VENV)/.installed $(EXTRAS:%=$(VENV)/.extra-%) ## create .venv from the lock file: the core and EXTRAS (default: dashboard; dev: everything)

generate: setup ## write the demo source system and landing files (SCALE, SEED)
	$(JAFFLE) generate $(DEMO_OPTIONS)

LOGS_GB ?= 0.1
logs: setup ## write the demo web and store event logs, gzipped JSON Lines per day (LOGS_GB=0.1, SEED)
	$(JAFFLE) logs --gigabytes $(LOGS_GB) $(if $(SEED),--seed $(SEED))

spark-logs: setup $(VENV)/.extra-spark ## the event-log trends on Spark, tables in data/logs/spark (docs/log_trends.md)
	$(BIN)/python -m spark_jobs.log_trends

el: setup ## extract-load every source into the raw schemas (API=local|config|<url>)
	$(JAFFLE) el --api $(API) $(DEMO_OPTIONS)

check: setup ## run the quality gates on raw and marts (exit 1 on failure)
	$(JAFFLE) check --stage raw && $(JAFFLE) check --stage marts

transform: setup ## dbt build: models, data tests and unit tests
	$(JAFFLE) transform

publish: setup ## gate the marts, then publish them atomically
	$(JAFFLE) publish

demo: setup ## everything, end to end: generate, el, raw gate, dbt build, marts gate, publish
	$(JAFFLE) demo --api $(API) $(DEMO_OPTIONS) $(RUN_OPTIONS)

run: setup ## the whole pipeline on the configured sources (steps declared in warehouse/pipeline.py)
	$(JAFFLE) run $(RUN_OPTIONS)

dashboard: setup $(VENV)/.extra-dashboard ## serve the pipeline and business dashboard on http://127.0.0.1:8050 (PORT=...)
	$(BIN)/python -m dashboard --port $${PORT:-8050}

airflow-up: setup ## start a local Airflow (API server on http://127.0.0.1:8081, scheduler, DAG processor; PORT=...); installs the airflow extra on first use
	PYTHONPATH=$(CURDIR) $(BIN)/python -m orchestration.local_airflow up

airflow-down: ## stop the local Airflow started by airflow-up (by PID)
	PYTHONPATH=$(CURDIR) $(BIN)/python -m orchestration.local_airflow down

pg-setup: setup ## Postgres: create the database and the loader, transformer and reader roles (idempotent)
	WAREHOUSE=postgres $(JAFFLE) pg-setup

docs-build: setup ## build the dbt docs (also as one self-contained page, static_index.html)
	$(JAFFLE) docs

docs: setup ## build the dbt docs and serve them on http://127.0.0.1:8080 (PORT=...)
	$(JAFFLE) docs --serve --port $${PORT:-8080}

# make test runs the fast tier in full, a seeded sample of the slow tier (SLOW_SAMPLE: one test of every slow
# folder at least, the others with that probability; tests/tiers.py) and of the faults (FAULT_SAMPLE: every step
# and kind of extract-load fault, random injection points; STEP_FAULT_SAMPLE faults of the later steps on
# one engine, as each engine's reference runs cost minutes). The seeds are printed in pytest's headers;
# JAFFLE_SLOW_SEED=N and JAFFLE_FAULT_SEED=N repeat a sample. make test-all runs every test.
SLOW_SAMPLE ?= 0.25
FAULT_SAMPLE ?= 38
STEP_FAULT_SAMPLE ?= 1
test: setup $(VENV)/.extra-dev ## the fast tier, and seeded samples of the slow tier and the faults (Postgres tests skip when no server is reachable, fail in CI)
	@status=0; JAFFLE_SLOW_SAMPLE=$(SLOW_SAMPLE) JAFFLE_SLOW_SEED=$${JAFFLE_SLOW_SEED:-$$RANDOM} \
		$(PYTEST) --dist worksteal -m "not faults" --durations=25 || status=$$?; \
	JAFFLE_FAULT_SAMPLE=$(FAULT_SAMPLE) JAFFLE_STEP_FAULT_SAMPLE=$(STEP_FAULT_SAMPLE) \
		JAFFLE_FAULT_SEED=$${JAFFLE_FAULT_SEED:-$$RANDOM} \
		$(PYTEST) --dist loadgroup -m faults tests/faults || status=$$?; exit $$status

test-all: setup $(VENV)/.extra-dev ## every test and every fault, no samples
	@status=0; $(PYTEST) -m "not faults" || status=$$?; $(PYTEST) --dist loadgroup -m faults tests/faults || status=$$?; exit $$status

test-fast: setup $(VENV)/.extra-dev ## the tests without the slow end-to-end suites
	$(PYTEST) -m "not slow"

test-faults: setup $(VENV)/.extra-dev ## the fault-injection suite alone (part of make test), with its figures at the end
	$(PYTEST) --dist loadgroup -m faults tests/faults

BENCH_ITEMS ?= 1000000 10000000
BENCH_PIPELINE_SCALE ?= 110
BENCH_LOGS_GB ?= 1
bench: setup $(VENV)/.extra-bench ## benchmark every stage on DuckDB and Postgres against native ingest, the whole pipeline at ~10M items on DuckDB, Spark on logs (BENCH_ITEMS, BENCH_PIPELINE_SCALE, BENCH_LOGS_GB); not a test
	nice -n 5 $(BIN)/python -m benchmarks --items $(BENCH_ITEMS) --duckdb-pipeline-scale $(BENCH_PIPELINE_SCALE) --log-gigabytes $(BENCH_LOGS_GB)

.PHONY: dbt-sources
dbt-sources: setup ## rewrite dbt's sources YAML from dlt's stored schemas (`jaffle dbt-sources` only checks)
	$(JAFFLE) dbt-sources --write

# dbt-score (dev extra) rates the models, sources, snapshots and macros of the parsed manifest: descriptions,
# owners, example queries, key tests. It reads no warehouse; the manifest goes to a target folder of its own.
DBT_SCORE_MIN ?= 9.5
.PHONY: dbt-score
dbt-score: setup $(VENV)/.extra-dev ## dbt-score on the dbt project; fails when the project scores under DBT_SCORE_MIN (9.5)
	WAREHOUSE=duckdb $(JAFFLE) dbt -- parse --quiet \
		--target-path target/dbt_score && $(BIN)/dbt-score lint --manifest dbt_project/target/dbt_score/manifest.json \
		--fail-project-under $(DBT_SCORE_MIN)

lint: setup $(VENV)/.extra-dev ## ruff and the packages' layers (import-linter) on Python; sqlfluff, the conventions and dbt-score on dbt
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports && $(BIN)/sqlfluff lint dbt_project/models dbt_project/macros dbt_project/tests \
		&& $(BIN)/python -m pytest -q tests/dbt/test_project_conventions.py && $(MAKE) --no-print-directory dbt-score

format: setup $(VENV)/.extra-dev ## format Python and fix SQL style
	$(BIN)/ruff format . && $(BIN)/ruff check --fix . && $(BIN)/sqlfluff fix dbt_project/models

status: setup ## who holds the warehouse, pending load packages of a crashed run, orphan rows, the last run
	$(JAFFLE) status

recover: setup ## finish or abort what a crashed run left pending (every run also does this first)
	$(JAFFLE) recover

reset: setup ## drop everything the pipeline wrote to the configured warehouse (WAREHOUSE=...)
	$(JAFFLE) reset

clean: ## remove generated data, dbt artifacts and caches (keeps .venv)
	rm -rf data dbt_project/target dbt_project/logs logs .pytest_cache .ruff_cache reports
