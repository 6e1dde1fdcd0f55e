"""Runs a command and prints its wall time and peak resident memory as JSON.

    python3 scripts/bench/measure.py CMD [ARGS...]
"""
import json
import resource
import subprocess
import sys
import time

started = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
elapsed = time.perf_counter() - started
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": round(elapsed, 3), "peak_rss_mb": round(peak_kib / 1024, 1), "exit": code}))
sys.exit(code)
