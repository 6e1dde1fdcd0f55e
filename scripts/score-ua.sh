#!/usr/bin/env bash
# Prints how the collector's bot and device detection score on the public corpora of
# collector/tests/corpus/ (origins and licences in collector/data/NOTICE.md): bot recall per
# crawler list, real browsers flagged as bots, device-class accuracy per class. It runs the
# corpus through the same functions the Worker calls for every hit (natively).
#   bash scripts/score-ua.sh                # the tables
#   bash scripts/score-ua.sh --failures 20  # plus up to 20 misses per source
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p hitflow-collector --example score_ua -- "$@"
