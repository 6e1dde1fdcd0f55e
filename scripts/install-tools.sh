#!/usr/bin/env bash
# Installs every tool hitflow's build, tests and benchmarks need, idempotently:
# each step checks the installed version first and skips what is already right.
# Versions are pinned; see docs/TOOLCHAIN.md for why each one.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
# Must equal the wasm-bindgen version pinned in collector/Cargo.toml (checked below).
WASM_BINDGEN_VERSION=0.2.130
S3S_FS_VERSION=0.14.1
# Only for scripts/fuzz.sh (`bash scripts/install-tools.sh fuzz`), never part of `all`/CI.
CARGO_FUZZ_VERSION=0.13.2

log() { printf '\033[1m[install]\033[0m %s\n' "$*" >&2; }

want_only="${1:-all}" # all | rust | node | python | apt | fuzz (fuzz is not in all)

rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  if ! grep -q "\"=$WASM_BINDGEN_VERSION\"" collector/Cargo.toml; then
    log "collector/Cargo.toml does not pin wasm-bindgen =$WASM_BINDGEN_VERSION"; exit 1
  fi
  if [[ "$(worker-build --version 2>/dev/null || true)" != *"$WORKER_BUILD_VERSION"* ]]; then
    log "installing worker-build $WORKER_BUILD_VERSION (~9 min once per machine)"
    cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked
  fi
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != *"$WASM_BINDGEN_VERSION"* ]]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (~6 min once per machine)"
    # Not --locked: one of its locked dependencies is not on the registry.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if [[ "$(s3s-fs --version 2>/dev/null || true)" != *"$S3S_FS_VERSION"* ]]; then
    log "installing s3s-fs $S3S_FS_VERSION (local S3 server for tests)"
    cargo install "s3s-fs@$S3S_FS_VERSION" --locked --features binary
  fi
}

node_tools() {
  # package-lock.json pins wrangler, miniflare, binaryen (wasm-opt) and playwright-core.
  if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.hitflow-lock; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.hitflow-lock
  fi
}

python_tools() {
  local missing=()
  python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(aiosmtpd==1.4.6)
  python3 -c 'import duckdb' 2>/dev/null || missing+=(duckdb==2.0.1)
  python3 -c 'import pyarrow' 2>/dev/null || missing+=(pyarrow==26.0.1)
  # Spark in local mode for scripts/check-sql.py; 4.0 runs on Java 17 (apt_tools installs it).
  python3 -c 'import pyspark; assert pyspark.__version__ == "4.0.1"' 2>/dev/null || missing+=(pyspark==4.0.1)
  if ((${#missing[@]})); then
    log "pip install ${missing[*]}"
    python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}"
  fi
}

apt_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # pyspark's JVM (Spark 4.0 needs Java 17 or later).
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
  fi
}

# cargo-fuzz and the nightly toolchain it drives (libFuzzer needs -Zsanitizer). Used by
# scripts/fuzz.sh only: CI runs the committed regression inputs with plain `cargo test`.
fuzz_tools() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    log "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
  fi
  if [[ "$(cargo fuzz --version 2>/dev/null || true)" != *"$CARGO_FUZZ_VERSION"* ]]; then
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
}

case "$want_only" in
  all) rust_tools; node_tools; python_tools; apt_tools ;;
  rust) rust_tools ;;
  node) node_tools ;;
  python) python_tools ;;
  apt) apt_tools ;;
  fuzz) fuzz_tools ;;
  *) log "unknown part: $want_only"; exit 2 ;;
esac
