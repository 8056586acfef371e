# Uitkijk — `make run` brings the whole system up on a fresh machine, `make test` runs every test.
PY := .venv/bin/python
PIP := .venv/bin/pip
export FLASK_APP := app

.PHONY: run test imports bench venv system-deps services lab-deps asterisk-lab prompts translations clean

venv: .venv/.installed
.venv/.installed: requirements.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

system-deps:
	bash scripts/system_deps.sh

services:
	bash scripts/services.sh --postgres

# The real Asterisk root (Debian sid, cached outside the repo), Prism with Twilio's OpenAPI description,
# and axe-core for the browser tests' accessibility checks.
lab-deps: system-deps
	bash scripts/asterisk_root.sh
	bash scripts/prism.sh install
	bash scripts/axe_core.sh install

run: venv system-deps
	bash scripts/run.sh

# The layers and forbidden imports of .importlinter: a back door fails the build before any test runs.
imports: venv
	.venv/bin/lint-imports --no-logo

test: venv system-deps services lab-deps imports
	$(PY) -m pytest tests

bench: venv system-deps services lab-deps
	$(PY) -m benchmarks

asterisk-lab: venv system-deps
	bash scripts/asterisk_root.sh
	$(PY) -m lab

# The web's messages into translations/*.po (new ones untranslated): then translate them there.
translations: venv
	$(PY) scripts/translations.py

prompts: venv
	$(PY) -m tts_prompts render

clean:
	rm -rf .venv instance test-artifacts
