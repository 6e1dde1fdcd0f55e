#!/usr/bin/env bash
# Collector benchmark (prints figures; asserts nothing):
#   - native hit-pipeline throughput (hits/s/core)             target ≥ 200 k
#   - wasm size raw and gzipped                                target ≤ 1 MiB gz
#   - tracker size gzipped                                     target ≤ 1 KB
#   - req/s of the collector in workerd beside an empty Worker under the same wrk load
#                                                              target ≥ 80% of the empty Worker
#     and beside a Worker that only awaits queue.send (the ceiling the local Queue allows), and
#     one that batches concurrent requests' sends into one sendBatch (what batching could add)
#   - R2 PUTs per hit under that load                          target ≤ 1 per 50 hits
#   - the first hit of a fresh isolate against later ones (building the bot and model searches)
# ROUNDS (default 2) load rounds run back to back: the machine is shared, so ranges are printed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HITFLOW_ROOT"
bash scripts/install-tools.sh all >/dev/null
bash scripts/install-tools.sh apt >/dev/null
duration=${DURATION:-10s}
connections=${CONNECTIONS:-4}
rounds=${ROUNDS:-2}

echo "== native pipeline"
cargo bench --quiet -p hitflow-collector --bench pipeline 2>/dev/null | grep -v '^$'

echo "== sizes"
[[ -f collector/build/index_bg.wasm ]] || bash scripts/build-collector.sh >/dev/null 2>&1
raw=$(stat -c %s collector/build/index_bg.wasm)
# -n: no file name in the header, as a server sends it.
gz=$(gzip -9n <collector/build/index_bg.wasm | wc -c)
tracker=$(gzip -9n <collector/src/t.js | wc -c)
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

echo "== first hit of a fresh isolate (workerd)"
node scripts/bench/first_hit.mjs 5

echo "== load ($connections connections, $duration, wrk on loopback, Miniflare/workerd, $rounds rounds)"
results=$(mktemp)
for round in $(seq "$rounds"); do
  for mode in empty send batched collector; do
    # The collector also prints the queue flush as JSON: keep the rest of the line together.
    read -r rps p50 p99 non2xx stats < <(load "$mode" 8788)
    printf '  round %d %-9s %8s req/s (p50 %s, p99 %s), non-2xx: %s\n' "$round" "$mode" "$rps" "$p50" "$p99" "${non2xx:-0}"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$rps" "$p50" "$p99" "$stats" >>"$results"
  done
done
python3 - "$results" <<'PY'
import json, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
by = {}
for rnd, mode, rps, p50, p99, stats in rows:
    by.setdefault(rnd, {})[mode] = (float(rps or 0), p50, p99, stats)
def span(values):
    lo, hi = min(values), max(values)
    return f"{lo:.0%}" if round(lo, 2) == round(hi, 2) else f"{lo:.0%}–{hi:.0%}"
def rps_span(mode):
    v = [r[mode][0] for r in by.values()]
    return f"{min(v):,.0f}–{max(v):,.0f}"
rounds = list(by.values())
print(f"  empty Worker:        {rps_span('empty')} req/s")
print(f"  queue.send only:     {rps_span('send')} req/s ({span([r['send'][0] / r['empty'][0] for r in rounds])} of empty)")
print(f"  sendBatch, batched:  {rps_span('batched')} req/s ({span([r['batched'][0] / r['empty'][0] for r in rounds])} of empty)")
print(f"  collector:           {rps_span('collector')} req/s")
print(f"  collector / empty Worker: {span([r['collector'][0] / r['empty'][0] for r in rounds])} (target >= 80%)")
print(f"  collector / queue.send only: {span([r['collector'][0] / r['send'][0] for r in rounds])}")
for r in rounds:
    stats = json.loads(r["collector"][3] or '{"r2_objects": 0, "hits_stored": 0}')
    objects, hits = stats["r2_objects"], stats["hits_stored"]
    print(f"  R2 PUTs: {objects} objects held {hits} hits when measured = 1 PUT per {hits / max(objects, 1):.0f} hits (target <= 1 per 50)")
PY
rm -f "$results"
