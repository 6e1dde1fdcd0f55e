// Shared helpers for the collector's integration tests: the real built Worker in Miniflare
// (workerd) with local R2 and Queues, and DuckDB (Python) to read back the stored Parquet.
import { Miniflare } from "miniflare";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SITES = "example.com,shop.example.org";

/** The built Worker in Miniflare. `options` adds Miniflare options, e.g. `{ host, port }` for a real
 *  HTTP port (browsers, raw sockets), `cf` for every request's `request.cf`, `r2Persist`. */
export function startWorker(extraBindings = {}, options = {}) {
  return new Miniflare({
    modules: true,
    scriptPath: join(ROOT, "collector/build/index.js"),
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
    bindings: { ALLOWED_SITES: SITES, ...extraBindings },
    r2Buckets: ["HITS_BUCKET"],
    queueProducers: { HITS_QUEUE: "hitflow-hits" },
    queueConsumers: { "hitflow-hits": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 5, retryDelay: 0 } },
    ...options,
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
                     from read_parquet('${dir}/hits/**/*.parquet', hive_partitioning = true, union_by_name = true)""")
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

/** Copies every object of the local R2 bucket into `dir/<key>`; returns `[{ key, bytes }]`. */
export async function copyObjects(mf, dir, prefix = "") {
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  const copied = [];
  for (const o of await listAll(bucket, prefix)) {
    const bytes = Buffer.from(await (await bucket.get(o.key)).arrayBuffer());
    const path = join(dir, o.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    copied.push({ key: o.key, bytes });
  }
  return copied;
}

/** Every `.parquet` file under `dir` decoded by DuckDB to text: all rows of all columns, the schema
 *  and the key/value metadata, so values inside snappy-compressed pages can be searched. */
export function decodeParquet(dir) {
  const script = `
import duckdb, glob, json, os, sys
root = sys.argv[1]
out = {}
for path in sorted(glob.glob(os.path.join(root, "**", "*.parquet"), recursive=True)):
    rel = os.path.relpath(path, root)
    con = duckdb.connect()
    rows = con.execute("select * from read_parquet(?)", [path]).fetchall()
    meta = con.execute("select key::varchar, value::varchar from parquet_kv_metadata(?)", [path]).fetchall()
    schema = con.execute("select name, type::varchar from parquet_schema(?)", [path]).fetchall()
    out[rel] = "\\n".join([repr(r) for r in rows] + [repr(m) for m in meta] + [repr(s) for s in schema])
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, dir], { encoding: "utf8", maxBuffer: 1 << 28 }));
}

/** Forms a secret can take in stored bytes: text, and for binary needles hex and Base64 too. */
function needleForms(needle) {
  if (typeof needle === "string") return [[needle, Buffer.from(needle)]];
  const bytes = Buffer.from(needle);
  return [["bytes " + bytes.toString("hex"), bytes], ["hex " + bytes.toString("hex"), Buffer.from(bytes.toString("hex"))],
    ["base64 " + bytes.toString("base64"), Buffer.from(bytes.toString("base64"))]];
}

/** Scans every stored object, raw and (Parquet) decoded, for each needle (string or bytes).
 *  Returns `{ objects, leaks }`, `leaks` as "key: needle (raw|decoded)". */
export async function scanStore(mf, needles) {
  const dir = mkdtempSync(join(tmpdir(), "hitflow-scan-"));
  try {
    const objects = await copyObjects(mf, dir);
    const decoded = objects.some((o) => o.key.endsWith(".parquet")) ? decodeParquet(dir) : {};
    const leaks = [];
    for (const { key, bytes } of objects) {
      const text = decoded[key] === undefined ? null : Buffer.from(decoded[key]);
      for (const needle of needles) {
        for (const [label, form] of needleForms(needle)) {
          if (bytes.includes(form)) leaks.push(`${key}: ${label} (raw)`);
          if (text?.includes(form)) leaks.push(`${key}: ${label} (decoded)`);
        }
      }
    }
    const parquet = objects.filter((o) => o.key.endsWith(".parquet")).length;
    if (Object.keys(decoded).length !== parquet) throw new Error(`decoded ${Object.keys(decoded).length} of ${parquet} Parquet objects`);
    return { objects: objects.map((o) => o.key), leaks };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The binary forms of an IPv4 ("a.b.c.d", 4 bytes) or fully written IPv6 (16 bytes) address. */
export function ipBytes(ip) {
  if (ip.includes(".")) return Buffer.from(ip.split(".").map(Number));
  const [head, tail = ""] = ip.split("::");
  const parts = (s) => (s ? s.split(":").map((h) => parseInt(h, 16)) : []);
  const groups = [...parts(head), ...Array(8 - parts(head).length - parts(tail).length).fill(0), ...parts(tail)];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

/** Every key the Worker may write: hit batches and daily salts. */
export const STORED_KEY = /^(hits\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[0-9a-f]{32}\.parquet|salts\/\d{4}-\d{2}-\d{2})$/;

/**
 * Sends raw bytes to a real HTTP port (nothing normalised by a client library: paths, headers,
 * framing as written) and parses the answer (Content-Length or chunked). The request should ask
 * for `Connection: close`.
 */
export function rawHttp(port, request, { timeoutMs = 10_000 } = {}) {
  const head = Buffer.from(request).subarray(0, 5).toString("latin1") === "HEAD ";
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks = [];
    const timer = setTimeout(() => socket.destroy(new Error("raw HTTP request timed out")), timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(parseHttpResponse(Buffer.concat(chunks), head));
      } catch (err) {
        reject(err);
      }
    };
    socket.on("data", (d) => {
      chunks.push(d);
      if (responseComplete(Buffer.concat(chunks), head)) finish();
    });
    socket.on("end", finish);
    socket.on("error", (err) => (chunks.length ? finish() : reject(err)));
    socket.write(request);
  });
}

function splitHead(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, rest: buf.subarray(end + 4) };
}

function dechunk(rest) {
  const parts = [];
  let at = 0;
  for (;;) {
    const eol = rest.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = parseInt(rest.subarray(at, eol).toString("latin1"), 16);
    if (size === 0) return Buffer.concat(parts);
    if (rest.length < eol + 2 + size) return null;
    parts.push(rest.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function responseComplete(buf, isHead) {
  const head = splitHead(buf);
  if (!head) return false;
  if (isHead || head.status === 204 || head.status === 304) return true;
  if (head.headers["transfer-encoding"]?.includes("chunked")) return dechunk(head.rest) !== null;
  if (head.headers["content-length"] !== undefined) return head.rest.length >= Number(head.headers["content-length"]);
  return false;
}

function parseHttpResponse(buf, isHead) {
  const head = splitHead(buf);
  if (!head) throw new Error(`no HTTP response: ${JSON.stringify(buf.toString("latin1").slice(0, 200))}`);
  if (isHead) return { status: head.status, headers: head.headers, body: Buffer.alloc(0) };
  const chunked = head.headers["transfer-encoding"]?.includes("chunked");
  const body = chunked ? dechunk(head.rest) ?? head.rest : head.rest.subarray(0, Number(head.headers["content-length"] ?? head.rest.length));
  return { status: head.status, headers: head.headers, body };
}

const M64 = (1n << 64n) - 1n;
const rotl = (x, b) => ((x << b) | (x >> (64n - b))) & M64;

/** SipHash-2-4 of `msg` under a 16-byte key (reference algorithm, for recomputing visitor ids). */
export function siphash24(key, msg) {
  const k0 = key.readBigUInt64LE(0);
  const k1 = key.readBigUInt64LE(8);
  let [v0, v1, v2, v3] = [k0 ^ 0x736f6d6570736575n, k1 ^ 0x646f72616e646f6dn, k0 ^ 0x6c7967656e657261n, k1 ^ 0x7465646279746573n];
  const round = () => {
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13n) ^ v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17n) ^ v2; v2 = rotl(v2, 32n);
  };
  const padded = Buffer.alloc((Math.floor(msg.length / 8) + 1) * 8);
  msg.copy(padded);
  padded[padded.length - 1] = msg.length & 0xff;
  for (let i = 0; i < padded.length; i += 8) {
    const m = padded.readBigUInt64LE(i);
    v3 ^= m; round(); round(); v0 ^= m;
  }
  v2 ^= 0xffn; round(); round(); round(); round();
  return (v0 ^ v1 ^ v2 ^ v3) & M64;
}

/** The visitor id as collector/src/visitor.rs computes it in the Worker: SipHash-2-4 keyed with the
 *  day's salt over site, IP and User-Agent, each prefixed by its byte length as 8 little-endian
 *  bytes (the same on wasm32 and natively). Decimal text, like `visitor_hex` from readHits. */
export function visitorId(salt, site, ip, ua) {
  const parts = [site, ip, ua].flatMap((s) => {
    const bytes = Buffer.from(s);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(bytes.length));
    return [len, bytes];
  });
  return siphash24(Buffer.from(salt), Buffer.concat(parts)).toString();
}

/** Polls `check` (async, returns a truthy value when done) until it succeeds or the deadline passes. */
export async function until(check, what, timeoutMs = 30_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
