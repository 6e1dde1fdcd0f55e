// Integration tests of the real collector Worker (built wasm) in workerd via Miniflare: real
// requests with injected `cf`, real User-Agents, queue flush into local R2, and every stored
// column read back with DuckDB. Run: node --test collector/tests/ (after scripts/build-collector.sh).
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  startWorker, post, waitForRows, readHits, scanStore, ipBytes, ROOT, BERLIN,
  CHROME_WIN, SAFARI_IPHONE, FIREFOX_LINUX, GOOGLEBOT,
} from "./support.mjs";

const IPV6 = "2001:db8:85a3::8a2e:370:7334";

let mf;
before(async () => {
  mf = startWorker();
  await mf.ready;
});
after(async () => {
  await mf?.dispose();
});

const today = () => new Date().toISOString().slice(0, 10);

test("serves the tracker, health, CORS preflight", async () => {
  const js = await mf.dispatchFetch("http://collector.test/t.js");
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type"), /javascript/);
  assert.equal(await js.text(), readFileSync(join(ROOT, "collector/src/t.js"), "utf8"));
  const health = await mf.dispatchFetch("http://collector.test/health");
  assert.deepEqual(await health.json(), { status: "ok" });
  const preflight = await mf.dispatchFetch("http://collector.test/e", { method: "OPTIONS" });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
});

// Bad input, class by class, is in hostile.test.mjs.
test("stores every good hit with every column", async () => {
  const landing =
    "https://example.com/pricing?utm_source=Google&utm_medium=CPC&utm_campaign=Winter_Sale&utm_term=analytics&utm_content=ad1&gclid=abc123&email=jane%40example.com#top";
  const accepted = [
    post(mf, { site: "example.com", url: landing, referrer: "https://www.google.com/search?q=secret+words", screen_width: 1920, entry: true }),
    post(mf, { site: "example.com", url: "https://example.com/checkout", referrer: landing }),
    post(mf, { site: "example.com", name: "signup", url: "https://example.com/checkout", props: { plan: "pro", seats: 3 }, revenue: { amount: 49.5, currency: "EUR" } }),
    post(mf, { site: "example.com", name: "engagement", url: "https://example.com/checkout", engaged_ms: 12345 }),
    post(mf, { site: "example.com", url: "https://example.com/" }, { ip: "198.51.100.23" }),
    post(mf, { site: "example.com", url: "https://example.com/v6" }, { ip: IPV6 }),
    post(mf, { site: "shop.example.org", url: "https://shop.example.org/cart" }, { ua: SAFARI_IPHONE, cf: { ...BERLIN, country: "US", city: "Austin", region: "Texas", continent: "NA", timezone: "America/Chicago", asn: 7922, asOrganization: "Comcast", colo: "DFW" } }),
    post(mf, { site: "example.com", url: "https://example.com/" }, { ua: GOOGLEBOT, cf: { ...BERLIN, asn: 15169, asOrganization: "Google LLC" } }),
    post(mf, { site: "example.com", url: "https://example.com/json" }, { headers: { "Content-Type": "application/json" } }),
    post(mf, { site: "example.com", url: "https://example.com/no-geo" }, { ua: FIREFOX_LINUX, cf: null, headers: { "MF-CF-Blob": "{}" } }),
  ];
  for (const res of await Promise.all(accepted)) {
    assert.equal(res.status, 202, await res.text());
  }
  const pixel = await mf.dispatchFetch(
    "http://collector.test/p.gif?site=shop.example.org&url=" + encodeURIComponent("https://shop.example.org/newsletter?utm_source=nl&utm_medium=email"),
    { headers: { "User-Agent": FIREFOX_LINUX, "CF-Connecting-IP": "192.0.2.1" }, cf: BERLIN },
  );
  assert.equal(pixel.status, 200);
  assert.equal(pixel.headers.get("content-type"), "image/gif");
  assert.match(pixel.headers.get("cache-control"), /no-store/);
  assert.equal((await pixel.arrayBuffer()).byteLength, 43);
  const pixelFromReferer = await mf.dispatchFetch("http://collector.test/p.gif?site=example.com", {
    headers: { "User-Agent": FIREFOX_LINUX, Referer: "https://example.com/from-referer?token=x" }, cf: BERLIN,
  });
  assert.equal(pixelFromReferer.status, 200);

  const expected = accepted.length + 2;
  const rows = await waitForRows(mf, expected);
  await new Promise((r) => setTimeout(r, 2500)); // a duplicate would have landed by now
  const all = await readHits(mf);
  assert.equal(all.length, expected, "exactly the accepted hits are stored");

  const byPath = (p) => all.filter((r) => r.url_path === p);
  const first = byPath("/pricing")[0];
  assert.deepEqual(
    {
      site: first.site, event: first.event, url_host: first.url_host, url_path: first.url_path,
      referrer_host: first.referrer_host, referrer_path: first.referrer_path,
      utm_source: first.utm_source, utm_medium: first.utm_medium, utm_campaign: first.utm_campaign,
      utm_term: first.utm_term, utm_content: first.utm_content, click_id_kind: first.click_id_kind,
      country: first.country, region: first.region, city: first.city, continent: first.continent,
      timezone: first.timezone, asn: first.asn, as_org: first.as_org, colo: first.colo,
      device_type: first.device_type, browser: first.browser, browser_version: first.browser_version,
      os: first.os, is_bot: first.is_bot, bot_reason: first.bot_reason, screen_width: first.screen_width,
      entry: first.entry, date: first.date, props: first.props, revenue: first.revenue,
    },
    {
      site: "example.com", event: "pageview", url_host: "example.com", url_path: "/pricing",
      referrer_host: "google.com", referrer_path: "/search",
      utm_source: "google", utm_medium: "cpc", utm_campaign: "Winter_Sale",
      utm_term: "analytics", utm_content: "ad1", click_id_kind: "gclid",
      country: "DE", region: "Berlin", city: "Berlin", continent: "EU",
      timezone: "Europe/Berlin", asn: 3320, as_org: "Deutsche Telekom AG", colo: "FRA",
      device_type: "desktop", browser: "Chrome", browser_version: "131",
      os: "Windows", is_bot: false, bot_reason: null, screen_width: 1920,
      entry: true, date: today(), props: null, revenue: null,
    },
  );
  assert.ok(Math.abs(Number(first.ts_ms) - Date.now()) < 120_000, "ts is the receive time");
  for (const row of all) {
    assert.notEqual(row.visitor_hex, null);
    assert.equal(row.date, new Date(Number(row.ts_ms)).toISOString().slice(0, 10), "Hive date partition matches ts");
    assert.ok(!JSON.stringify(row).includes("jane"), "query parameters with personal data are stripped");
    assert.ok(!JSON.stringify(row).includes("secret"), "referrer query is stripped");
  }
  // One visitor (same IP + UA, same day) → one id; another IP → another id.
  const checkout = byPath("/checkout");
  assert.equal(checkout.length, 3);
  assert.equal(new Set(checkout.map((r) => r.visitor_hex)).size, 1);
  assert.equal(first.visitor_hex, checkout[0].visitor_hex);
  const other = all.find((r) => r.url_path === "/" && r.is_bot === false);
  assert.notEqual(other.visitor_hex, first.visitor_hex);
  const v6 = byPath("/v6")[0];
  assert.ok(![first.visitor_hex, other.visitor_hex].includes(v6.visitor_hex), "an IPv6 visitor has an id of its own");

  const signup = checkout.find((r) => r.event === "signup");
  assert.deepEqual(JSON.parse(signup.props), { plan: "pro", seats: 3 });
  assert.equal(signup.revenue, 49.5);
  assert.equal(signup.currency, "EUR");
  assert.equal(checkout.find((r) => r.event === "engagement").engaged_ms, 12345);

  const phone = byPath("/cart")[0];
  assert.deepEqual([phone.device_type, phone.browser, phone.os, phone.os_version, phone.country, phone.city], ["mobile", "Safari", "iOS", "17", "US", "Austin"]);
  const bot = all.find((r) => r.is_bot);
  assert.deepEqual([bot.device_type, bot.bot_reason], ["bot", "ua:crawler"]);
  const noGeo = byPath("/no-geo")[0];
  assert.deepEqual([noGeo.country, noGeo.asn, noGeo.colo, noGeo.browser], [null, null, null, "Firefox"]);
  const nl = byPath("/newsletter")[0];
  assert.deepEqual([nl.site, nl.event, nl.utm_source, nl.utm_medium], ["shop.example.org", "pageview", "nl", "email"]);
  assert.equal(byPath("/from-referer").length, 1, "pixel url falls back to the Referer header");
});

test("no IP address (v4, v6) or raw User-Agent in any stored object, raw or decoded; salts rotate", async () => {
  await waitForRows(mf, 1);
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  const ips = ["203.0.113.7", "198.51.100.23", "192.0.2.1", IPV6];
  const needles = [...ips, ...ips.map(ipBytes), "2001:0db8:85a3:0000:0000:8a2e:0370:7334", CHROME_WIN, SAFARI_IPHONE, FIREFOX_LINUX, "Googlebot/2.1"];
  const { objects, leaks } = await scanStore(mf, needles);
  assert.ok(objects.some((k) => k.startsWith("hits/")) && objects.some((k) => k.startsWith("salts/")), objects.join(" "));
  assert.deepEqual(leaks, []);
  // The scan can see: a value that is stored (a campaign name) is found in the decoded pages.
  const control = await scanStore(mf, ["Winter_Sale"]);
  assert.ok(control.leaks.some((l) => l.endsWith("Winter_Sale (decoded)")), control.leaks.join(" "));
  const salt = await bucket.get(`salts/${today()}`);
  assert.equal((await salt.arrayBuffer()).byteLength, 16);

  await bucket.put("salts/2020-01-01", new Uint8Array(16));
  const worker = await mf.getWorker();
  await worker.scheduled({ cron: "7 * * * *" });
  assert.equal(await bucket.get("salts/2020-01-01"), null, "past salts are deleted by the cron trigger");
  assert.notEqual(await bucket.head(`salts/${today()}`), null, "today's salt stays");
});
