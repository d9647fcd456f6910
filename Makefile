# The two commands a newcomer needs: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 8000
BIN    := $(VENV)/bin
# One worker without Redis: the in-process cache (and the rate-limit fallback) is per process.
WEB_CONCURRENCY ?= $(if $(REDIS_URL),3,1)
# Hashes for every platform's wheels, so the lock also installs in the Docker image.
# `make lock UPGRADE=` keeps today's pins and only resolves what pyproject.toml added.
UPGRADE ?= --upgrade
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes $(UPGRADE) --quiet \
	--custom-compile-command "make lock"
# Python threads per worker (granian's WSGI pool); see config/serve.py and bench/SERVER.md.
SERVER_THREADS ?= 64

.PHONY: install run dev test lint lock migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exact, hash-checked versions from the lock; the project itself adds no dependencies of its own.
$(VENV)/.installed: requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

install: $(VENV)/.installed

.secret_key:
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: install .secret_key
	@$(BIN)/python manage.py migrate --noinput -v 0 && \
	$(BIN)/python manage.py collectstatic --noinput -v 0 && \
	$(BIN)/python manage.py demo --port $(PORT) && \
	exec env PORT=$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY) SERVER_THREADS=$(SERVER_THREADS) \
	  $(BIN)/python -m config.serve

# Django's autoreloading development server (DEBUG on unless DJANGO_DEBUG says otherwise).
dev: install .secret_key
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-true} && \
	$(BIN)/python manage.py migrate --noinput -v 0 && \
	$(BIN)/python manage.py demo --port $(PORT) && \
	exec $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-resolve both lock files to the newest versions pyproject.toml allows (runtime first, so
# the dev lock pins the same runtime versions).
lock: install
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --extra dev -c requirements.txt \
	  -o requirements-dev.txt

# The service against a stock DRF baseline under wrk, on PostgreSQL + Redis with 1M customers
# (bench/run.py documents it; results in bench/out/, history in bench/RESULTS.md).
# BENCH_QUICK=1 for a short run, BENCH_RESEED=1 to rebuild the data, BENCH_SERVER to swap
# the server command (default: `run`'s granian command, one worker per core).
bench: install
	@bash bench/services.sh
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
