// Drives realistic visits through the real collector Worker running in the local Workers runtime
// (workerd via Miniflare, with local R2 and Queue), waits for the queue to flush, and copies the
// stored Parquet into a local lake folder for the reporter.
//
//   node scripts/demo-visits.mjs OUT_LAKE_DIR [VISITS]
import { Miniflare } from "miniflare";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const [lake = join(ROOT, "demo/lake"), visitsArg = "300"] = process.argv.slice(2);
const VISITS = Number(visitsArg);

const UAS = [
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 1920],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", 1512],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 390],
  ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", 412],
  ["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 2560],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", 1366],
  ["Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 820],
];
const BOTS = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"];
const GEOS = [
  { country: "DE", region: "Berlin", city: "Berlin", continent: "EU", timezone: "Europe/Berlin", asn: 3320, asOrganization: "Deutsche Telekom AG", colo: "FRA" },
  { country: "US", region: "Texas", city: "Austin", continent: "NA", timezone: "America/Chicago", asn: 7922, asOrganization: "Comcast Cable", colo: "DFW" },
  { country: "GB", region: "England", city: "London", continent: "EU", timezone: "Europe/London", asn: 2856, asOrganization: "British Telecommunications PLC", colo: "LHR" },
  { country: "FR", region: "Île-de-France", city: "Paris", continent: "EU", timezone: "Europe/Paris", asn: 3215, asOrganization: "Orange", colo: "CDG" },
  { country: "JP", region: "Tokyo", city: "Tokyo", continent: "AS", timezone: "Asia/Tokyo", asn: 2516, asOrganization: "KDDI", colo: "NRT" },
];
const ENTRIES = [
  { query: "", referrer: "" },
  { query: "", referrer: "https://www.google.com/search?q=web+analytics" },
  { query: "", referrer: "https://duckduckgo.com/" },
  { query: "?utm_source=newsletter&utm_medium=email&utm_campaign=november", referrer: "" },
  { query: "?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=x1", referrer: "https://www.google.com/" },
  { query: "?fbclid=abc", referrer: "https://l.facebook.com/" },
  { query: "", referrer: "https://chatgpt.com/" },
  { query: "", referrer: "https://news.ycombinator.com/item?id=1" },
  { query: "?ref=producthunt", referrer: "" },
];
const FLOWS = [["/", "/pricing", "/signup"], ["/blog/privacy-first-analytics"], ["/", "/features", "/pricing"], ["/docs", "/docs/install"], ["/pricing", "/checkout", "/thank-you"]];
const pick = (arr, i) => arr[i % arr.length];

const mf = new Miniflare({
  modules: true,
  scriptPath: join(ROOT, "collector/build/index.js"),
  modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2025-09-01",
  bindings: { ALLOWED_SITES: "example.com" },
  r2Buckets: ["HITS_BUCKET"],
  queueProducers: { HITS_QUEUE: "hitflow-hits" },
  queueConsumers: { "hitflow-hits": { maxBatchSize: 100, maxBatchTimeout: 1 } },
});
await mf.ready;

let sent = 0;
async function send(body, ua, ip, cf) {
  const res = await mf.dispatchFetch("http://collector.local/e", {
    method: "POST", body: JSON.stringify(body), cf: { ...cf, clientAcceptEncoding: "" },
    headers: { "Content-Type": "text/plain", "User-Agent": ua, "CF-Connecting-IP": ip, "Accept-Language": "en-US,en;q=0.9" },
  });
  if (res.status !== 202) throw new Error(`collector answered ${res.status}: ${await res.text()}`);
  sent++;
}

const visits = [];
for (let v = 0; v < VISITS; v++) {
  const [ua, width] = pick(UAS, v * 7 + 3);
  const geo = pick(GEOS, v * 3 + 1);
  const ip = `198.51.100.${v % 250}`;
  const entry = pick(ENTRIES, v * 5 + 2);
  const flow = pick(FLOWS, v * 11 + 4).slice(0, 1 + (v % 3));
  visits.push((async () => {
    let referrer = entry.referrer;
    for (const [i, path] of flow.entries()) {
      const url = `https://example.com${path}${i === 0 ? entry.query : ""}`;
      await send({ site: "example.com", url, referrer, screen_width: width, entry: i === 0 }, ua, ip, geo);
      if (path === "/signup" || path === "/thank-you") {
        await send({ site: "example.com", name: path === "/signup" ? "signup" : "purchase", url, props: { plan: "pro" }, revenue: path === "/thank-you" ? { amount: 49, currency: "EUR" } : undefined }, ua, ip, geo);
      }
      await send({ site: "example.com", name: "engagement", url, engaged_ms: 4000 + (v * 997) % 60000 }, ua, ip, geo);
      referrer = url;
    }
  })());
}
for (let b = 0; b < Math.max(3, VISITS / 20); b++) {
  visits.push(send({ site: "example.com", url: `https://example.com/page-${b}` }, pick(BOTS, b), `203.0.113.${b}`, { ...GEOS[1], asn: 15169, asOrganization: "Google LLC" }));
}
await Promise.all(visits);

// Wait until every sent hit is in R2 (the consumer writes a Parquet file per batch).
const bucket = await mf.getR2Bucket("HITS_BUCKET");
const { execFileSync } = await import("node:child_process");
let stored = 0;
for (let attempt = 0; attempt < 120 && stored < sent; attempt++) {
  await new Promise((r) => setTimeout(r, 500));
  stored = 0;
  mkdirSync(lake, { recursive: true });
  let cursor;
  do {
    const page = await bucket.list({ prefix: "hits/", cursor });
    for (const o of page.objects) {
      const path = join(lake, o.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.from(await (await bucket.get(o.key)).arrayBuffer()));
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const count = execFileSync("python3", ["-c", `import duckdb; print(duckdb.sql("select count(*) from read_parquet('${lake}/hits/**/*.parquet')").fetchall()[0][0])`], { encoding: "utf8" });
  stored = Number(count.trim());
}
await mf.dispose();
console.log(JSON.stringify({ visits: VISITS, hits_sent: sent, hits_stored: stored, lake }));
if (stored !== sent) process.exit(1);
