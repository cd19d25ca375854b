# civicloop — top-level commands (README): make run, make test.
# CMake + Ninja do the building; this file installs what is missing and
# strings the steps together.

BUILD      ?= build
ASAN_BUILD ?= build-asan
PORT       ?= $(or $(CIVICLOOP_PORT),8080)
DEMO_DB    ?= var/demo.db

.PHONY: all build bootstrap run test unit apitest apitest-pg checksrc asan asantest bench clean demo web webtest e2e

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/build.ninja: | bootstrap
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: bootstrap $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@mkdir -p $(dir $(DEMO_DB))
	@if [ ! -f $(DEMO_DB) ]; then $(BUILD)/civicloop demo --db $(DEMO_DB); fi

run: demo web
	$(BUILD)/civicloop serve --db $(DEMO_DB) --port $(PORT)

checksrc:
	@scripts/checksrc

unit: build
	ctest --test-dir $(BUILD) --output-on-failure

# The API suite, every server logging the statuses it answered; then each
# status the OpenAPI description documents must have been seen, and each
# one seen documented (tests/openapi/coverage.mjs, docs/api.md "OpenAPI").
# NODE_TEST: TAP as it goes, then the failed tests listed once more at the
# end (tests/failures-reporter.mjs), where a CI log's last lines show them.
NODE_TEST = node --test --test-reporter=tap --test-reporter-destination=stdout \
	--test-reporter=./tests/failures-reporter.mjs --test-reporter-destination=stderr
apitest: build web/node_modules/.package-lock.json
	rm -rf $(BUILD)/status && mkdir -p $(BUILD)/status
	CIVICLOOP_STATUS_DIR=$(abspath $(BUILD)/status) CIVICLOOP_BIN=$(abspath $(BUILD)/civicloop) \
		$(NODE_TEST) --test-concurrency=2 tests/api/
	CIVICLOOP_BIN=$(abspath $(BUILD)/civicloop) node tests/openapi/coverage.mjs $(BUILD)/status

# The API suite again on PostgreSQL (docs/postgresql.md "Tests"): a private
# cluster for the run (scripts/with-pg), a fresh database per server. The
# files of PG_SQLITE_ONLY test what only the SQLite backend has (its file
# backup, gen's bulk load, a full disk under the database file) and run on
# SQLite alone.
PG_SQLITE_ONLY := $(shell cat tests/api/sqlite-only.txt 2>/dev/null | sed 's/\#.*//')
PG_API_TESTS = $(filter-out $(addprefix tests/api/,$(PG_SQLITE_ONLY)),$(wildcard tests/api/*.test.mjs))
apitest-pg: build web/node_modules/.package-lock.json
	CIVICLOOP_TEST_BACKEND=postgres CIVICLOOP_BIN=$(abspath $(BUILD)/civicloop) \
		scripts/with-pg $(NODE_TEST) --test-concurrency=2 $(PG_API_TESTS)

$(ASAN_BUILD)/build.ninja: | bootstrap
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCIVICLOOP_SANITIZE=ON

asan: bootstrap $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

# The unit and API suites again under ASan + UBSan.
asantest: asan web/node_modules/.package-lock.json
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 ctest --test-dir $(ASAN_BUILD) --output-on-failure
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 CIVICLOOP_BIN=$(abspath $(ASAN_BUILD)/civicloop) \
		$(NODE_TEST) --test-concurrency=2 tests/api/

test: checksrc unit webtest apitest apitest-pg e2e asantest fuzzsmoke

# The web UI (web/, docs/ui.md): npm ci when the lock changed, the Vite build
# when any source changed. The server never needs Node at run time; without
# Node, `make web` says so and the server serves the API alone.
WEB_SRC := $(shell find web/src web/public web/scripts -type f 2>/dev/null) \
	web/index.html web/vite.config.js web/package.json web/package-lock.json

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: $(WEB_SRC) web/node_modules/.package-lock.json
	cd web && npm run build

web:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory web/dist/index.html; \
	else echo "make web: 没有 Node.js（npm），跳过界面构建；接口照常可用"; fi

# The UI's own logic (form building, error mapping, deadlines) under vitest.
webtest: web/node_modules/.package-lock.json
	cd web && npx vitest run

# End to end in Debian's Chromium against a real server (web/e2e/).
e2e: build web
	CIVICLOOP_BIN=$(abspath $(BUILD)/civicloop) $(NODE_TEST) --test-concurrency=1 web/e2e/

# libFuzzer targets of fuzz/ (docs/fuzzing.md), built with clang in their own tree.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 15
.PHONY: fuzz fuzzsmoke

$(FUZZ_BUILD)/build.ninja: | bootstrap
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIVICLOOP_FUZZ=ON

fuzz: bootstrap $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) fuzz_all

# Every kept crash replayed, then each target FUZZ_SECONDS over its corpus, two at a time.
fuzzsmoke: fuzz
	fuzz/smoke.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Creation, lists and exports (bench/run.sh; docs/bench.md); benchexport:
# the exports alone on a demo topped up through the API (bench/export.mjs).
# Neither is part of `make test`.
.PHONY: benchexport benchsearch benchdoc
# `make bench`: creations, lists, stats, the mixed day and the baselines on
# a generated 1 M-case database, the exports on it, and the signed documents
# (about 5 minutes on 2 cores). benchsearch has its own target.
bench: build
	bench/run.sh $(BUILD)
	$(MAKE) benchdoc

# The growth curve at 100 k, 1 M and 10 M cases (bench/curve.sh; over an
# hour, and about 80 GB of free disk at 10 M while gen runs: docs/gen.md
# "Disk at 10 M"): bench/results-<size>.json, bench/curve.md.
.PHONY: bench-10m
bench-10m: build
	BENCH_SIZES="100000 1000000 10000000" bench/curve.sh $(BUILD)

# Signed documents' codes verified per second offline (bench/doc_verify.c,
# docs/bench.md "Signed documents").
benchdoc: build
	$(BUILD)/doc_verify --seconds 3 --out bench/doc-verify-results.json

benchexport: build
	CIVICLOOP_BIN=$(abspath $(BUILD)/civicloop) node bench/export.mjs

# Events through the outbox: N cases with a webhook subscription, delivered/s
# end to end to a receiver on 127.0.0.1, and again with every other answer a
# 500 (bench/outbox.mjs, docs/notifications.md "Figures", docs/bench.md).
.PHONY: benchoutbox
benchoutbox: build
	CIVICLOOP_BIN=$(abspath $(BUILD)/civicloop) node bench/outbox.mjs

# PostgreSQL beside SQLite: creations/s at 64 clients with one, two and three
# servers on one database, and the writers' turns (bench/pg.mjs,
# docs/postgresql.md "Figures"): bench/pg-results.json.
.PHONY: benchpg
benchpg: build
	WITH_PG_DURABLE=1 scripts/with-pg node bench/pg.mjs $(BUILD)

# Lists at 1 M on PostgreSQL beside SQLite: a gen county (kept in
# BENCH_PG_LIST_DB) copied into PostgreSQL (bench/pg-copy.sh), each list
# shape at 1 and 16 clients on both (about 25 minutes the first time):
# bench/pg-lists-results.json. BENCH_PG_BASE_BIN=OTHER/civicloop: each
# backend's lists by that build and this one in turn (a baseline, same go).
.PHONY: benchpg-lists
benchpg-lists: build
	BENCH_PG_LISTS=1 WITH_PG_DURABLE=1 WITH_PG_SHARED_BUFFERS=2GB \
		scripts/with-pg node bench/pg.mjs $(BUILD)

# Full-text search at BENCH_SEARCH_CASES (1,000,000) cases (bench/search.c,
# docs/bench.md "Search"); the database is kept in BENCH_SEARCH_DB and reused.
BENCH_SEARCH_CASES ?= 1000000
BENCH_SEARCH_DB ?= $(BUILD)/bench-search.db
benchsearch: build
	$(BUILD)/search --bin $(BUILD)/civicloop --db $(BENCH_SEARCH_DB) \
		--cases $(BENCH_SEARCH_CASES) --out bench/search-results.json

# kill -9 under load, 25 rounds + 5 while timers fire (tests/soak/kill9.mjs,
# docs/operations.md); not part of `make test`. SOAK_ROUNDS, SOAK_SEED.
.PHONY: soak
soak: build
	CIVICLOOP_BIN=$(abspath $(BUILD)/civicloop) node tests/soak/kill9.mjs

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
