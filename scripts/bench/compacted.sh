#!/usr/bin/env bash
# Compacted vs raw lake (prints figures; asserts nothing): HITS hits over 2 days written as the
# collector writes them (files of BATCH_HITS hits, unsorted), and a copy after `reporter compact`
# (one file per hour, ordered by site, visitor_id, ts). On both: file bytes, a bare arrow-rs scan,
# `reporter run`, DuckDB; fastest of ROUNDS interleaved rounds. Then the codec: the compacted
# files rewritten by pyarrow with zstd beside Snappy (same rows and row groups): bytes and a
# DuckDB scan of the columns the reporter reads.
#
#   bash scripts/bench/compacted.sh      (called by scripts/bench-reporter.sh; HITS=10000000)
set -euo pipefail
source "$(dirname "$0")/../env.sh"
cd "$HITFLOW_ROOT"

hits=${HITS:-10000000}
batch=${BATCH_HITS:-20000}
rounds=${ROUNDS:-3}
base=${BENCH_DIR:-$HITFLOW_ROOT/target/bench}/compacted-$hits
reporter=target/release/reporter
cargo build --release --quiet -p hitflow-reporter --bin reporter --example bare_scan

if [[ ! -f $base/.complete ]]; then
  rm -rf "$base"
  echo "generating $hits hits in $batch-hit files into $base/raw" >&2
  "$reporter" generate --store "$base/raw" --from 2026-11-01 --days 2 --hits "$hits" --seed 42 --batch-hits "$batch" >/dev/null
  cp -r "$base/raw" "$base/compacted"
  for day in 2026-11-01 2026-11-02 2026-11-03; do
    "$reporter" compact --store "$base/compacted" --date "$day" --log warn >/dev/null
  done
  touch "$base/.complete"
fi

faster() {
  python3 -c "import json,sys; a,b=sys.argv[1],sys.argv[2]; print(a if not b or json.loads(a)['seconds'] <= json.loads(b)['seconds'] else b)" "$1" "$2"
}
declare -A run scan duck
for lake in raw compacted; do run[$lake]="" scan[$lake]="" duck[$lake]=""; done
for ((i = 0; i < rounds; i++)); do
  for lake in raw compacted; do
    dir=$base/$lake
    cat $(find "$dir/hits" -name '*.parquet') >/dev/null
    rm -rf "$base/out"
    run[$lake]=$(faster "$(python3 scripts/bench/measure.py "$reporter" run --store "$dir" --from 2026-11-01 --to 2026-11-02 --out "$base/out" --quiet --log warn | tail -n 1)" "${run[$lake]}")
    scan[$lake]=$(faster "$(target/release/examples/bare_scan "$dir" | tail -n 1)" "${scan[$lake]}")
    duck[$lake]=$(faster "$(python3 scripts/bench/duckdb_sessions.py "$dir" "$(date -u -d 2026-11-01 +%s)000" "$(date -u -d 2026-11-03 +%s)000" 2 | tail -n 1)" "${duck[$lake]}")
  done
done

python3 - "$base" "$hits" "${run[raw]}" "${scan[raw]}" "${duck[raw]}" "${run[compacted]}" "${scan[compacted]}" "${duck[compacted]}" <<'PY'
import json, os, sys, time
import duckdb, pyarrow.parquet as pq

base, hits = sys.argv[1], int(sys.argv[2])
figures = {"raw": [json.loads(a) for a in sys.argv[3:6]], "compacted": [json.loads(a) for a in sys.argv[6:9]]}

def files(d):
    return sorted(os.path.join(r, f) for r, _, fs in os.walk(os.path.join(d, "hits")) for f in fs if f.endswith(".parquet"))

print(f"compacted vs raw lake: {hits:,} hits over 2 days, 2 threads/cores (fastest of interleaved rounds)")
print(f"  {'lake':10} {'files':>6} {'MB':>8} {'bare scan s':>12} {'run s':>8} {'DuckDB s':>9} {'run/scan':>9} {'DuckDB/run':>11}")
for lake, (run, scan, duck) in figures.items():
    fs = files(os.path.join(base, lake))
    size = sum(os.path.getsize(f) for f in fs)
    print(f"  {lake:10} {len(fs):6} {size / 1e6:8.1f} {scan['seconds']:12.3f} {run['seconds']:8.3f} {duck['seconds']:9.3f}"
          f" {run['seconds'] / scan['seconds']:9.2f} {duck['seconds'] / run['seconds']:11.1f}")

# Codec: the compacted files again with zstd, same rows, order and row groups.
columns = ["ts", "hit_id", "visitor_id", "is_bot", "engaged_ms", "revenue", "screen_width", "site", "event",
           "url_path", "currency", "utm_source", "utm_medium", "utm_campaign", "ref_param", "click_id_kind",
           "referrer_host", "url_host", "device_type", "browser", "browser_version", "os", "os_version",
           "country", "as_org", "bot_reason"]
zdir = os.path.join(base, "compacted-zstd")
if not os.path.exists(os.path.join(zdir, ".complete")):
    for f in files(os.path.join(base, "compacted")):
        out = f.replace(os.path.join(base, "compacted"), zdir, 1)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        meta = pq.ParquetFile(f).metadata
        pq.write_table(pq.read_table(f), out, compression="zstd", row_group_size=meta.row_group(0).num_rows)
    open(os.path.join(zdir, ".complete"), "w").close()
print("  codec of the compacted files (DuckDB scan of the reporter's columns, 2 threads, fastest of 3):")
con = duckdb.connect()
con.execute("SET threads = 2")
for name, d in [("snappy", os.path.join(base, "compacted")), ("zstd", zdir)]:
    fs = files(d)
    size = sum(os.path.getsize(f) for f in fs)
    best = None
    for _ in range(3):
        t = time.perf_counter()
        con.execute(f"SELECT {', '.join(f'count({c})' for c in columns)} FROM read_parquet({fs!r})").fetchall()
        best = min(best or 1e9, time.perf_counter() - t)
    print(f"    {name:7} {size / 1e6:8.1f} MB   scan {best:.3f} s")
PY
