"""Shared helpers for the corpus converters in scripts/corpus/.

Every generated file is UTF-8, one record per line, and starts with `#` header lines that name
the origin (package@version or repository@commit), the licence and the converter. Records are
kept in upstream order; duplicates and User-Agents with a tab, CR or LF are dropped.
"""

import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOTS_DIR = os.path.join(ROOT, "collector", "tests", "corpus", "bots")
HUMANS_DIR = os.path.join(ROOT, "collector", "tests", "corpus", "humans")
DEVICES_DIR = os.path.join(ROOT, "collector", "tests", "corpus", "devices")


def origin_of(checkout, repo, given=None):
    """`repo@commit` for a checkout; `given` wins, then `git rev-parse HEAD` of the checkout
    itself (not of a repository that merely contains the folder)."""
    if given:
        return given

    def git(*args):
        return subprocess.run(
            ["git", "-C", checkout, *args], check=True, capture_output=True, text=True,
        ).stdout.strip()

    try:
        top = git("rev-parse", "--show-toplevel")
        if os.path.realpath(top) == os.path.realpath(checkout):
            return f"{repo}@{git('rev-parse', 'HEAD')}"
    except (OSError, subprocess.CalledProcessError):
        pass
    print(f"warning: {checkout} is not a git checkout; pass --origin {repo}@COMMIT", file=sys.stderr)
    return f"{repo}@unknown-commit"


def clean_ua(ua):
    """The UA as a single-line string, or None when it cannot be one record."""
    if ua is None:
        return None
    ua = str(ua)
    # `#` starts a header comment in these files, so such a UA cannot be a record.
    if ua == "" or ua.startswith("#") or any(c in ua for c in "\t\r\n"):
        return None
    return ua


def dedupe(items):
    seen = set()
    out = []
    for item in items:
        if item in seen:
            continue
        seen.add(item)
        out.append(item)
    return out


def write_lines(path, header, lines):
    """Write `header` (list of strings, `# ` added) then `lines`; returns the record count."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for h in header:
            f.write(("# " + h).rstrip() + "\n")
        for line in lines:
            f.write(line + "\n")
    print(f"{os.path.relpath(path, ROOT)}: {len(lines)} records", file=sys.stderr)
    return len(lines)


def read_records(path):
    """Records of a generated file (header comments skipped)."""
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def hints_json(hints):
    return json.dumps(hints, ensure_ascii=False, sort_keys=True, separators=(",", ":")) if hints else ""
