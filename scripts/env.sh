# Sourced by hitflow's scripts: tool locations and offline settings (see docs/TOOLCHAIN.md).
HITFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$HITFLOW_ROOT/node_modules/.bin:$PATH"
# worker-build would download these; point it at the registry-installed ones instead.
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$HITFLOW_ROOT/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$HITFLOW_ROOT/node_modules/.bin/esbuild}"
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$HITFLOW_ROOT/.cache/xdg-config}"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HITFLOW_ROOT/.cache/xdg-cache}"
