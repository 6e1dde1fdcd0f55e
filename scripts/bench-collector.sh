#!/usr/bin/env bash
# Collector benchmark (prints figures; asserts nothing):
#   - native hit-pipeline throughput (hits/s/core)             target ≥ 200 k
#   - wasm size raw and gzipped                                target ≤ 1 MiB gz
#   - tracker size gzipped                                     target ≤ 1 KB
#   - req/s of the collector in workerd beside an empty Worker under the same wrk load
#                                                              target ≥ 80% of the empty Worker
#   - R2 PUTs per hit under that load                          target ≤ 1 per 50 hits
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HITFLOW_ROOT"
bash scripts/install-tools.sh all >/dev/null
bash scripts/install-tools.sh apt >/dev/null
duration=${DURATION:-10s}
connections=${CONNECTIONS:-4}

echo "== native pipeline"
cargo bench --quiet -p hitflow-collector --bench pipeline 2>/dev/null | grep -v '^$'

echo "== sizes"
[[ -f collector/build/index_bg.wasm ]] || bash scripts/build-collector.sh >/dev/null 2>&1
raw=$(stat -c %s collector/build/index_bg.wasm)
gz=$(gzip -9c collector/build/index_bg.wasm | wc -c)
tracker=$(gzip -9c collector/src/t.js | wc -c)
printf '  wasm: %d bytes raw, %d bytes gzipped (%.2f MiB; target <= 1 MiB)\n' "$raw" "$gz" "$(echo "$gz / 1048576" | bc -l)"
printf '  tracker: %d bytes gzipped (target <= 1024)\n' "$tracker"

load() { # mode port → prints wrk summary lines and the server's closing JSON
  local mode=$1 port=$2 log
  log=$(mktemp)
  node scripts/bench/serve.mjs "$mode" "$port" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q ready "$log" && break; sleep 0.2; done
  wrk -t2 -c"$connections" -d"$duration" --latency -s scripts/bench/post.lua "http://127.0.0.1:$port" >"$log.wrk" 2>&1 || true
  kill -USR2 "$pid"; wait "$pid" || true
  local rps p50 p99 non2xx stats
  rps=$(grep -E 'Requests/sec' "$log.wrk" | awk '{print $2}')
  p50=$(grep -E '^ +50%' "$log.wrk" | awk '{print $2}')
  p99=$(grep -E '^ +99%' "$log.wrk" | awk '{print $2}')
  non2xx=$(grep -E 'Non-2xx' "$log.wrk" | awk '{print $NF}' || true)
  stats=$(grep '^{' "$log" | tail -n 1 || true)
  [[ -n $stats ]] || stats='{"r2_objects": 0, "hits_stored": 0}'
  echo "${rps:-0} ${p50:-?} ${p99:-?} ${non2xx:-0} $stats"
  rm -f "$log" "$log.wrk"
}

echo "== load ($connections connections, $duration, wrk on loopback, Miniflare/workerd)"
read -r empty_rps empty_p50 empty_p99 _ _ < <(load empty 8788)
# The collector also prints the queue flush as JSON: keep the rest of the line together.
read -r rps p50 p99 non2xx stats < <(load collector 8789)
printf '  empty Worker: %s req/s (p50 %s, p99 %s)\n' "$empty_rps" "$empty_p50" "$empty_p99"
printf '  collector:    %s req/s (p50 %s, p99 %s), non-2xx: %s\n' "$rps" "$p50" "$p99" "${non2xx:-0}"
python3 - "$rps" "$empty_rps" "$stats" <<'PY'
import json, sys
rps, empty, stats = float(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3])
print(f"  collector / empty Worker: {rps / empty:.0%} (target >= 80%)")
objects, hits = stats["r2_objects"], stats["hits_stored"]
print(f"  R2 PUTs: {objects} objects held {hits} hits when measured = 1 PUT per {hits / max(objects, 1):.0f} hits (target <= 1 per 50)")
PY
