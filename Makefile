# Vitrine: `make run` starts the product, `make test` runs every test, `make bench` prints figures.
# Each target first installs what it needs on a fresh Debian machine (see shared/TOOLCHAIN.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := 0.2.130
BINARYEN_VERSION     := 132.0.0

# cargo-leptos builds the server with these set; plain `cargo test` must see the same values,
# or every dependency that reads them would be compiled a second time.
LEPTOS_ENV_VARS := LEPTOS_OUTPUT_NAME=vitrine LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
	LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=. LEPTOS_BIN_DIR=. \
	LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=false RUSTFLAGS="--cfg erase_components"

.PHONY: run test bench tools browser e2e-deps postgres build lint release-front test-rust test-e2e test-hosting hosting-tools fuzz fuzz-tools clean

run: tools ## Build and start Vitrine at http://127.0.0.1:3000 (SQLite + embedded store under ./data)
	cargo leptos serve

test: tools browser e2e-deps postgres hosting-tools lint build release-front test-rust test-e2e test-hosting ## Gates, then every test: unit, integration (SQLite + Postgres), Playwright, hosting
	@echo "make test: all suites passed"

# Gates: formatting, and clippy with warnings as errors on both sides of the app (the server
# with its tests and benches, the browser build for wasm32).
lint:
	cargo fmt --all --check
	$(LEPTOS_ENV_VARS) cargo clippy --no-default-features --features ssr --all-targets -- -D warnings
	$(LEPTOS_ENV_VARS) cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

# The browser build in release: some failures (type-layout recursion limits) appear only there,
# and must not wait for `make bench` to be found.
release-front:
	cargo build --lib --no-default-features --features hydrate --target wasm32-unknown-unknown --profile wasm-release

bench: tools browser e2e-deps postgres bench-tools ## Benchmarks: print figures (release build), then a short fuzz run
	cargo leptos build --release --precompress
	$(LEPTOS_ENV_VARS) cargo bench --no-default-features --features ssr --bench http --bench import --bench uploads --bench delivery --bench library --bench collections
	@bash benches/bundle-size.sh
	@cd end2end && npx playwright test --config bench.config.ts
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30

# Fuzzing the slug function, the file-name checker with the storage-key maker, the CDN
# parameter parser and the EXIF reader (libFuzzer through cargo-fuzz). `make fuzz` runs each for FUZZ_SECONDS;
# a longer run: `make fuzz FUZZ_SECONDS=3600`. The stable toolchain is told to accept the
# sanitizer flags cargo-fuzz passes (RUSTC_BOOTSTRAP); no nightly is needed.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := slugify file_name cdn_params exif
fuzz: fuzz-tools
	@mkdir -p target/fuzz-logs
	@for target in $(FUZZ_TARGETS); do \
		log=target/fuzz-logs/$$target.log; \
		if RUSTC_BOOTSTRAP=1 cargo fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) >$$log 2>&1; then \
			echo "fuzz $$target: $$(grep -E '^Done' $$log | tail -1) — no panics"; \
		else \
			tail -40 $$log; echo "fuzz $$target FAILED: input saved under fuzz/artifacts/$$target"; exit 1; \
		fi; \
	done

fuzz-tools:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# What the benchmarks compare against and load with: libvips' thumbnailer, nginx, wrk (the load
# generator, in its own process); brotli for sizes.
bench-tools:
	@command -v vipsthumbnail >/dev/null && command -v nginx >/dev/null && command -v brotli >/dev/null && command -v wrk >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq libvips-tools nginx-light brotli wrk; }
	@[ -f target/lighthouse/node_modules/lighthouse/cli/index.js ] || \
		npm i --prefix target/lighthouse --no-audit --no-fund --no-save lighthouse@12.2.3 >/dev/null

build:
	cargo leptos build

test-rust:
	$(LEPTOS_ENV_VARS) cargo test --no-default-features --features ssr

# The browser suite on SQLite (as `make run` has it), then again on PostgreSQL (a fresh database,
# dropped after) with signed delivery URLs (VITRINE_CDN_TOKEN_KEY), as a server switched to both
# by environment variables runs. Without PostgreSQL
# the second pass is skipped with a warning, except in CI.
test-e2e:
	cd end2end && npx playwright test
	@if pg_isready -q -h 127.0.0.1 -p 5432; then \
		db=vitrine_e2e_$$$$; psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $$db" || exit 1; \
		echo "Playwright on PostgreSQL ($$db), every delivery URL signed"; \
		( cd end2end && E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$$db E2E_CDN_TOKEN_KEY=e2e-signing-key-0123456789 \
			npx playwright test ); rc=$$?; \
		psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $$db WITH (FORCE)"; exit $$rc; \
	elif [ "$${CI:-}" = "true" ]; then echo "CI=true and PostgreSQL at 127.0.0.1:5432 is down" >&2; exit 1; \
	else echo "WARNING: PostgreSQL is down: Playwright on PostgreSQL SKIPPED"; fi

# Vitrine as it runs on a server: used from another host (a network namespace with its own
# Chromium), behind nginx and behind Caddy with TLS (the configs in deploy/), the systemd unit.
test-hosting:
	bash end2end/hosting/run.sh

hosting-tools:
	@command -v nginx >/dev/null && command -v caddy >/dev/null && command -v openssl >/dev/null && command -v curl >/dev/null && command -v ip >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq nginx-light caddy openssl curl iproute2; }

tools:
	@# libheif (HEIC/AVIF decoding, AVIF encoding) is linked into the server.
	@dpkg -s libheif-dev pkg-config >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libheif-dev pkg-config; }
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then \
		echo "installing cargo-leptos $(CARGO_LEPTOS_VERSION) (10-17 min, once)"; \
		cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked; fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi
	@# Debian's binaryen (v108) produces a Wasm that fails to hydrate: use npm's.
	@if ! wasm-opt --version 2>/dev/null | grep -q "version $(firstword $(subst ., ,$(BINARYEN_VERSION)))"; then \
		npm i -g binaryen@$(BINARYEN_VERSION); fi

# Chromium for the browser tests; ffmpeg makes the short video they upload.
browser:
	@command -v chromium >/dev/null && command -v ffmpeg >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq chromium ffmpeg; }

e2e-deps:
	@cd end2end && { [ -d node_modules/@playwright/test ] || npm ci --no-audit --no-fund; }
	@# heif-enc makes the HEIC and AVIF files the browser tests upload; unzip checks the ZIPs.
	@command -v heif-enc >/dev/null && command -v unzip >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq libheif-examples unzip; }

# The contract suite runs on PostgreSQL too. In CI a missing Postgres fails the run; elsewhere
# the tests say they skipped it.
postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql 2>/dev/null | head -1) main start 2>/dev/null || true; \
		sleep 2; fi
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then echo "PostgreSQL at 127.0.0.1:5432: tests run on it"; \
	elif [ "$${CI:-}" = "true" ]; then echo "CI=true and PostgreSQL at 127.0.0.1:5432 is down" >&2; exit 1; \
	else echo "WARNING: PostgreSQL at 127.0.0.1:5432 is down: Postgres tests will be SKIPPED"; fi

clean:
	cargo clean
