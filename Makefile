# csc: `make run` serves the demo club, `make test` runs the suite. Nothing else is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint bench seed migrate fmt clean totp backup restore

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "csc needs Python 3.11 or newer as $(PYTHON)"; exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

var:
	@mkdir -p var

migrate: $(STAMP) var
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

run: seed
	@echo "Serving the demo club at http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(MANAGE) runserver 127.0.0.1:8000

totp: $(STAMP)
	@$(MANAGE) demo_totp

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=csc.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The database, the uploads and the checkpoints' public keys, in one folder (TO=..., default
# var/backups/<time>); `make restore FROM=<folder>` puts it back and runs audit_verify.
backup: $(STAMP)
	$(MANAGE) backup $(if $(TO),--to $(TO))

restore: $(STAMP)
	@test -n "$(FROM)" || (echo "usage: make restore FROM=<backup folder>"; exit 2)
	$(MANAGE) restore --from $(FROM)

bench: $(STAMP)
	$(BIN)/python -m csc.bench

clean:
	rm -rf $(VENV) var staticfiles
