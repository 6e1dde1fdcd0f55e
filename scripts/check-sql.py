#!/usr/bin/env python3
"""Checks that `reporter sql` computes what `reporter run` computes.

For each configuration below: a lake from `reporter generate` (late hits, hits stored twice and
bots are part of what it generates), `reporter run`, then the script of `reporter sql` on each
engine asked for (DuckDB embedded; Spark in local mode through pyspark), and a comparison of
every session (`sessions.parquet` against the `hitflow_sessions` view) and of every site and
channel figure (`report.json` against `hitflow_site_figures` / `hitflow_channel_figures`).

Counts, ids, times, strings and flags must be equal. Floats: durations are whole milliseconds
/ 1000 in both and compared to the millisecond; revenue is a float sum whose value depends on
the order of addition (the reporter adds per shard, the engines per partition), so sums may
differ in the last bits: compared within 1e-6 absolute; rates and averages are ratios of equal
integers and compared within 1e-12 relative.

usage: check-sql.py REPORTER_BINARY [--engines duckdb,spark] [--hits N] [--keep DIR]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

FROM, TO = "2026-03-28", "2026-03-29"  # Europe's DST change is on the 29th
LAKE_FROM, LAKE_DAYS = "2026-03-26", 5

CONFIGS = {
    "defaults": "",
    "all-rules-on": """
[[sites]]
name = "example.com"
timezone = "Europe/Berlin"
[[sites]]
name = "shop.example.org"
timezone = "America/New_York"
[sessions]
inactivity_timeout_minutes = 15
split_at_midnight = true
split_on_source_change = true
split_on_browser_close = true
[[goals]]
name = "Signup"
event = "signup"
[[goals]]
name = "Purchase"
event = "purchase"
[[goals]]
name = "Pricing"
path = "/pricing*"
[channels]
search = ["kagi.*"]
referral_exclusions = ["partner-pay.example"]
[[channels.rules]]
name = "Newsletter"
medium_in = ["newsletter"]
[[channels.rules]]
name = "Partners"
source_domain = "techblog.example.net"
before = "Referral"
""",
    "far-zones-midnight": """
[[sites]]
name = "example.com"
timezone = "Asia/Kolkata"
[[sites]]
name = "shop.example.org"
timezone = "Pacific/Auckland"
[sessions]
inactivity_timeout_minutes = 60
split_at_midnight = true
[automation]
exclude_from_human = false
""",
}

SESSION_COLUMNS = [
    "site", "visitor_id", "start", "end", "duration_s", "engaged_s", "hits", "pageviews", "events",
    "landing_page", "exit_page", "channel", "source", "medium", "campaign", "device", "browser", "os",
    "country", "is_bounce", "is_engaged", "converted", "revenue", "end_reason",
]
COUNTS = ["sessions", "visitors", "pageviews", "bounces", "engaged_sessions", "conversions",
          "converted_sessions", "very_short_sessions", "human_hits", "bot_hits", "median_duration_s"]
RATIOS = ["pages_per_session", "avg_duration_s", "bounce_rate", "engagement_rate", "conversion_rate",
          "very_short_share", "bot_share"]


def sessions_query(dialect):
    """The sessions as comparable tuples: times as epoch ms, durations as whole ms."""
    ms = {"duckdb": "epoch_ms", "spark": "unix_millis"}[dialect]
    end = {"duckdb": '"end"', "spark": "`end`"}[dialect]
    cols = []
    for c in SESSION_COLUMNS:
        if c == "start":
            cols.append(f"{ms}(start)")
        elif c == "end":
            cols.append(f"{ms}({end})")
        elif c == "visitor_id":
            cols.append("CAST(visitor_id AS STRING)")
        elif c in ("duration_s", "engaged_s"):
            cols.append(f"CAST(round({c} * 1000) AS BIGINT)")
        elif c in ("hits", "pageviews", "events"):
            cols.append(f"CAST({c} AS BIGINT)")
        elif c in ("is_bounce", "is_engaged", "converted", "revenue"):
            cols.append(c)
        else:
            cols.append(f"coalesce({c}, '')")
    return ", ".join(cols)


def normalize(row):
    return tuple(int(v) if isinstance(v, bool) is False and isinstance(v, int) else v for v in row)


def compare_sessions(expected, actual, label):
    key = lambda r: (r[0], r[1], r[2])
    exp = {key(r): r for r in expected}
    act = {key(r): r for r in actual}
    problems = []
    if len(exp) != len(expected) or len(act) != len(actual):
        problems.append(f"duplicate session keys (reporter {len(expected)}/{len(exp)}, sql {len(actual)}/{len(act)})")
    missing = sorted(set(exp) - set(act))
    extra = sorted(set(act) - set(exp))
    for k in missing[:5]:
        problems.append(f"only in reporter: {exp[k]}")
    for k in extra[:5]:
        problems.append(f"only in sql: {act[k]}")
    if missing or extra:
        problems.append(f"{len(missing)} sessions only in reporter, {len(extra)} only in sql")
    diffs = 0
    for k in sorted(set(exp) & set(act)):
        e, a = exp[k], act[k]
        for name, x, y in zip(SESSION_COLUMNS, e, a):
            same = abs(x - y) <= 1e-6 if name == "revenue" else x == y
            if not same:
                diffs += 1
                if diffs <= 10:
                    problems.append(f"{k} {name}: reporter {x!r}, sql {y!r}")
    if diffs:
        problems.append(f"{diffs} differing values")
    print(f"  {label}: {len(expected)} sessions from the reporter, {len(actual)} from sql, {len(problems)} problems")
    return problems


def compare_figures(expected, actual, label):
    """expected/actual: {key: {figure: value}}; groups with no traffic at all are skipped."""
    problems = []
    live = lambda f: f["sessions"] + f["bot_hits"] > 0
    exp = {k: v for k, v in expected.items() if live(v)}
    act = {k: v for k, v in actual.items() if live(v)}
    if set(exp) != set(act):
        problems.append(f"{label}: groups differ: only reporter {sorted(set(exp) - set(act))}, only sql {sorted(set(act) - set(exp))}")
    for k in sorted(set(exp) & set(act)):
        e, a = exp[k], act[k]
        for name in COUNTS:
            if float(e[name]) != float(a[name]):
                problems.append(f"{label} {k} {name}: reporter {e[name]}, sql {a[name]}")
        for name in RATIOS:
            if not math.isclose(float(e[name]), float(a[name]), rel_tol=1e-12, abs_tol=1e-12):
                problems.append(f"{label} {k} {name}: reporter {e[name]}, sql {a[name]}")
        if abs(float(e["revenue"]) - float(a["revenue"])) > 1e-6:
            problems.append(f"{label} {k} revenue: reporter {e['revenue']}, sql {a['revenue']}")
    print(f"  {label}: {len(exp)} groups, {len(problems)} problems")
    return problems


def statements(script):
    return [s.strip() for s in script.split(";\n") if s.strip()]


class DuckDb:
    name = "duckdb"

    def __init__(self, work):
        import duckdb
        self.con = duckdb.connect()

    def run(self, script):
        self.con.execute(script)

    def rows(self, query):
        return self.con.sql(query).fetchall()

    def close(self):
        self.con.close()


class Spark:
    name = "spark"

    def __init__(self, work):
        from pyspark.sql import SparkSession
        self.spark = (
            SparkSession.builder.master("local[2]")
            .appName("hitflow-sql-check")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "1g")
            # The script's intermediate tables are Parquet tables of the current database.
            .config("spark.sql.warehouse.dir", os.path.join(work, "spark-warehouse"))
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work}")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")

    def run(self, script):
        for statement in statements(script):
            self.spark.sql(statement)

    def rows(self, query):
        return [tuple(r) for r in self.spark.sql(query).collect()]

    def close(self):
        self.spark.catalog.clearCache()


def figure_rows(engine, view, keys):
    cols = ", ".join(keys + COUNTS + RATIOS + ["revenue"])
    out = {}
    for r in engine.rows(f"SELECT {cols} FROM {view}"):
        k = tuple(r[: len(keys)])
        out[k] = dict(zip(COUNTS + RATIOS + ["revenue"], r[len(keys):]))
    return out


def check(reporter, engines, hits, work):
    import duckdb
    problems = []
    lake = os.path.join(work, "lake")
    subprocess.run(
        [reporter, "generate", "--store", lake, "--from", LAKE_FROM, "--days", str(LAKE_DAYS),
         "--hits", str(hits), "--seed", "18", "--batch-hits", "300"],
        check=True, stdout=subprocess.DEVNULL)
    for name, toml in CONFIGS.items():
        print(f"configuration {name}")
        config = os.path.join(work, f"{name}.toml")
        with open(config, "w") as f:
            f.write(toml)
        out = os.path.join(work, f"out-{name}")
        subprocess.run(
            [reporter, "run", "--store", lake, "--from", FROM, "--to", TO, "--config", config, "--out", out, "--quiet"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(out, "report.json")) as f:
            report = json.load(f)
        site_expected = {(s["site"],): s["totals"] for s in report["sites"]}
        channel_expected = {(s["site"], c["channel"]): c for s in report["sites"] for c in s["channels"]}
        sessions_expected = duckdb.sql(
            f"SELECT {sessions_query('duckdb')} FROM read_parquet('{os.path.join(out, 'sessions.parquet')}')"
        ).fetchall()
        for engine in engines:
            script = subprocess.run(
                [reporter, "sql", "--dialect", engine.name, "--lake", lake, "--from", FROM, "--to", TO, "--config", config],
                check=True, capture_output=True, text=True).stdout
            engine.run(script)
            label = f"{name}/{engine.name}"
            actual = engine.rows(f"SELECT {sessions_query(engine.name)} FROM hitflow_sessions")
            problems += compare_sessions([normalize(r) for r in sessions_expected], [normalize(r) for r in actual], label + " sessions")
            problems += compare_figures(site_expected, figure_rows(engine, "hitflow_site_figures", ["site"]), label + " sites")
            problems += compare_figures(channel_expected, figure_rows(engine, "hitflow_channel_figures", ["site", "channel"]), label + " channels")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reporter")
    parser.add_argument("--engines", default="duckdb")
    parser.add_argument("--hits", type=int, default=20000)
    parser.add_argument("--keep", help="work in this folder and keep it")
    args = parser.parse_args()
    makers = {"duckdb": DuckDb, "spark": Spark}

    def check_in(work):
        # One engine session for every configuration (Spark's start-up is most of its time).
        engines = [makers[e](work) for e in args.engines.split(",") if e]
        try:
            return check(os.path.abspath(args.reporter), engines, args.hits, work), engines
        finally:
            for engine in engines:
                engine.close()

    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        problems, engines = check_in(os.path.abspath(args.keep))
    else:
        with tempfile.TemporaryDirectory() as work:
            problems, engines = check_in(work)
    for p in problems:
        print("MISMATCH", p)
    if problems:
        sys.exit(f"reporter sql differs from reporter run: {len(problems)} problems")
    print(f"reporter sql equals reporter run on {', '.join(e.name for e in engines)}")


if __name__ == "__main__":
    main()
