# The two set-up commands (see README): `make run` and `make test`. Both install what they
# need first (scripts/install-deps.sh: Debian packages, idempotent).
BUILD ?= build
JOBS  ?= $(shell nproc)
LISTEN ?= 0.0.0.0:8080

.PHONY: all deps configure build run test lint format clean

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

lint: configure
	@bash scripts/lint.sh $(BUILD)

format:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
