#!/usr/bin/env bash
# Builds the collector Worker to collector/build/worker/ (shim.mjs + index_bg.wasm), optimised.
# wrangler.toml's [build] runs this; tests run it once and start the runtime without [build].
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HITFLOW_ROOT/collector"
# LTO and one codegen unit only for the wasm: ~20% smaller, and the reporter's builds stay fast.
CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  worker-build --release "$@"
