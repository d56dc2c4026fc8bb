# pachs3: `make run` sets up and starts pachs3; `make test` sets up and passes every test.
SWIFT      ?= swift
DATA       ?= pachs3-data
PORT       ?= 30600
DEB_BUILD  := libsqlite3-dev libdeflate-dev
DEB_RUN    := fuse3 libfuse3-dev
DEB_BENCH  := time wrk fio hyperfine util-linux
DEB_COMPAT := rclone s3cmd s3fs curl openssl
DEB_MOUNT  := rsync tar findutils grep strace
PREFIX     ?= /usr/local
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build release install install-helper run demo test test-compat test-mount compat-deps mount-deps bench clean proto fuzz

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

# Only the products these targets use (a plain `swift build -c release` builds every product and compiles the packages' plugins too).
release: deps
	$(SWIFT) build -c release --product pachs3

# Installs pachs3 in $(PREFIX)/bin and the mount(8) helper in /sbin: `mount -t pachs3` and fstab lines work.
install: release install-helper
	$(SUDO) install -D -m 755 .build/release/pachs3 $(DESTDIR)$(PREFIX)/bin/pachs3

install-helper:
	$(SUDO) install -D -m 755 mount-helpers/mount.pachs3 $(DESTDIR)/sbin/mount.pachs3

# Starts the S3 gateway and the gRPC API (port 30650) on the embedded store in $(DATA); Ctrl-C stops it gracefully.
run: release
	@echo "pachs3: S3 gateway on http://localhost:$(PORT), data in $(DATA). Point your tools at it:"
	@echo "  aws --endpoint-url http://localhost:$(PORT) s3 mb s3://master.images"
	@echo "  python3 -c \"import boto3; s3 = boto3.client('s3', endpoint_url='http://localhost:$(PORT)', aws_access_key_id='x', aws_secret_access_key='x', region_name='us-east-1'); print(s3.list_buckets()['Buckets'])\""
	@echo "  rclone: provider = Other, endpoint = http://localhost:$(PORT), any keys (see README)"
	@echo "  Pachyderm SDK: Client(host='localhost', port=30650); the CLI: PACHS3_ADDRESS=localhost:30650 .build/release/pachs3 list repo"
	@echo "  ./examples/demo.sh shows the command line on a demo repo (PACHS3_BIN=.build/release/pachs3)"
	.build/release/pachs3 serve --data-dir $(DATA) --port $(PORT)

demo: release
	@PACHS3_BIN=.build/release/pachs3 PACHS3_DATA=$(DATA) ./examples/demo.sh

test: deps
	$(SWIFT) build --build-tests
	PACHS3_BIN=$$($(SWIFT) build --show-bin-path)/pachs3 $(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory test-compat
	@$(MAKE) --no-print-directory test-mount

# Installs only the Python packages and the aws CLI that are missing.
compat-deps:
	@python3 -c "import boto3, pytest, requests" 2>/dev/null || python3 -m pip install -q boto3 pytest requests
	@aws --version >/dev/null 2>&1 || python3 -m pip install -q awscli
	@python3 -c "import minio" 2>/dev/null || python3 -m pip install -q minio
	@python3 -c "import pachyderm_sdk" 2>/dev/null || python3 -m pip install -q pachyderm-sdk==2.12.2
	@# awscrt in a directory of its own: only the CRC-32C/CRC-64 test puts it on its path (botocore changes with it).
	@[ -d .build/pydeps-crt/awscrt ] || python3 -m pip install -q --target .build/pydeps-crt awscrt==0.38.1
	@# pandas, pyarrow, s3fs, polars and deltalake likewise: s3fs's aiobotocore pins a botocore of its own (pip warns
	@# that it differs from aws cli's; the two never meet).
	@[ -d .build/pydeps-data/deltalake ] || python3 -m pip install -q --upgrade --target .build/pydeps-data \
		s3fs==2026.9.0 pandas==3.1.1 pyarrow==26.0.1 polars==2.1.0 deltalake==1.6.6
	@missing=""; for p in $(DEB_COMPAT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Real clients (boto3, the aws CLI, raw HTTP, the Pachyderm SDK over gRPC) against a live `pachs3 serve` (Tests/compat).
test-compat: build compat-deps
	PACHS3_BIN=$$($(SWIFT) build --show-bin-path)/pachs3 python3 -m pytest -q -p no:cacheprovider Tests/compat

# Installs only the Debian packages the mount suite's tools need that are missing.
mount-deps: compat-deps
	@missing=""; for p in $(DEB_MOUNT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Real FUSE mounts (`pachs3 serve --mount`, `pachs3 mount`, mount.pachs3) used with real tools (Tests/mount).
test-mount: build mount-deps install-helper
	PACHS3_BIN=$$($(SWIFT) build --show-bin-path)/pachs3 python3 -m pytest -q -p no:cacheprovider Tests/mount

bench: release
	$(SWIFT) build -c release --product pfs-bench
	@missing=""; for p in $(DEB_BENCH); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	PACHS3_BIN=.build/release/pachs3 python3 benchmarks/engine_bench.py
	PACHS3_BIN=.build/release/pachs3 python3 benchmarks/s3_bench.py
	@$(MAKE) --no-print-directory compat-deps
	PACHS3_BIN=.build/release/pachs3 python3 benchmarks/grpc_bench.py

	PACHS3_BIN=.build/release/pachs3 python3 benchmarks/mount_bench.py

# Coverage-guided fuzzing (libFuzzer, AddressSanitizer) of the parsers of what clients and stores send; not
# part of `make test`. Tests/Fuzz is a package of its own, since its targets only link with the fuzzer.
# FUZZ_SECONDS per target; an input that crashes or hangs lands in .build/fuzz (see Tests/Fuzz/run.sh).
FUZZ_SECONDS ?= 120
fuzz: deps
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) Tests/Fuzz/run.sh

# Regenerates the committed Swift in Sources/PFSProto/Generated from proto/ (protoc from Debian's
# protobuf-compiler, the two plugins built in release mode from the package's own dependencies).
# Neither `make build`, `make run` nor CI runs this.
PROTO_BIN := .build-proto/release
proto:
	@dpkg -s protobuf-compiler >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq protobuf-compiler; }
	$(SWIFT) build -c release --scratch-path .build-proto --product protoc-gen-swift
	$(SWIFT) build -c release --scratch-path .build-proto --product protoc-gen-grpc-swift-2
	rm -rf Sources/PFSProto/Generated && mkdir -p Sources/PFSProto/Generated
	protoc -I proto \
		--plugin=protoc-gen-swift=$(PROTO_BIN)/protoc-gen-swift \
		--plugin=protoc-gen-grpc-swift-2=$(PROTO_BIN)/protoc-gen-grpc-swift-2 \
		--swift_out=Sources/PFSProto/Generated --swift_opt=Visibility=Public,UseAccessLevelOnImports=true,FileNaming=PathToUnderscores \
		--grpc-swift-2_out=Sources/PFSProto/Generated \
		--grpc-swift-2_opt=Visibility=Public,Server=true,Client=true,UseAccessLevelOnImports=true,FileNaming=PathToUnderscores \
		pfs/pfs.proto auth/auth.proto version/version.proto pachs3/pachs3.proto

clean:
	rm -rf .build Tests/Fuzz/.build
