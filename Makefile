# Thin wrapper over CMake/ctest. The two commands a new user needs:
#   make run    install what is missing, build, start the chat example app
#   make test   the same set-up, then every test (warnings as errors, ASan/UBSan)
# and, for CI, `make docker-check`: docker/ built and run for real (after make test).
# `make package` builds the chat example as an AWS Lambda `bootstrap` for the
# provided.al2023 runtime and zips it (build-package/package/chat-bootstrap.zip).
# `make fuzz` runs every libFuzzer target (tests/fuzz/) for FUZZ_SECONDS
# each in build-fuzz (clang, ASan, UBSan), with a random seed unless
# FUZZ_SEED is set; make test runs each for 5 s with seed 1.
# `make format` checks the C sources against .clang-format; `make format-fix`
# rewrites them.
BUILD      ?= build
TEST_BUILD ?= build-test
PORT       ?= 8080
TLS_PORT   ?= 8443
DATA_DIR   ?= .wsgw/data
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 0

.PHONY: all deps test-deps fuzz-deps build run test fuzz fuzz-build node-deps fixture-node-deps clean docker-check package

all: build

deps:
	@sh .ci/install-deps.sh build

test-deps:
	@sh .ci/install-deps.sh test

fuzz-deps:
	@sh .ci/install-deps.sh fuzz

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSGW_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# CONFIG=fixtures/node/v3-chat.json runs a Node.js chat app instead (make run
# installs its npm dependencies too).
CONFIG ?= fixtures/chat-app.json
run: build fixture-node-deps
	$(BUILD)/wsgw serve --config $(CONFIG) --port $(PORT) --tls-port $(TLS_PORT) --data-dir $(DATA_DIR)

# npm ci only when the lockfile changed since the last install.
tests/clients/node_modules/.wsgw-stamp: tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The Node.js functions under fixtures/node (their AWS SDKs and esbuild).
fixtures/node/node_modules/.wsgw-stamp: fixtures/node/package-lock.json
	cd fixtures/node && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

fixture-node-deps:
	@sh .ci/install-deps.sh node
	@$(MAKE) --no-print-directory fixtures/node/node_modules/.wsgw-stamp

node-deps: test-deps tests/clients/node_modules/.wsgw-stamp fixtures/node/node_modules/.wsgw-stamp

test: test-deps node-deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWSGW_WERROR=ON -DWSGW_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j$(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5 FUZZ_SEED=1

# The libFuzzer targets in their own tree (clang; see docs/reliability.md,
# Fuzzing). Inputs that add coverage collect in $(FUZZ_BUILD)/corpus, so
# one long run continues the last; a crash, leak or timeout leaves its
# input in $(FUZZ_BUILD)/artifacts. A long run: make fuzz FUZZ_SECONDS=3600
fuzz-build: deps fuzz-deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWSGW_FUZZ=ON -DWSGW_TESTS=OFF \
	  -DWSGW_INSTALL=OFF -DFUZZ_SECONDS=$(FUZZ_SECONDS) -DFUZZ_SEED=$(FUZZ_SEED) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS)

fuzz: fuzz-build
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz -j$(JOBS)

# The chat example (examples/chat-lib) as a Lambda deployment package for the
# provided.al2023 runtime: a Release build of its bootstrap (no sanitizers)
# in $(PACKAGE_BUILD), zipped by emulator/bootstrap/package.sh with
# `bootstrap` at the zip's root and the libraries it needs under lib/ (the
# script checks they need no glibc newer than Amazon Linux 2023's), and the
# same tree unpacked next to it (package/chat-bootstrap/: SST's `bundle`).
# The zip is for the architecture of this machine (x86_64 here).
PACKAGE_BUILD ?= build-package
package: deps
	@cmake -S . -B $(PACKAGE_BUILD) -DCMAKE_BUILD_TYPE=Release -DWSGW_TESTS=OFF -DWSGW_SANITIZE=OFF >/dev/null
	@cmake --build $(PACKAGE_BUILD) --target chat_bootstrap -j$(JOBS)
	@sh emulator/bootstrap/package.sh $(PACKAGE_BUILD)/bootstrap/bootstrap $(PACKAGE_BUILD)/package/chat-bootstrap.zip
	@rm -rf $(PACKAGE_BUILD)/package/chat-bootstrap && mkdir -p $(PACKAGE_BUILD)/package/chat-bootstrap
	@cd $(PACKAGE_BUILD)/package/chat-bootstrap && cmake -E tar xf ../chat-bootstrap.zip

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(PACKAGE_BUILD) $(FUZZ_BUILD)

# docker/Dockerfile and docker/compose.yaml, built and run with the chat
# end-to-end check (.ci/docker-check.sh): a Docker engine if one answers, else
# Debian's podman (as root). About 6 minutes with a cold base-image cache.
docker-check: node-deps
	bash .ci/docker-check.sh

# The long crash run (tests/clients/crash_test.py): 20 SIGKILL/restart cycles
# with fsync per write, then 20 with --no-sync, on the test build's wsgw.
# About 2 minutes; `make test` runs 5 and 3 cycles.
CRASH_CYCLES ?= 20
.PHONY: test-crash
test-crash: test-deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWSGW_WERROR=ON -DWSGW_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) --target wsgw -j$(JOBS)
	cd tests/clients && WSGW_BIN=$(CURDIR)/$(TEST_BUILD)/wsgw WSGW_SOURCE_DIR=$(CURDIR) CRASH_CYCLES=$(CRASH_CYCLES) /usr/bin/python3 crash_test.py
	cd tests/clients && WSGW_BIN=$(CURDIR)/$(TEST_BUILD)/wsgw WSGW_SOURCE_DIR=$(CURDIR) CRASH_CYCLES=$(CRASH_CYCLES) CRASH_NO_SYNC=1 /usr/bin/python3 crash_test.py

# The concurrency tests under ThreadSanitizer (CMake option WSGW_TSAN) in
# $(TSAN_BUILD): the racing connections, hot reload under load, the console's
# event bus (publishers on several threads), and the
# contended increments and transactions against a TSan-built wsgw;
# tests/tsan.supp says why races inside liblmdb are suppressed.
TSAN_BUILD ?= build-tsan
.PHONY: test-tsan
test-tsan: test-deps
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWSGW_WERROR=ON -DWSGW_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) --target wsgw integration_connection_races integration_emu_reload unit_emu_events -j$(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" ctest --output-on-failure \
	  -R '^(integration[.]connection_races|integration[.]emu_reload|unit[.]emu_events|clients[.]concurrent_conditional_increments_and_transactions_give_exact_results)$$'

# Benchmarks side by side with dynalite and serverless-offline (npm); rewrites docs/benchmarks.md.
# Not part of `make test`; about 8 to 10 minutes.
.PHONY: bench profile
bench:
	@sh .ci/install-deps.sh bench
	bash bench/run.sh

# callgrind (and perf, where it works) on the benchmark's requests; rewrites docs/profile.md.
# About 4 minutes.
profile:
	@sh .ci/install-deps.sh profile
	bash bench/profile.sh

# The C sources checked by .clang-format (tests/clients/node_modules left out).
CLANG_FORMAT ?= clang-format
FORMAT_DIRS  := $(wildcard emulator handlers include tests examples)
FORMAT_FILES  = $(shell find $(FORMAT_DIRS) -name node_modules -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)

.PHONY: format format-fix
# Lists the files clang-format would change and exits non-zero if there are
# any (one clang-format run; any other clang-format failure is shown as is).
format:
	@sh .ci/install-deps.sh format
	@out=$$($(CLANG_FORMAT) --dry-run --Werror --ferror-limit=1 $(FORMAT_FILES) 2>&1); rc=$$?; \
	files=$$(printf '%s\n' "$$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*clang-format-violations.*/\1/p' | sort -u); \
	if [ -n "$$files" ]; then \
	  printf '%s\n' "$$files"; \
	  echo "make format: these files differ from .clang-format (make format-fix rewrites them)" >&2; \
	  exit 1; \
	fi; \
	if [ $$rc -ne 0 ]; then printf '%s\n' "$$out" >&2; exit $$rc; fi

format-fix:
	@sh .ci/install-deps.sh format
	$(CLANG_FORMAT) -i $(FORMAT_FILES)
