# The two commands a newcomer needs: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 8000
BIN    := $(VENV)/bin
# One worker without Redis: the in-process cache (and the rate-limit fallback) is per process.
WEB_CONCURRENCY ?= $(if $(REDIS_URL),3,1)
THREADS ?= 8

.PHONY: install run test lint migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

.secret_key:
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: install .secret_key
	@$(BIN)/python manage.py migrate --noinput -v 0 && \
	$(BIN)/python manage.py collectstatic --noinput -v 0 && \
	$(BIN)/python manage.py demo --port $(PORT) && \
	exec $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $(WEB_CONCURRENCY) \
	  --worker-class gthread --threads $(THREADS) --access-logfile - --timeout 30

test: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The service against a stock DRF baseline under wrk, on PostgreSQL + Redis with 1M customers
# (bench/run.py documents it; results in bench/out/, history in bench/RESULTS.md).
# BENCH_QUICK=1 for a short run, BENCH_RESEED=1 to rebuild the data, BENCH_SERVER to swap
# the server command (default: gunicorn gthread as in `run`, one worker per core).
bench: install
	@bash bench/services.sh
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
