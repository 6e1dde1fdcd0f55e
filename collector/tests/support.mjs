// Shared helpers for the collector's integration tests: the real built Worker in Miniflare
// (workerd) with local R2 and Queues, and DuckDB (Python) to read back the stored Parquet.
import { Miniflare } from "miniflare";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SITES = "example.com,shop.example.org";

export function startWorker(extraBindings = {}) {
  return new Miniflare({
    modules: true,
    scriptPath: join(ROOT, "collector/build/index.js"),
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
    bindings: { ALLOWED_SITES: SITES, ...extraBindings },
    r2Buckets: ["HITS_BUCKET"],
    queueProducers: { HITS_QUEUE: "hitflow-hits" },
    queueConsumers: { "hitflow-hits": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 5, retryDelay: 0 } },
  });
}

export const CHROME_WIN =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
export const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
export const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
export const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

export const BERLIN = {
  country: "DE", region: "Berlin", city: "Berlin", continent: "EU", timezone: "Europe/Berlin",
  asn: 3320, asOrganization: "Deutsche Telekom AG", colo: "FRA", clientAcceptEncoding: "",
};

/** Lists every object under a prefix of the local R2 bucket. */
export async function listAll(bucket, prefix) {
  const objects = [];
  let cursor;
  do {
    const page = await bucket.list({ prefix, cursor });
    objects.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return objects;
}

/** Waits until the stored hits hold `count` rows (the queue flushes about a second after sending). */
export async function waitForRows(mf, count, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await readHits(mf);
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`expected ${count} stored hits, found ${rows.length}`);
}

/** Copies every hit object out of local R2 and reads them with DuckDB as a Hive-partitioned table. */
export async function readHits(mf) {
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  const objects = await listAll(bucket, "hits/");
  if (objects.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), "hitflow-hits-"));
  try {
    for (const o of objects) {
      const body = await bucket.get(o.key);
      const path = join(dir, o.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.from(await body.arrayBuffer()));
    }
    const script = `
import duckdb, json, sys
rows = duckdb.sql("""select *, epoch_ms(ts) as ts_ms, visitor_id::varchar as visitor_hex, hit_id::varchar as hit_id_text
                     from read_parquet('${dir}/hits/**/*.parquet', hive_partitioning = true)""")
cols = rows.columns
print(json.dumps([dict(zip(cols, r)) for r in rows.fetchall()], default=str))
`;
    return JSON.parse(execFileSync("python3", ["-c", script], { encoding: "utf8", maxBuffer: 1 << 28 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function post(mf, body, { ua = CHROME_WIN, ip = "203.0.113.7", cf = BERLIN, headers = {} } = {}) {
  return mf.dispatchFetch("http://collector.test/e", {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "Content-Type": "text/plain", "User-Agent": ua, "CF-Connecting-IP": ip, "Accept-Language": "de-DE,de;q=0.9", ...headers },
    // null: no cf fields at all (MF-CF-Blob replaces Miniflare's placeholder entirely).
    ...(cf === null ? {} : { cf }),
  });
}
