# eOffice — the two commands: `make run` and `make test` (see README.md).
SHELL := /bin/sh
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := run.py
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test test-sqlite test-postgresql venv translations i18n-extract bench \
        migrate-check lint clean system-deps test-deps clamd slapd bench-files bench-signatures \
        fuzz

help: ## Show this help
	@echo "eOffice — Hệ thống quản lý văn bản và điều hành"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

run: venv translations clamd ## Install, migrate, load demo data and serve on http://127.0.0.1:5000 (SQLite)
	$(BIN)/flask db upgrade
	$(BIN)/flask eoffice demo
	@echo
	@echo "eOffice is running at http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@echo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: test-deps venv translations lint ## Install and start every service the tests use, then run the whole suite on SQLite and PostgreSQL
	$(BIN)/pytest --db=sqlite
	$(BIN)/pytest --db=postgresql

test-sqlite: venv translations ## Run the suite on SQLite only
	$(BIN)/pytest --db=sqlite

test-postgresql: venv translations ## Run the suite on PostgreSQL only
	scripts/ensure-postgres
	$(BIN)/pytest --db=postgresql

# `make test` fuzzes with 10 examples per operation and user; this digs deeper.
EOFFICE_FUZZ_EXAMPLES ?= 100
fuzz: venv translations clamd ## Fuzz the REST API alone, deeper (EOFFICE_FUZZ_EXAMPLES=100, EOFFICE_FUZZ_SEED), on SQLite and PostgreSQL
	scripts/ensure-postgres
	EOFFICE_FUZZ_EXAMPLES=$(EOFFICE_FUZZ_EXAMPLES) $(BIN)/pytest tests/test_api_fuzz.py --db=sqlite
	EOFFICE_FUZZ_EXAMPLES=$(EOFFICE_FUZZ_EXAMPLES) $(BIN)/pytest tests/test_api_fuzz.py --db=postgresql

system-deps: ## Debian packages the app needs (python3-venv; OpenLDAP headers to build python-ldap)
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || scripts/apt-ensure python3-venv
	scripts/apt-ensure libldap2-dev libsasl2-dev

test-deps: system-deps clamd ## Debian packages and services the tests need (Chromium, PostgreSQL, Redis, ClamAV, SoftHSM2, OpenLDAP)
	scripts/apt-ensure chromium fonts-dejavu-core softhsm2 opensc slapd ldap-utils
	scripts/ensure-postgres
	scripts/ensure-redis
	scripts/slapd-local start

# QĐ 778 Đ13.2: uploads are scanned before they are stored, so `run` and the tests need a
# clamd. This one runs as the caller on its own socket with test signatures (no freshclam);
# Debian's clamav-daemon service, if it starts at all, uses /run/clamav and does not clash.
clamd: ## Install ClamAV and start the local clamd that scans uploads (/tmp/eoffice-clamd/clamd.sock)
	scripts/apt-ensure clamav-daemon
	scripts/clamd-local start

# QĐ 778 Đ8.2a, Đ16: accounts follow the official mail directory. The tests log in against
# this throw-away slapd (runs as the caller on ldap://127.0.0.1:3389, data in
# /tmp/eoffice-slapd, test accounts in ou=people,dc=quangngai,dc=gov,dc=vn).
slapd: ## Install OpenLDAP and start the local test mail directory (ldap://127.0.0.1:3389)
	scripts/apt-ensure slapd ldap-utils
	scripts/slapd-local start

venv: system-deps $(STAMP)/venv ## Create .venv with the pinned Python packages

$(STAMP)/venv: requirements.txt requirements-dev.txt constraints.txt
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt -c constraints.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import flask_appbuilder, flask_migrate, psycopg, playwright, pytest, apscheduler, reportlab, openpyxl, aiosmtpd, pypdf, pyhanko, pyclamd, pkcs11, ldap, redis, schemathesis"
	@touch $@

translations: venv ## Compile the Babel catalogues (app/translations/*/LC_MESSAGES/*.mo)
	$(BIN)/pybabel compile -d app/translations >/dev/null

i18n-extract: venv ## Re-extract strings (app, Flask-AppBuilder, WTForms) into the catalogues
	$(BIN)/python scripts/i18n_extract.py

bench: venv translations ## Generate 1,000,000 documents and print the benchmark figures (SQLite; see bench/README.md)
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/run.py

bench-files: venv translations clamd ## Time scan + hash + store of 1, 20 and 100 MB uploads against the clamd scan alone
	$(BIN)/python bench/files_bench.py

bench-signatures: venv translations ## Sign (leader, number, agency) and verify times per document, PKCS#12 and SoftHSM2
	scripts/apt-ensure softhsm2 opensc
	$(BIN)/python bench/signatures_bench.py

lint: venv ## ruff
	$(BIN)/ruff check app tests scripts bench config.py run.py

clean: ## Remove the virtualenv, caches and the local SQLite database
	rm -rf $(VENV) $(STAMP) instance .pytest_cache tests/artifacts
