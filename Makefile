# Two commands for a newcomer: `make run` (the portal with embedded defaults and demo data) and
# `make test` (everything CI runs). Both install what they need by themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

# The demo points the diagnostics at the lab (local stand-ins for Exchange Online, Entra ID and DNS).
DEMO_ENV := PORTAL_DNS_NAMESERVERS=127.0.0.1:5353 \
	PORTAL_EXTRA_CA_BUNDLE=$(CURDIR)/.data/lab/lab-ca.pem \
	PORTAL_ALLOW_LOOPBACK_TARGETS=1 \
	PORTAL_DNSBL_ZONES=zen.dnsbl.lab.test,bl.dnsbl.lab.test,b.dnsbl.lab.test

.PHONY: run test lint system-deps clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py lab --prepare
	$(DEMO_ENV) $(PY) manage.py load_demo --history 7 --sweep
	@mkdir -p staticfiles
	@# The services, side by side; the admin password comes last, in a box (manage.py welcome). One Ctrl-C
	@# stops them all with exit status 0 (portal/services.py takes the terminal's foreground from make).
	$(DEMO_ENV) $(PY) -m portal.services Procfile

system-deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	test -x /usr/sbin/postfix || missing="$$missing postfix"; \
	command -v swaks >/dev/null || missing="$$missing swaks"; \
	for pkg in libsasl2-modules libnet-ssleay-perl libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do \
		dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(VENV)/.dev system-deps
	$(VENV)/bin/lint-imports  # one-way imports (pyproject.toml): a wrong arrow fails before any test runs
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf .data staticfiles
