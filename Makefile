# Lienzo: `make run` serves the app; `make test` runs the whole suite.
# Both start from a fresh machine with Python 3.11+ and Node.js.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

VENDOR := static/vendor/socket.io.esm.min.js static/vendor/sortable.esm.js build/min/manifest.json

.PHONY: run test install install-dev vendor db lint translations clean screenshots

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Lienzo needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/vendor/socket.io.esm.min.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js $@

# SortableJS ships no minified ES module: terser (a devDependency) makes one, keeping the
# licence comment (120 KB -> 46 KB). The name stays, since our modules import it by it.
static/vendor/sortable.esm.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	node_modules/.bin/terser node_modules/sortablejs/modular/sortable.esm.js --module --compress --mangle --comments some -o $@

install: $(VENV)/.installed vendor
install-dev: $(VENV)/.installed-dev vendor
vendor: $(VENDOR)

db: $(VENV)/.installed
	$(BIN)/flask --app facilitator db upgrade

# Our own modules, minified by terser into build/min/ (facilitator/assets.py sends them instead of
# the commented sources while the manifest says they match): 95 KB -> 59 KB compressed.
build/min/manifest.json: $(wildcard static/js/*.js) tools/minify.mjs node_modules/.package-lock.json
	node tools/minify.mjs static/js build/min

run: install db
	$(BIN)/python wsgi.py

# pytest-xdist: one worker per core; each test file stays on one worker, so a module's server
# and the worker's Chromium are started once. `make test XDIST=` runs in one process.
XDIST ?= -n auto --dist loadfile

test: install-dev
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# Every page of a real-size workshop (60 people online, 150 notes) at 1920x1080, 1280x800,
# 1280x720 and 375x812, rendered by Chromium into docs/screenshots/ (see tests/screenshots.py).
screenshots: install-dev
	$(BIN)/python -m tests.screenshots

# ruff, and the import contracts of setup.cfg ([importlinter]: the layers of DESIGN.md).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Re-extract the translatable texts and update the catalogs (then translate and commit).
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output \
		--project Lienzo -o facilitator/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i facilitator/translations/messages.pot -d facilitator/translations
	$(BIN)/pybabel compile -d facilitator/translations

clean:
	rm -rf $(VENV) node_modules static/vendor build *.egg-info
