# CertPortal development tasks. `make run` starts the portal with demo data and
# `make test` runs the test suite; both create the virtual environment first.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# Records the requirements installed last, so `pip install` reruns only after
# requirements.txt or requirements-dev.txt changed.
INSTALLED := $(VENV)/.requirements-installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint worker beat bench

help:
	@echo "make run     install, migrate, load demo data, serve on 127.0.0.1:$(PORT)"
	@echo "make test    install, then run the tests (PYTEST_ARGS=... to pass options)"
	@echo "make lint    ruff format --check, ruff check, makemigrations --check"
	@echo "make worker  a Celery worker (needs CELERY_BROKER_URL)"
	@echo "make beat    Celery beat, the scheduler of periodic jobs"
	@echo "make bench   the benchmarks in bench/, if there are any"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "error: $(PYTHON) not found. CertPortal needs Python 3.11: install it" \
		     "(Debian 12: apt-get install python3.11 python3.11-venv) or pass" \
		     "PYTHON=/path/to/python3.11." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null || { \
		echo "error: $(PYTHON) is not Python 3.11. Pass PYTHON=/path/to/python3.11." >&2; \
		exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
		echo "error: '$(PYTHON) -m venv' failed. On Debian and Ubuntu install" \
		     "python3.11-venv, then delete $(VENV) and run make again." >&2; exit 1; }

$(INSTALLED): requirements.txt requirements-dev.txt | $(BIN)/python
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null || { \
		echo "error: $(VENV) was made with another Python than 3.11." \
		     "Delete $(VENV) and run make again." >&2; exit 1; }
	@echo "Installing requirements-dev.txt into $(VENV)"
	$(BIN)/python -m pip install --disable-pip-version-check --quiet \
		-r requirements-dev.txt
	@touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(INSTALLED)
	$(BIN)/pytest $(PYTEST_ARGS)

# Every check runs even after one fails, so a single run lists all the problems.
lint: $(INSTALLED)
	@status=0; \
	echo "ruff format --check ."; $(BIN)/ruff format --check . || status=1; \
	echo "ruff check ."; $(BIN)/ruff check . || status=1; \
	echo "makemigrations --check"; \
	$(BIN)/python manage.py makemigrations --check --dry-run || status=1; \
	exit $$status

# Stops `make worker` and `make beat` when CELERY_BROKER_URL (from the environment
# or .env) is unset, because then tasks run in-process and nothing reads the queue.
define require_broker
	@$(BIN)/python -c 'import django, os; \
		os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certportal.settings"); \
		django.setup(); from django.conf import settings; \
		raise SystemExit(settings.CELERY_TASK_ALWAYS_EAGER)' || { \
		echo "error: CELERY_BROKER_URL is not set, so tasks run in-process and" \
		     "Celery has no broker. Set it, for example" \
		     "CELERY_BROKER_URL=redis://127.0.0.1:6379/0." >&2; exit 1; }
endef

worker: $(INSTALLED)
	$(require_broker)
	$(BIN)/celery -A certportal worker --loglevel=INFO

beat: $(INSTALLED)
	$(require_broker)
	@mkdir -p var
	$(BIN)/celery -A certportal beat --loglevel=INFO \
		--schedule var/celerybeat-schedule

# The benchmarks' entry point is bench/__main__.py (`python -m bench`) or bench/run.py.
# bench/run.py uses a PostgreSQL database of its own, seeded on first use.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/certportal_bench
bench: $(INSTALLED)
	@if [ -f bench/__main__.py ]; then \
		$(BIN)/python -m bench; \
	elif [ -f bench/run.py ]; then \
		DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py \
			--seed --output docs/benchmarks.md; \
	else \
		echo "No benchmarks to run: bench/ has no __main__.py or run.py."; \
	fi

