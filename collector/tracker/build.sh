#!/usr/bin/env bash
# Builds the committed, minified tracker collector/src/t.js from collector/tracker/t.src.js
# with the esbuild that `npm ci` puts in the repo's node_modules (scripts/install-tools.sh node).
# Fails when the result exceeds the 1 KiB gzipped budget.
#
#   collector/tracker/build.sh           rewrite collector/src/t.js
#   collector/tracker/build.sh --check   fail if collector/src/t.js is not what the source builds to
set -euo pipefail
cd "$(dirname "$0")/../.."

src=collector/tracker/t.src.js
out=collector/src/t.js
budget=1024 # bytes, gzip -9

if [[ ! -x node_modules/.bin/esbuild ]]; then
  echo "build.sh: node_modules/.bin/esbuild not found; run scripts/install-tools.sh node first" >&2
  exit 1
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# es2020: the source uses optional chaining; esbuild must not lower it into longer code.
npx --no-install esbuild "$src" --minify --target=es2020 --legal-comments=none --log-level=warning >"$tmp"

# -n: no file name or time in the header, as a server sends it (the temp name alone is 15 bytes).
size=$(gzip -9n <"$tmp" | wc -c)
if ((size > budget)); then
  echo "build.sh: tracker is $size bytes gzipped, over the $budget-byte budget" >&2
  exit 1
fi

if [[ "${1:-}" == "--check" ]]; then
  if ! cmp -s "$tmp" "$out"; then
    echo "build.sh: $out is stale; run collector/tracker/build.sh" >&2
    exit 1
  fi
  echo "build.sh: $out is up to date ($size bytes gzipped)"
else
  cp "$tmp" "$out"
  echo "build.sh: wrote $out ($size bytes gzipped)"
fi
