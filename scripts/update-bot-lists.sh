#!/usr/bin/env bash
# Refreshes the third-party lists and test corpora that hitflow vendors (see
# collector/data/NOTICE.md and reporter/data/NOTICE.md), so an update is one command and a
# reviewed diff:
#
#   collector/data/bots/vendor/crawler-user-agents.txt    npm package crawler-user-agents (MIT)
#   collector/data/bots/vendor/isbot.txt                  npm package isbot (Unlicense)
#   collector/tests/corpus/bots/crawler-user-agents.txt   its `instances`
#     (these three are always refreshed, from the pinned versions below)
#
#   collector/tests/corpus/{bots,humans,devices}/...      from local checkouts, only when the
#   reporter/data/channels/vendor/*.txt                   matching variable names one:
#     MATOMO_DEVICE_DETECTOR_DIR  matomo-org/device-detector      (Tests/fixtures/*.yml)
#     ISBOT_DIR                   omrilotan/isbot                 (fixtures/*.yml)
#     UAP_CORE_DIR                ua-parser/uap-core              (tests/test_device.yaml)
#     WOOTHEE_DIR                 woothee/woothee                 (testsets/*.yaml)
#     MATOMO_REFERRER_LIST_DIR    matomo-org/searchengine-and-social-list (*.yml)
#   The commit written into each file is `git -C DIR rev-parse HEAD`; for a checkout without
#   .git, set <NAME>_REF (e.g. MATOMO_DEVICE_DETECTOR_REF=<commit>) to name it.
#
# Usage: scripts/update-bot-lists.sh [--crawler-user-agents VERSION] [--isbot VERSION]
#                                    [--latest] [--no-npm]
#   --crawler-user-agents, --isbot  use that npm version instead of the pinned one
#   --latest                        use the newest published versions (then pin them below)
#   --no-npm                        leave the npm-derived files as they are
# Needs: npm, python3 with PyYAML (Debian: python3-yaml), git.
set -euo pipefail

# Pinned versions: bump here (and in the NOTICE files) when refreshing.
CRAWLER_USER_AGENTS_VERSION="1.60.0"
ISBOT_VERSION="5.2.4"

export PYTHONDONTWRITEBYTECODE=1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
conv="$root/scripts/corpus"
use_npm=1
latest=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --crawler-user-agents) CRAWLER_USER_AGENTS_VERSION="${2:?version missing}"; shift 2 ;;
    --crawler-user-agents=*) CRAWLER_USER_AGENTS_VERSION="${1#*=}"; shift ;;
    --isbot) ISBOT_VERSION="${2:?version missing}"; shift 2 ;;
    --isbot=*) ISBOT_VERSION="${1#*=}"; shift ;;
    --latest) latest=1; shift ;;
    --no-npm) use_npm=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

python3 -c 'import yaml' 2>/dev/null || {
  echo "PyYAML is missing: apt-get install python3-yaml (or pip install pyyaml)" >&2
  exit 1
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# npm_unpack NAME VERSION -> prints the folder holding the unpacked package
npm_unpack() {
  local name="$1" version="$2" tarball
  tarball="$(cd "$tmp" && npm pack --silent "$name@$version" | tail -n 1)"
  mkdir -p "$tmp/$name"
  tar -xzf "$tmp/$tarball" -C "$tmp/$name"
  printf '%s\n' "$tmp/$name/package"
}

if [ "$use_npm" = 1 ]; then
  if [ "$latest" = 1 ]; then
    CRAWLER_USER_AGENTS_VERSION="$(npm view crawler-user-agents version)"
    ISBOT_VERSION="$(npm view isbot version)"
  fi
  echo "== npm: crawler-user-agents@$CRAWLER_USER_AGENTS_VERSION, isbot@$ISBOT_VERSION"
  cua="$(npm_unpack crawler-user-agents "$CRAWLER_USER_AGENTS_VERSION")"
  python3 "$conv/convert_crawler_user_agents.py" "$cua" "$CRAWLER_USER_AGENTS_VERSION"
  isbot_pkg="$(npm_unpack isbot "$ISBOT_VERSION")"
  python3 "$conv/convert_isbot_package.py" "$isbot_pkg" "$ISBOT_VERSION"
fi

# from_checkout VAR CONVERTER REPO: runs the converter on ${VAR} when it is set.
from_checkout() {
  local var="$1" converter="$2" repo="$3" dir ref
  dir="${!var:-}"
  if [ -z "$dir" ]; then
    echo "== $var not set: leaving the files of $converter as they are"
    return 0
  fi
  if [ ! -d "$dir" ]; then
    echo "$var=$dir is not a directory" >&2
    exit 1
  fi
  ref="${var%_DIR}_REF"
  echo "== $converter ${!var}"
  if [ -n "${!ref:-}" ]; then
    python3 "$conv/$converter" "$dir" --origin "$repo@${!ref}"
  else
    python3 "$conv/$converter" "$dir"
  fi
}

# Bot corpora first: the human corpora are then cleaned of anything a bot corpus lists.
from_checkout UAP_CORE_DIR convert_uap_core.py ua-parser/uap-core
from_checkout WOOTHEE_DIR convert_woothee.py woothee/woothee
from_checkout ISBOT_DIR convert_isbot_fixtures.py omrilotan/isbot
from_checkout MATOMO_DEVICE_DETECTOR_DIR convert_matomo.py matomo-org/device-detector
from_checkout MATOMO_REFERRER_LIST_DIR convert_referrer_list.py matomo-org/searchengine-and-social-list
python3 "$conv/drop_bot_overlap.py"

echo "== changes"
cd "$root"
git diff --stat -- collector/data collector/tests/corpus reporter/data
git status --short --untracked-files=all -- collector/data collector/tests/corpus reporter/data | grep '^??' || true
