#!/usr/bin/env bash
# Fuzzes hitflow's hostile-input surfaces with cargo-fuzz (libFuzzer, nightly toolchain).
# Not part of CI: it takes FUZZ_SECONDS per target (10 minutes by default, ~70 min for all).
# CI replays what it found instead: collector/tests/fuzz_regressions.rs and
# reporter/tests/fuzz_regressions.rs run every input in fuzz/regressions/<target>/.
#
#   bash scripts/fuzz.sh                         # every target, 600 s each, one after the other
#   FUZZ_SECONDS=60 bash scripts/fuzz.sh page_url user_agent
#
# Targets (fuzz/fuzz_targets/, checks in fuzz/src/):
#   event_body         POST /e body: parse_event_body, then build_hit and the Queue message codec
#   pixel_query        GET /p.gif query pairs (+ a Referer): parse_pixel_query, then build_hit
#   page_url           split_simple vs url::Url, parse_page_url (UTMs), parse_referrer vs url::Url
#   user_agent         parse_device + detect_bot on User-Agent, client hints, Accept-Language
#   queue_message      the consumer's message decoder, re-encoding, the batch Parquet writer
#   parquet_decode     the reporter's scan::decode::decode and hitflow_schema::read_parquet on any bytes
#   parquet_roundtrip  hits from the input through both Parquet writers, read back exactly by both
#                      readers, then the files damaged (byte edits, truncation) and read again
#
# Each target runs in libFuzzer's fork mode with one worker (-fork=1: one core; the machine is
# shared), which goes on after a crash, so one run collects every distinct crash. Inputs grow in
# fuzz/work/<target>/ (not committed), seeded from the committed fuzz/corpus/<target>/ and
# fuzz/regressions/<target>/. At the end each working corpus is merged into a minimal one
# (fuzz/work/<target>.min/), each crash is minimized (cargo fuzz tmin; timeouts are not), and a summary prints
# executions, coverage, features, corpus size and crashes. Logs: fuzz/logs/<target>.log.
# Then the regression inputs are kept: every crash, timeout and oom as found, and a sample of
# the minimal corpus spread over its sizes, go to fuzz/regressions/<target>/ (committed), and
# their EXPECTED is written from the outcomes (HITFLOW_BLESS=1; a panic still fails). Fix what
# crashed first, then commit the inputs: CI replays them.
#
#   bash scripts/fuzz.sh --keep [TARGET…]        # only that last step, on the last campaign
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-600}"
SAMPLE="${SAMPLE:-24}" # corpus inputs kept per target
log() { printf '\033[1m[fuzz]\033[0m %s\n' "$*" >&2; }

# Copies a target's crashes and a size-spread sample of its minimal corpus into fuzz/regressions/.
keep_regressions() {
  local t="$1" dir="fuzz/regressions/$1" f
  mkdir -p "$dir"
  # The crashes as found (tmin leaves a trail of intermediate files; the logs name the smallest).
  for f in fuzz/artifacts/"$t"/{crash,timeout,oom}-*; do
    [[ -e "$f" ]] && cp "$f" "$dir/${f##*/}"
  done
  [[ -d "fuzz/work/$t.min" ]] || return 0
  # Largest-first listing, then every k-th file: small and large inputs alike.
  mapfile -t corpus < <(ls -S "fuzz/work/$t.min")
  local n=${#corpus[@]} step i
  ((n)) || return 0
  step=$(((n + SAMPLE - 1) / SAMPLE))
  for ((i = 0; i < n; i += step)); do
    cp "fuzz/work/$t.min/${corpus[i]}" "$dir/corpus-${corpus[i]:0:16}"
  done
}

# Writes EXPECTED of every regression directory from the outcomes (a panic fails instead).
bless_regressions() {
  log "writing fuzz/regressions/*/EXPECTED"
  HITFLOW_BLESS=1 cargo test -q -p hitflow-collector --test fuzz_regressions
  HITFLOW_BLESS=1 cargo test -q -p hitflow-reporter --test fuzz_regressions
}

if [[ "${1:-}" == --keep ]]; then
  shift
  (($#)) || set -- $(ls fuzz/work | grep -v '\.min$')
  for t in "$@"; do keep_regressions "$t"; done
  bless_regressions
  exit 0
fi

bash scripts/install-tools.sh fuzz

# Seeds generated from the real writers (deterministic), made when missing.
if [[ ! -e fuzz/corpus/parquet_decode/arrow_writer.parquet ]]; then
  log "writing Parquet seeds"
  cargo test -q -p hitflow-reporter --test fuzz_regressions -- --ignored write_fuzz_seeds
fi
if [[ ! -d fuzz/corpus/queue_message ]]; then
  log "writing Queue message seeds"
  cargo test -q -p hitflow-collector --test fuzz_regressions -- --ignored write_fuzz_seeds
fi

log "building the fuzz targets (nightly, ASan; the first build takes a while)"
cargo +nightly fuzz build

if (($#)); then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

max_len() {
  case "$1" in
    event_body) echo 17000 ;;       # just over the 16 KiB body cap
    parquet_decode) echo 65536 ;;   # the seed files are ~4-20 KB
    parquet_roundtrip) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

mkdir -p fuzz/logs
started="$(date -u +%FT%TZ)"
for t in "${targets[@]}"; do
  mkdir -p "fuzz/work/$t" "fuzz/corpus/$t" "fuzz/artifacts/$t"
  seeds=("fuzz/corpus/$t")
  [[ -d "fuzz/regressions/$t" ]] && seeds+=("fuzz/regressions/$t")
  log "$t: ${FUZZ_SECONDS}s from $(date -u +%T)"
  # Exit status: non-zero when a crash was found; the summary reports it, so go on.
  cargo +nightly fuzz run "$t" "fuzz/work/$t" "${seeds[@]}" -- \
    -max_total_time="$FUZZ_SECONDS" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
    -artifact_prefix="fuzz/artifacts/$t/" >"fuzz/logs/$t.log" 2>&1 || true
done

log "merging corpora and minimizing crashes"
for t in "${targets[@]}"; do
  rm -rf "fuzz/work/$t.min" && mkdir -p "fuzz/work/$t.min"
  cargo +nightly fuzz run "$t" "fuzz/work/$t.min" "fuzz/work/$t" -- -merge=1 -max_len="$(max_len "$t")" \
    >"fuzz/logs/$t.merge.log" 2>&1 || true
  # Crashes only: minimizing a timeout re-runs a slow input thousands of times.
  for crash in fuzz/artifacts/"$t"/crash-*; do
    [[ -e "$crash" ]] || continue
    cargo +nightly fuzz tmin "$t" "$crash" -- -runs=2000 >>"fuzz/logs/$t.tmin.log" 2>&1 || true
  done
done

for t in "${targets[@]}"; do keep_regressions "$t"; done
bless_regressions || log "a regression input panics: fix it, then bash scripts/fuzz.sh --keep"

printf '\nfuzzing started %s, %s s per target, ended %s\n' "$started" "$FUZZ_SECONDS" "$(date -u +%FT%TZ)"
printf '%-18s %12s %8s %8s %8s %10s  %s\n' target execs cov ft corpus min_corpus crashes/timeouts/ooms
for t in "${targets[@]}"; do
  # Fork mode's status lines: `#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: a/b/c time: T…`
  last="$(grep -E '^#[0-9]+: cov:' "fuzz/logs/$t.log" | tail -n 1 || true)"
  execs="$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")"
  cov="$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$last")"
  ft="$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$last")"
  corp="$(sed -E 's/.* corp: ([0-9]+).*/\1/' <<<"$last")"
  otc="$(sed -E 's/.* oom\/timeout\/crash: ([0-9\/]+).*/\1/' <<<"$last")"
  min="$(find "fuzz/work/$t.min" -type f | wc -l)"
  files="$(find "fuzz/artifacts/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)"
  printf '%-18s %12s %8s %8s %8s %10s  %s (%s files)\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$min" \
    "$(awk -F/ '{print $3"/"$2"/"$1}' <<<"${otc:-?/?/?}")" "$files"
done
for t in "${targets[@]}"; do
  for f in fuzz/artifacts/"$t"/{crash,timeout,oom,minimized-from}-*; do
    [[ -e "$f" ]] && printf '  %s (%s bytes)\n' "$f" "$(stat -c %s "$f")"
  done
done
exit 0
