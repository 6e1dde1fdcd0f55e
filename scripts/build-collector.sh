#!/usr/bin/env bash
# Builds the collector Worker to collector/build/worker/ (shim.mjs + index_bg.wasm), optimised.
# wrangler.toml's [build] runs this; tests run it once and start the runtime without [build].
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HITFLOW_ROOT/collector"
# One build at a time: concurrent runs would interleave their writes into collector/build/.
mkdir -p "$HITFLOW_ROOT/target"
exec 9>"$HITFLOW_ROOT/target/.collector-build.lock"
flock 9
# Size-optimised (opt-level z, LTO, one codegen unit) for every crate of the wasm only, so the
# reporter's native release build keeps opt-level 3 and stays quick to compile.
CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
  worker-build --release "$@"
