#!/usr/bin/env python3
"""Remove from every collector/tests/corpus/humans/*.txt the User-Agents that any
collector/tests/corpus/bots/*.txt lists, so the human corpus never contradicts a bot corpus.

Usage: drop_bot_overlap.py        (idempotent; header lines are kept as they are)
"""

import glob
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def main():
    bots = set()
    for path in sorted(glob.glob(os.path.join(common.BOTS_DIR, "*.txt"))):
        bots.update(common.read_records(path))
    for path in sorted(glob.glob(os.path.join(common.HUMANS_DIR, "*.txt"))):
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        kept = [l for l in lines if l.startswith("#") or l not in bots]
        dropped = len(lines) - len(kept)
        if dropped:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write("".join(l + "\n" for l in kept))
        print(f"{os.path.relpath(path, common.ROOT)}: dropped {dropped} UAs listed as bots", file=sys.stderr)


if __name__ == "__main__":
    main()
