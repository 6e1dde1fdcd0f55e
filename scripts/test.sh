#!/usr/bin/env bash
# Runs every hitflow test on a fresh machine of this kind: installs the tools (idempotently),
# checks formatting and lints, runs the native tests (unit, integration against a real local S3
# server), builds the Worker and runs its integration tests in the real local runtime (workerd).
# A node test that hangs fails after 5 minutes (--test-timeout) instead of stalling CI.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HITFLOW_ROOT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "tools"
bash scripts/install-tools.sh all

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "native tests (schema, collector, reporter; S3 tests start s3s-fs)"
cargo test --workspace --quiet

step "report site in headless Chromium (screenshots in target/screenshots/)"
node --test --test-concurrency=1 --test-timeout=300000 reporter/tests/site_screenshots.mjs

step "tracker size"
bash collector/tracker/build.sh --check

step "build the Worker (wasm)"
bash scripts/build-collector.sh

step "reporter binary for the browser end-to-end test (collector/tests/browser.test.mjs)"
cargo build -p hitflow-reporter --bin reporter --quiet

step "reporter sql equals reporter run: every session and figure, on DuckDB and Spark local mode (~4 min)"
python3 scripts/check-sql.py target/debug/reporter --engines duckdb,spark --hits 20000

step "Worker integration tests (Miniflare / workerd, local R2 + Queues)"
node --test --test-concurrency=1 --test-timeout=300000 collector/tests/

step "Worker under load, R2 faults and a SIGKILLed runtime (collector/tests/load.mjs, ~2 min)"
node --test --test-concurrency=1 --test-timeout=300000 collector/tests/load.mjs
