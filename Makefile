# pachs3: `make run` sets up and starts pachs3; `make test` sets up and passes every test.
SWIFT      ?= swift
DATA       ?= pachs3-data
DEB_BUILD  := libsqlite3-dev
DEB_RUN    := fuse3 libfuse3-dev
DEB_BENCH  := hyperfine
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build release run test bench clean

all: build

# Installs only the Debian packages that are missing.
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_RUN); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	@PACHS3_BIN=.build/release/pachs3 PACHS3_DATA=$(DATA) ./examples/demo.sh

test: deps
	$(SWIFT) build --build-tests
	PACHS3_BIN=$$($(SWIFT) build --show-bin-path)/pachs3 $(SWIFT) test --skip-build

bench: release
	@missing=""; for p in $(DEB_BENCH); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	PACHS3_BIN=.build/release/pachs3 python3 benchmarks/engine_bench.py

clean:
	rm -rf .build
