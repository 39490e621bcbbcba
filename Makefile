# armsbridge: `make demo` runs the product on demo data, `make test` runs the whole suite.
PY ?= python3
DEMO_ARGS ?=  # e.g. make demo DEMO_ARGS=--fresh (rebuild the stores), --node XK (one node)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast bench lint migration clean

$(STAMP): pyproject.toml $(wildcard package.json) $(wildcard package-lock.json)
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	if [ -f package.json ]; then npm ci --no-audit --no-fund --silent && $(BIN)/python -m armsbridge.web.vendor; fi
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install everything the product and its tests need

demo: setup  ## two nodes, XK on :8001 and MK on :8002, each its own half of the demo world
	$(BIN)/armsbridge demo $(DEMO_ARGS)

test: setup  ## run the whole test suite (PostgreSQL too when a server is reachable)
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25

test-fast: setup  ## the suite without browser and slow tests
	$(BIN)/pytest -n 2 -m "not browser and not slow"

bench: setup  ## run every benchmark; figures go to bench/results/
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

migration: setup  ## write the next revision from the models: make migration MSG="what changed"
	@test -n "$(MSG)" || { echo 'say what changed: make migration MSG="border passages"'; exit 2; }
	rm -f var/.migration.db*
	$(BIN)/python -c "import sys; from armsbridge.db.service import new_revision as n; print(n('sqlite:///var/.migration.db', sys.argv[1]))" "$(MSG)"
	rm -f var/.migration.db*

clean:
	rm -rf $(VENV) var node_modules src/armsbridge/web/static/vendor
