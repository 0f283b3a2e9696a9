# 安标巡检 — `make run` to use it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Local runs serve plain http on loopback; production keeps cookies Secure (the default).
LOCAL := ANBIAO_SECURE_COOKIES=0

.PHONY: run serve setup test system-deps lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(BIN)/.test-installed: $(BIN)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/.installed
	$(LOCAL) $(BIN)/flask --app app setup --demo

run: setup
	$(LOCAL) $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

# Production start: migrate and load the library, never demo data; then gunicorn as gunicorn.conf.py says, each
# worker with a thread that refreshes the enterprise overview as period boundaries pass.
# With ANBIAO_S3_BUCKET set, gunicorn runs under Litestream, which copies every change of the database to the bucket
# for as long as the server runs; a machine with no database first takes the newest copy from the bucket, rather
# than start empty and replicate that over it. Litestream refuses to start while AWS_CA_BUNDLE is set.
GUNICORN := $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) app:app
serve: $(BIN)/.installed
ifeq ($(ANBIAO_S3_BUCKET),)
	$(BIN)/flask --app app setup
	ANBIAO_REFRESHER=1 $(GUNICORN)
else
	$(BIN)/flask --app app restore --if-missing
	$(BIN)/flask --app app setup
	$(BIN)/flask --app app replication-config
	env -u AWS_CA_BUNDLE ANBIAO_REFRESHER=1 $(BIN)/litestream replicate -config instance/litestream.yml -exec "$(GUNICORN)"
endif

# Debian's Chromium drives the browser tests; the CJK font renders the Chinese UI and the photo captions;
# LibreOffice Calc and poppler turn the exported lists into PDF and read them back, as a printer would; ffmpeg turns
# a label's QR into the video Chromium's fake camera plays to the 扫一扫 page.
SYSTEM_PACKAGES := chromium fonts-wqy-microhei libreoffice-calc poppler-utils zbar-tools ffmpeg
system-deps:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES); }

lint: $(BIN)/.test-installed
	$(BIN)/ruff check .

# Every core at once (pytest-xdist): each worker builds its own demo world and Chromium.
test: system-deps $(BIN)/.test-installed lint
	$(BIN)/pytest -q -n auto

# Benchmarks print ratios against a baseline run in the same process; not part of `make test`.
bench: system-deps $(BIN)/.test-installed
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	$(BIN)/python bench/photo_ingest.py
	$(BIN)/python bench/photo_store.py    # a real SeaweedFS on loopback
	$(BIN)/python bench/submit_card.py
	$(BIN)/python bench/load_leaders.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/outbox_replay.py
	@command -v npm >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	# Lighthouse, pinned in bench/package.json, installed under instance/ so no third-party code sits in the tree
	mkdir -p instance/lighthouse && cp bench/package.json bench/package-lock.json instance/lighthouse/
	npm install --prefix instance/lighthouse --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/lighthouse.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/pages.py 10000 14    # the county is generated into instance/ on first use (5 min)
	$(BIN)/python bench/pages.py 100000 3    # 17 min and 16 GB on first use
	$(BIN)/python bench/colour_plan.py 100000 3   # the grid plan and the colour roll-up on that county
	$(BIN)/python bench/dashboard.py 100000 3     # 监管看板 against the supervisor's home on that county
	$(BIN)/python bench/monthly_reports.py 100000 3   # 附件3/附件4 against one pass over that county

clean:
	rm -rf $(VENV) instance .pytest_cache
