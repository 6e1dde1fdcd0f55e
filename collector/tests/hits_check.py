"""Reads every hit object copied out of local R2 (one folder tree of .parquet files) one by one, for
collector/tests/load.mjs. Prints JSON: each object's key, row count or read error, and every
row as [marker, hit_id, visitor_id, ts_ms, key] (marker: the `m` prop the load test puts in each hit).

    python3 collector/tests/hits_check.py DIR
"""

import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

root = sys.argv[1]
objects, rows = [], []
for folder, _, files in sorted(os.walk(root)):
    for name in sorted(files):
        path = os.path.join(folder, name)
        key = os.path.relpath(path, root)
        try:
            # A full read (every column, every page), not just the footer: a torn file fails here.
            table = pq.ParquetFile(path).read()
            if table.schema.metadata is None or table.schema.metadata.get(b"hitflow.schema_version") is None:
                raise ValueError("no hitflow.schema_version in the file metadata")
        except Exception as err:  # noqa: BLE001 - every failure is a finding for the test
            objects.append({"key": key, "error": f"{type(err).__name__}: {err}"})
            continue
        objects.append({"key": key, "rows": table.num_rows})
        props = table.column("props").to_pylist()
        hit_ids = table.column("hit_id").to_pylist()
        visitors = table.column("visitor_id").to_pylist()
        ts = table.column("ts").cast(pa.int64()).to_pylist()
        for p, h, v, t in zip(props, hit_ids, visitors, ts):
            marker = json.loads(p).get("m") if p else None
            rows.append([marker, str(h), str(v), t, key])
print(json.dumps({"objects": objects, "rows": rows}))
