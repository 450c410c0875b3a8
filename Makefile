# The two set-up commands (see README): `make run` and `make test`. Both install what they
# need first (scripts/install-deps.sh: Debian packages, idempotent).
BUILD ?= build
JOBS  ?= $(shell nproc)
LISTEN ?= 0.0.0.0:8080

.PHONY: all deps configure build run test test-asan test-tsan test-stress test-subset fuzz lint \
        format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Starts one server on the embedded default: a private etcd in ./9volt-data, with the
# example configs loaded. Ctrl-C stops both.
run: build
	$(BUILD)/9volt server --listen $(LISTEN) --data-dir ./9volt-data --load examples

# Unit + integration tests (integration tests start real etcd processes on free ports).
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# Other test targets (tests/README.md): each in its own build directory, none part of CI.
# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/).
test-asan: deps
	@bash scripts/sanitize.sh asan

# Unit and integration suites under ThreadSanitizer (build-tsan/).
test-tsan: deps
	@bash scripts/sanitize.sh tsan

# The whole suite 3 times with a CPU hog (stress-ng) on every core beside it.
test-stress: build
	@bash scripts/install-deps.sh stress
	@BUILD=$(BUILD) JOBS=$(JOBS) bash scripts/stress.sh

# A build with only some check types (NINEVOLT_CHECK_TYPES, src/checks/README.md), SUBSET
# (default "http;tcp"), in build-subset/: it builds, and its whole suite passes without the
# tests of the types it lacks.
SUBSET ?= http;tcp
test-subset: deps
	@SUBSET='$(SUBSET)' JOBS=$(JOBS) bash scripts/subset.sh

# Every fuzz target (fuzz/README.md) for FUZZ_TIME seconds each (default 600), built with
# clang + libFuzzer + ASan/UBSan in build-fuzz/.
FUZZ_TIME ?= 600
fuzz:
	@bash scripts/install-deps.sh fuzz
	@FUZZ_TIME=$(FUZZ_TIME) bash scripts/fuzz.sh

lint: configure
	@bash scripts/lint.sh $(BUILD)

format:
	@find src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
