#!/usr/bin/env bash
# hitflow's main job on the embedded default, end to end on this machine:
#   1. build the collector Worker and run it in the local Workers runtime (workerd) with local R2
#      and Queue, driving realistic visits through it as real HTTP hits;
#   2. wait for the queue to flush, run the reporter on the stored Parquet, render the static
#      report site and the email report (.eml), and print where to open them.
# With --generated, skips the Worker and reports on `reporter generate` data instead.
#
#   bash scripts/demo.sh [--generated] [OUT_DIR]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HITFLOW_ROOT"

mode=worker
if [[ "${1:-}" == "--generated" ]]; then mode=generated; shift; fi
out="${1:-$HITFLOW_ROOT/demo}"
lake="$out/lake"
rm -rf "$lake"
mkdir -p "$out"

bash scripts/install-tools.sh all
cargo build --release --quiet -p hitflow-reporter
reporter="$HITFLOW_ROOT/target/release/reporter"
today=$(date -u +%F)

if [[ $mode == worker ]]; then
  bash scripts/build-collector.sh
  node scripts/demo-visits.mjs "$lake" 300
  from=$today
  to=$today
else
  from=$(date -u -d "$today - 7 days" +%F)
  to=$(date -u -d "$today - 1 day" +%F)
  # The store starts 3 days into the previous week, as a new install would: the report shows the
  # coverage note ("previous period: 3 of 7 days have data") instead of +100 % deltas.
  "$reporter" generate --store "$lake" --from "$(date -u -d "$from - 3 days" +%F)" --days 10 --hits 500000 --seed 7
fi

# The example config plus an annotation on the period's last day, drawn on the daily chart.
config="$out/hitflow.toml"
cp "$HITFLOW_ROOT/hitflow.example.toml" "$config"
printf '\n[[annotations]]\ndate = "%s"\ntext = "Demo: newsletter sent"\n' "$to" >> "$config"

rm -rf "$out/email"
"$reporter" run --store "$lake" --from "$from" --to "$to" --config "$config" \
  --out "$out/report" --email-out "$out/email" --quiet
echo
echo "Report site:     $out/report/index.html   (open in a browser; no server needed)"
echo "Email report:    $(ls "$out"/email/*.eml | head -n 1)"
echo "Report data:     $out/report/report.json"
echo "Sessions table:  $out/report/sessions.parquet"
echo "  query it:      python3 -c \"import duckdb; duckdb.sql(\\\"select channel, count(*) sessions from '$out/report/sessions.parquet' group by 1 order by 2 desc\\\").show()\""
echo "Hits lake:       $lake/hits/"

if [[ $mode == generated ]]; then
  # Alerts: four weeks of traffic in which yesterday's paid-search visitors to /pricing never
  # arrived (a planted incident: a broken ad landing page). `reporter alert` judges yesterday
  # against the same weekday of the weeks before, finds Paid Search down by about half and names
  # /pricing (and the campaign brand_search) as what drove it.
  alert_lake="$out/alert-lake"
  rm -rf "$alert_lake" "$out/alert-email"
  yesterday=$(date -u -d "$today - 1 day" +%F)
  "$reporter" generate --store "$alert_lake" --from "$(date -u -d "$today - 29 days" +%F)" --days 30 \
    --hits 900000 --seed 11 --incident "$yesterday,paid-search,/pricing,1" >/dev/null
  "$reporter" alert --store "$alert_lake" --config "$config" --now "${today}T12:00:00Z" --log warn \
    --email-out "$out/alert-email" >"$out/alert.json"
  alert_eml=$(ls "$out"/alert-email/*.eml 2>/dev/null | head -n 1)
  echo "Alert email:     ${alert_eml:-none written (see $out/alert.json)}   (planted: yesterday's paid-search visits to /pricing never arrived)"
fi
