// A real browser as the client: headless Chromium (Debian's, driven by playwright-core) visits a
// small test site (collector/tests/site/, served here on loopback) that embeds the real t.js from
// the real Worker (workerd via Miniflare on a real HTTP port, local R2 + Queue). Host names map to
// loopback inside Chromium (--host-resolver-rules), so pages have their production-like URLs:
// http://example.com/… (the site), http://news.example.net/… (a referrer), http://collector.test/…
// (the Worker). Each visitor has a browser of its own whose collector.test leads through a small
// "edge" proxy (as Cloudflare's edge does): it sets CF-Connecting-IP to the visitor's address (v4
// or v6) and `request.cf` (Miniflare's MF-CF-Blob header) to the visitor's geo. Headers added by
// DevTools instead (page.setExtraHTTPHeaders) are not applied to a beacon sent from pagehide.
//
// Then the stored Parquet is read back, the real reporter runs over it, and every stored object is
// scanned for the IPs and User-Agents used. The tracker must stay silent from file://, under
// automation (navigator.webdriver) and while a page is prerendered; prerendering is real
// (speculation rules) in a Chromium started without DevTools, since DevTools turns it off.
//
//   node --test collector/tests/browser.test.mjs   (after scripts/build-collector.sh and
//                                                   cargo build -p hitflow-reporter --bin reporter)
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import {
  startWorker, readHits, copyObjects, scanStore, ipBytes, visitorId, until, ROOT, BERLIN, STORED_KEY,
} from "./support.mjs";

const SITE_DIR = join(ROOT, "collector/tests/site");
const REPORTER = join(ROOT, "target/debug/reporter");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
// A plain desktop Chrome UA: the headless default says "HeadlessChrome" and would be a bot.
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const UA_PRERENDER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/155.0.0.0 Safari/537.36";
const IP = {
  visitor: "203.0.113.61", // the main visit
  pixel: "2001:db8:85a3::8a2e:370:7334", // the no-JS page, over IPv6
  control: "198.51.100.98", // silent.html over http: the tracker does send
  automated: "198.51.100.99", // silent.html under automation: it must not
  prerender: "192.0.2.77", // the prerendered page
};
const VIENNA = { ...BERLIN, country: "AT", region: "Vienna", city: "Vienna", timezone: "Europe/Vienna", asn: 8447, asOrganization: "A1 Telekom Austria AG", colo: "VIE" };
const TOKYO = { ...BERLIN, country: "JP", region: "Tokyo", city: "Tokyo", continent: "AS", timezone: "Asia/Tokyo", asn: 2516, asOrganization: "KDDI CORPORATION", colo: "NRT" };
const GEO = { visitor: VIENNA, pixel: TOKYO, control: BERLIN, automated: BERLIN, prerender: VIENNA };
const DWELL_MS = 1200; // time "read" on a page between actions
const day = (offset = 0) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

let mf;
let work;
let server;
let sitePort;
let collectorPort;
const edges = [];
const siteLog = []; // [ms, host, path, Sec-Purpose] of every request the test site answered
const prerender = { state: "waiting", loaded: null, activatedAt: null, navigatingAt: null };
const sent = []; // what Chromium sent to the collector: { url, method, body, pageLabel }
let contexts = [];

function serveSite() {
  const page = (name) => readFileSync(join(SITE_DIR, name));
  return createServer((req, res) => {
    const host = (req.headers.host ?? "").split(":")[0];
    const url = new URL(req.url, "http://x");
    siteLog.push([Date.now(), host, req.url, req.headers["sec-purpose"]]);
    const html = (name) => res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(page(name));
    if (host === "news.example.net" && url.pathname === "/post/42") return html("post.html");
    if (host === "elsewhere.example.org") return html("partner.html");
    if (host !== "example.com") return res.writeHead(404).end();
    if (url.pathname === "/landing" || url.pathname.startsWith("/app/")) return html("landing.html");
    if (url.pathname === "/nojs") return html("nojs.html");
    if (url.pathname.startsWith("/silent/")) return html("silent.html");
    if (url.pathname === "/pre-source") return html("pre-source.html");
    if (url.pathname === "/pre-target") return html("pre-target.html");
    if (url.pathname === "/files/guide.pdf") {
      return res.writeHead(200, { "content-type": "application/pdf", "content-disposition": 'attachment; filename="guide.pdf"' }).end("%PDF-1.4\n%%EOF\n");
    }
    if (url.pathname === "/prerender-report") {
      const prerendering = url.searchParams.get("prerendering") === "true";
      if (url.searchParams.has("loaded")) {
        prerender.loaded = { prerendering, tracker: url.searchParams.get("tracker") === "true", purpose: req.headers["sec-purpose"] };
        if (prerendering) prerender.state = "prerendered";
      }
      if (url.searchParams.has("activated")) prerender.activatedAt = Date.now();
      return res.writeHead(204).end();
    }
    if (url.pathname === "/prerender-state") {
      if (url.searchParams.has("navigating")) prerender.navigatingAt = Date.now();
      return res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" }).end(prerender.state);
    }
    if (url.pathname === "/favicon.ico") return res.writeHead(204).end();
    res.writeHead(404).end();
  });
}

/** Cloudflare's part for one visitor: forwards to the Worker, setting the visitor's address and geo
 *  (a client-sent CF-Connecting-IP is overwritten, as at the edge). Resolves to its port. */
async function startEdge(who) {
  const edge = createServer((req, res) => {
    const headers = { ...req.headers, "cf-connecting-ip": IP[who], "mf-cf-blob": JSON.stringify(GEO[who]) };
    const upstream = httpRequest({ host: "127.0.0.1", port: collectorPort, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", (err) => res.writeHead(502).end(String(err)));
    req.pipe(upstream);
  });
  await new Promise((r) => edge.listen(0, "127.0.0.1", r));
  edges.push(edge);
  return edge.address().port;
}

/** Chromium's name resolution: the test site's hosts to the site server, the collector to `who`'s edge. */
async function hostRules(who) {
  return [
    ...["example.com", "news.example.net", "elsewhere.example.org"].map((h) => `MAP ${h} 127.0.0.1:${sitePort}`),
    `MAP collector.test 127.0.0.1:${await startEdge(who)}`, "MAP * ~NOTFOUND",
  ].join(", ");
}

/** A fresh Chromium profile for visitor `who`, driven by Playwright. `automated`: the default
 *  launch, where navigator.webdriver is true; otherwise AutomationControlled is off, as for a person. */
async function launch(who, { automated = false } = {}) {
  const label = who;
  // The User-Agent as a command-line flag: Playwright's `userAgent` (a DevTools override) is not
  // applied to the beacon sent from pagehide, which then says HeadlessChrome.
  const args = [...CHROMIUM_ARGS, `--host-resolver-rules=${await hostRules(who)}`, `--user-agent=${UA}`];
  if (!automated) args.push("--disable-blink-features=AutomationControlled");
  const context = await chromium.launchPersistentContext(mkdtempSync(join(work, "profile-")), {
    executablePath: CHROMIUM, headless: true, args, acceptDownloads: true,
    viewport: { width: 1366, height: 800 }, locale: "de-AT",
  });
  contexts.push(context);
  context.on("request", (req) => {
    if (new URL(req.url()).host === "collector.test" && req.url() !== "http://collector.test/t.js") {
      let body = null;
      try {
        body = req.postData() ? JSON.parse(req.postData()) : null;
      } catch {
        body = req.postData();
      }
      sent.push({ url: req.url(), method: req.method(), body, browser: label });
    }
  });
  return context;
}

async function newPage(context) {
  return context.pages().find((p) => p.url() === "about:blank") ?? (await context.newPage());
}

const trackerLoaded = (page) => page.waitForFunction(() => window.hitflow && !window.hitflow.stub, null, { timeout: 15_000 });
const beaconsFor = (pathPrefix) => sent.filter((s) => s.url.endsWith("/e") && s.body?.url && new URL(s.body.url).pathname.startsWith(pathPrefix));

let salt; // today's salt, read from R2 once hits exist, to recompute each visitor's id
const idOf = (who, ua = UA) => visitorId(salt, "example.com", IP[who], ua);
async function storedRows(minimum, what) {
  let rows = [];
  try {
    return await until(async () => {
      rows = await readHits(mf);
      return rows.length >= minimum && rows;
    }, what, 45_000, 300);
  } catch (err) {
    err.message += `; stored: ${rows.map((r) => `${r.event} ${r.url_path}`).join(", ")}`;
    err.message += `; the visitor's browser sent: ${JSON.stringify(sent.filter((s) => s.browser === "visitor").map((s) => s.body))}`;
    throw err;
  }
}

before(async () => {
  assert.ok(existsSync(join(ROOT, "collector/build/index.js")), "collector/build/ is missing: run scripts/build-collector.sh");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/install-tools.sh installs Debian's chromium)`);
  work = mkdtempSync(join(tmpdir(), "hitflow-browser-"));
  mf = startWorker({}, { host: "127.0.0.1", port: 0 });
  collectorPort = Number((await mf.ready).port);
  server = serveSite();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  sitePort = server.address().port;
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await mf?.dispose();
  server?.close();
  for (const edge of edges) edge.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the tracker stays silent from file://, under automation, and while prerendered", async () => {
  // Control: the same page over http in a person's browser does send (so silence below is real).
  const browser = await launch("control");
  const control = await newPage(browser);
  await control.goto("http://example.com/silent/control");
  await trackerLoaded(control);
  assert.equal(await control.evaluate(() => navigator.webdriver), false);
  // Consent-free by default: without data-entry nothing is stored on the device (no cookie, no
  // local or session storage, no IndexedDB) and no `entry` is sent.
  const controlView = await until(() => sent.find((s) => s.browser === "control" && s.body?.name === "pageview"), "the control page view");
  assert.ok(!("entry" in controlView.body), `no entry without data-entry: ${JSON.stringify(controlView.body)}`);
  assert.deepEqual(await control.evaluate(async () => [document.cookie, localStorage.length, sessionStorage.length, (await indexedDB.databases()).length]),
    ["", 0, 0, 0], "nothing stored on the device");
  assert.deepEqual((await browser.cookies()).length, 0);

  // file://: the tracker loads and runs, and sends nothing.
  const local = await browser.newPage();
  await local.goto(pathToFileURL(join(SITE_DIR, "silent.html")).href);
  await trackerLoaded(local);
  await local.evaluate(() => hitflow("from_file", { n: 1 }));
  assert.equal(await local.evaluate(() => location.protocol), "file:");
  await local.close();

  // Automation: Playwright's default launch, navigator.webdriver is true.
  const robot = await launch("automated", { automated: true });
  const automated = await newPage(robot);
  await automated.goto("http://example.com/silent/automated");
  await trackerLoaded(automated);
  assert.equal(await automated.evaluate(() => navigator.webdriver), true);
  await automated.evaluate(() => hitflow("automated_call"));
  await robot.close();
  contexts = contexts.filter((c) => c !== robot);

  // Prerender: a real speculation-rules prerender in a Chromium without DevTools. The source page
  // navigates to the prerendered page itself once the test server has seen it run (see
  // site/pre-source.html), which activates it.
  const chrome = spawn(CHROMIUM, [
    ...CHROMIUM_ARGS, `--user-data-dir=${mkdtempSync(join(work, "profile-"))}`, `--host-resolver-rules=${await hostRules("prerender")}`,
    `--user-agent=${UA_PRERENDER}`, "http://example.com/pre-source",
  ], { stdio: "ignore" });
  try {
    await until(() => prerender.activatedAt, "the prerendered page to be activated", 30_000, 100);
    // Shown now: its page view and queued event go out (stop the browser only once they are stored).
    await until(async () => (await readHits(mf)).filter((r) => r.url_path === "/pre-target").length >= 2,
      "the activated page's hits", 30_000, 300);
  } finally {
    const exited = new Promise((r) => (chrome.exitCode !== null ? r() : chrome.once("exit", r)));
    chrome.kill();
    const timer = setTimeout(() => chrome.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
  assert.deepEqual(prerender.loaded, { prerendering: true, tracker: true, purpose: "prefetch;prerender" },
    "t.js ran inside a real prerendered page");
  assert.ok(siteLog.some(([, host, path, purpose]) => host === "example.com" && path === "/pre-target" && purpose === "prefetch;prerender"));

  // Closing the control tab is a real hide: pagehide sends its engagement beacon.
  await control.waitForTimeout(300);
  await control.close();

  // What reached the collector: the control page's pageview, its queued event and its engagement
  // beacon, the prerendered page's pageview and queued event, and nothing else.
  const rows = await storedRows(5, "the control and prerender hits");
  salt = Buffer.from(await (await (await mf.getR2Bucket("HITS_BUCKET")).get(`salts/${day()}`)).arrayBuffer());
  const summary = rows.map((r) => [r.url_path, r.event]).sort();
  assert.deepEqual(summary, [
    ["/pre-target", "pageview"], ["/pre-target", "prerender_probe"],
    ["/silent/control", "engagement"], ["/silent/control", "pageview"], ["/silent/control", "silent_probe"],
  ]);
  assert.ok(rows.find((r) => r.event === "engagement").engaged_ms > 0);
  assert.equal(rows.find((r) => r.url_path === "/silent/control" && r.event === "pageview").entry, null, "no entry flag without data-entry");
  for (const r of rows.filter((r) => r.url_path === "/pre-target")) {
    assert.equal(r.visitor_hex, idOf("prerender", UA_PRERENDER));
    // Nothing was sent while prerendered: every hit arrived after the page was shown.
    assert.ok(Number(r.ts_ms) >= prerender.navigatingAt, `${r.event} stored at ${r.ts_ms}, before activation (${prerender.navigatingAt})`);
  }
  const pre = rows.filter((r) => r.url_path === "/pre-target").sort((a, b) => Number(a.ts_ms) - Number(b.ts_ms));
  assert.deepEqual(JSON.parse(pre.find((r) => r.event === "prerender_probe").props), { queued: "while prerendering" });
  assert.equal(rows.find((r) => r.event === "silent_probe").visitor_hex, idOf("control"));
  assert.deepEqual(sent.filter((s) => s.browser === "automated" || String(s.body?.url).startsWith("file:")), [],
    "no request to the collector from the automated browser or from file://");
  assert.equal(sent.filter((s) => s.body?.name === "from_file" || s.body?.name === "automated_call").length, 0);
});

const LANDING_QUERY = "utm_source=Newsletter&utm_medium=Email&utm_campaign=spring_launch&utm_content=hero&email=jane%40example.net";
let visit; // { rows (the main visitor's, in order), pixel (row), timings }

test("a real visit: every hit stored as Chromium sent it", async () => {
  const browser = await launch("visitor");
  const page = await newPage(browser);
  const t = {};
  // 1. A newsletter archive links to the shop (referrer with a query, to be stripped).
  await page.goto("http://news.example.net/post/42?id=9");
  await page.click("#to-shop");
  await page.waitForURL(`http://example.com/landing?${LANDING_QUERY}`);
  await trackerLoaded(page);
  assert.equal(await page.evaluate(() => document.referrer), "http://news.example.net/post/42?id=9");
  // With data-entry (landing.html opts in): exactly one sessionStorage marker, nothing else.
  await until(() => sent.some((s) => s.browser === "visitor" && s.body?.name === "pageview"), "the landing page view");
  assert.deepEqual(await page.evaluate(() => [document.cookie, localStorage.length, Object.entries(sessionStorage)]),
    ["", 0, [["hitflow", "1"]]], "the opted-in marker only");
  // Read down to the middle of the article: the landing's beacon reports that depth.
  t.depth = await page.evaluate(() => {
    window.scrollTo(0, (document.body.scrollHeight - innerHeight) / 2);
    return Math.round(((scrollY + innerHeight) * 100) / document.body.scrollHeight);
  });
  assert.ok(t.depth > 40 && t.depth < 80, `half-way down is ${t.depth} %`);
  await page.waitForTimeout(DWELL_MS);
  // 2. SPA navigation (pushState), then back (popstate).
  await page.click("#spa-pricing");
  await page.waitForURL("http://example.com/app/pricing");
  await page.waitForTimeout(DWELL_MS);
  await page.evaluate(() => history.back());
  await page.waitForURL(/\/landing\?/);
  await page.waitForTimeout(DWELL_MS / 2);
  // 3. A download link, an outbound link (middle click: a background tab, the page stays), a purchase.
  const download = page.waitForEvent("download");
  await page.click("#download");
  assert.equal((await download).suggestedFilename(), "guide.pdf");
  const partnerTab = browser.waitForEvent("page");
  await page.click("#partner", { button: "middle" });
  await (await partnerTab).close();
  await page.click("#buy");
  t.lastInteraction = Date.now();
  assert.equal(await page.evaluate(() => document.visibilityState), "visible");
  await page.waitForTimeout(DWELL_MS);
  // 4. The visitor leaves: pagehide sends the engagement beacon of the last page.
  t.leave = Date.now();
  await page.goto("http://elsewhere.example.org/partner");
  await page.close();

  // 5. The no-JS page with the pixel, from another visitor over IPv6.
  const nojs = await newPage(await launch("pixel"));
  await nojs.goto("http://example.com/nojs?utm_source=facebook&utm_medium=social&utm_campaign=launch-post");
  await nojs.waitForFunction(() => document.getElementById("pixel").complete);
  assert.equal(await nojs.evaluate(() => document.getElementById("pixel").naturalWidth), 1, "the GIF decoded");
  await nojs.close();

  const rows = await storedRows(5 + 9 + 1, "the visit's 9 hits and the pixel");
  const mine = rows.filter((r) => r.visitor_hex === idOf("visitor")).sort((a, b) => Number(a.ts_ms) - Number(b.ts_ms));
  const pixel = rows.filter((r) => r.visitor_hex === idOf("pixel"));
  assert.equal(rows.length, 5 + 9 + 1, "nothing else is stored: " + rows.map((r) => `${r.event} ${r.url_path}`).join(", "));
  assert.equal(mine.length, 9);
  assert.equal(pixel.length, 1);

  // Order: steps are DWELL_MS apart; the two beacons of one step (an engagement closing a page and
  // the next page view) go out together and may arrive either way round.
  const steps = [
    [["pageview", "/landing"]],
    [["engagement", "/landing"], ["pageview", "/app/pricing"]],
    [["engagement", "/app/pricing"], ["pageview", "/landing"]],
    [["download", "/landing"], ["outbound", "/landing"], ["purchase", "/landing"]], // no dwell between them
    [["engagement", "/landing"]],
  ];
  let at = 0;
  for (const step of steps) {
    const got = mine.slice(at, at + step.length).map((r) => [r.event, r.url_path]);
    assert.deepEqual(got.sort(), [...step].sort(), `step ${JSON.stringify(step)}`);
    at += step.length;
  }

  // Every stored hit is what the tracker sent (captured from Chromium's own requests).
  // Playwright does not report the beacon sent from pagehide while the page navigates away (its
  // document is gone); the eight others are compared field by field, the last one below.
  const beacons = beaconsFor("/landing").concat(beaconsFor("/app/"));
  assert.deepEqual(beacons.map((b) => b.body.name).sort(),
    ["download", "engagement", "engagement", "outbound", "pageview", "pageview", "pageview", "purchase"], "the visit's POST /e as Chromium sent them");
  const unmatched = [...mine];
  for (const b of beacons) {
    const path = new URL(b.body.url).pathname;
    const at = unmatched.findIndex((r) => r.event === b.body.name && r.url_path === path &&
      (r.engaged_ms ?? undefined) === b.body.engaged_ms && (r.entry ?? undefined) === b.body.entry &&
      (r.scroll_depth ?? undefined) === b.body.scroll);
    assert.ok(at >= 0, `stored: ${JSON.stringify(b.body)}`);
    const [row] = unmatched.splice(at, 1);
    assert.equal(row.screen_width, b.body.screen_width);
    assert.deepEqual(row.props === null ? undefined : JSON.parse(row.props), b.body.props);
    assert.deepEqual([row.revenue ?? undefined, row.currency ?? undefined], [b.body.revenue?.amount, b.body.revenue?.currency]);
  }
  const landing = mine[0];
  assert.deepEqual(
    {
      site: landing.site, url_host: landing.url_host, referrer_host: landing.referrer_host, referrer_path: landing.referrer_path,
      utm_source: landing.utm_source, utm_medium: landing.utm_medium, utm_campaign: landing.utm_campaign,
      utm_content: landing.utm_content, utm_term: landing.utm_term, entry: landing.entry, screen_width: landing.screen_width,
      country: landing.country, city: landing.city, asn: landing.asn, as_org: landing.as_org, colo: landing.colo,
      device_type: landing.device_type, browser: landing.browser, browser_version: landing.browser_version, os: landing.os,
      is_bot: landing.is_bot, bot_reason: landing.bot_reason,
    },
    {
      site: "example.com", url_host: "example.com", referrer_host: "news.example.net", referrer_path: "/post/42",
      utm_source: "newsletter", utm_medium: "email", utm_campaign: "spring_launch",
      utm_content: "hero", utm_term: null, entry: true, screen_width: 1366,
      country: "AT", city: "Vienna", asn: 8447, as_org: "A1 Telekom Austria AG", colo: "VIE",
      device_type: "desktop", browser: "Chrome", browser_version: "156", os: "Linux",
      is_bot: false, bot_reason: null,
    },
  );
  for (const r of mine.slice(1)) {
    assert.equal(r.referrer_host, null, `${r.event} ${r.url_path}: only the first hit carries the referrer`);
    assert.equal(r.entry, null);
  }
  const pricing = mine.find((r) => r.url_path === "/app/pricing" && r.event === "pageview");
  assert.deepEqual([pricing.utm_source, pricing.utm_campaign], [null, null], "the SPA route has no query");
  const byEvent = (e) => mine.filter((r) => r.event === e);
  assert.deepEqual(JSON.parse(byEvent("download")[0].props), { url: "http://example.com/files/guide.pdf" });
  assert.deepEqual(JSON.parse(byEvent("outbound")[0].props), { url: "http://elsewhere.example.org/partner" }, "link query dropped by the tracker");
  const purchase = byEvent("purchase")[0];
  assert.deepEqual([JSON.parse(purchase.props), purchase.revenue, purchase.currency], [{ plan: "pro", order: "A-17" }, 49.5, "EUR"]);
  const engagements = byEvent("engagement");
  assert.equal(engagements.length, 3);
  for (const e of engagements) {
    assert.ok(e.engaged_ms >= DWELL_MS / 2 && e.engaged_ms < 60_000, `engaged_ms ${e.engaged_ms}`);
    assert.ok(e.scroll_depth >= 0 && e.scroll_depth <= 100, `scroll_depth ${e.scroll_depth}`);
  }
  // The first beacon closes the landing page read half-way (±1 for rounding and body margins).
  assert.ok(Math.abs(engagements[0].scroll_depth - t.depth) <= 1, `landing scroll ${engagements[0].scroll_depth}, read to ${t.depth}`);
  assert.ok(mine.filter((r) => r.event !== "engagement").every((r) => r.scroll_depth === null), "only beacons carry a depth");
  const final = mine[8];
  assert.equal(final.event, "engagement");
  assert.ok(final.engaged_ms >= DWELL_MS, `the last page was visible ≥ ${DWELL_MS} ms: ${final.engaged_ms}`);
  assert.ok(Number(final.ts_ms) >= t.leave, "the last beacon came when the page was left");
  for (const r of mine) {
    assert.ok(!JSON.stringify(r).includes("jane") && !JSON.stringify(r).includes("secret") && !JSON.stringify(r).includes("id=9"), "queries stripped");
  }

  const p = pixel[0];
  assert.deepEqual(
    [p.event, p.url_path, p.referrer_host, p.utm_source, p.utm_medium, p.utm_campaign, p.browser, p.is_bot, p.country, p.screen_width],
    ["pageview", "/nojs", null, "facebook", "social", "launch-post", "Chrome", false, "JP", null],
  );
  assert.equal(sent.filter((s) => s.url.startsWith("http://collector.test/p.gif")).length, 1);
  visit = { rows: mine, pixel: p, t };
});

test("the reporter: the visit is one session with its pages, duration, channel and conversion", async () => {
  assert.ok(visit, "needs the visit above");
  assert.ok(existsSync(REPORTER), `${REPORTER} is missing: cargo build -p hitflow-reporter --bin reporter`);
  const lake = join(work, "lake");
  const out = join(work, "out");
  const objects = await copyObjects(mf, lake, "hits/");
  assert.ok(objects.length > 0 && objects.every((o) => STORED_KEY.test(o.key)));
  const run = spawnSync(REPORTER, [
    "run", "--store", lake, "--from", day(-1), "--to", day(1), "--config", join(SITE_DIR, "hitflow.toml"), "--out", out, "--log", "warn",
  ], { encoding: "utf8", timeout: 120_000 });
  assert.equal(run.status, 0, `reporter run failed:\n${run.stderr}`);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  assert.equal(report.input.hits_read, 15);
  assert.deepEqual(report.input.bad_objects, []);
  const site = report.sites.find((s) => s.site === "example.com");
  assert.equal(site.totals.sessions, 4, "the visit, the pixel, the prerendered page, the control page");

  const sessions = JSON.parse(execFileSync("python3", ["-c", `
import duckdb, json, sys
cur = duckdb.connect().execute(
    'select *, visitor_id::varchar as visitor_text, epoch_ms(start) as start_ms, epoch_ms("end") as end_ms from read_parquet(?)',
    [sys.argv[1]])
cols = [d[0] for d in cur.description]
print(json.dumps([dict(zip(cols, r)) for r in cur.fetchall()], default=str))
`, join(out, "sessions.parquet")], { encoding: "utf8" }));
  assert.equal(sessions.length, 4);
  const mine = sessions.filter((s) => s.visitor_text === idOf("visitor"));
  assert.equal(mine.length, 1, "one session for the whole visit");
  const s = mine[0];
  const first = visit.rows[0];
  const last = visit.rows[8];
  assert.deepEqual(
    {
      site: s.site, landing_page: s.landing_page, exit_page: s.exit_page, pageviews: s.pageviews, hits: s.hits,
      channel: s.channel, source: s.source, medium: s.medium, campaign: s.campaign,
      device: s.device, browser: s.browser, os: s.os, country: s.country,
      is_bounce: s.is_bounce, is_engaged: s.is_engaged, converted: s.converted, revenue: s.revenue,
    },
    {
      site: "example.com", landing_page: "/landing", exit_page: "/landing", pageviews: 3, hits: 9,
      channel: "Email", source: "newsletter", medium: "email", campaign: "spring_launch",
      device: "desktop", browser: "Chrome", os: "Linux", country: "AT",
      is_bounce: false, is_engaged: true, converted: true, revenue: 49.5,
    },
  );
  assert.equal(Number(s.start_ms), Number(first.ts_ms), "starts at the landing page view");
  // Duration: to the end of the last page's visible time (its beacon), not just its last event.
  const lastEvent = Math.max(...visit.rows.filter((r) => r.event !== "engagement").map((r) => Number(r.ts_ms)));
  const expectedEnd = Number(last.ts_ms);
  assert.ok(Math.abs(Number(s.end_ms) - expectedEnd) <= 250, `end ${s.end_ms} vs last beacon ${expectedEnd}`);
  assert.ok(s.duration_s * 1000 >= lastEvent - Number(first.ts_ms) + DWELL_MS * 0.8,
    `duration ${s.duration_s}s includes the ${DWELL_MS} ms the last page stayed visible after the purchase`);
  assert.ok(Math.abs(s.duration_s * 1000 - (expectedEnd - Number(first.ts_ms))) <= 1000, `duration ${s.duration_s}s`);

  const visible = visit.rows.filter((r) => r.event === "engagement").reduce((sum, r) => sum + r.engaged_ms, 0);
  assert.ok(Math.abs(s.engaged_s * 1000 - visible) <= 50, `engaged ${s.engaged_s}s = the beacons' ${visible} ms`);

  const pixel = sessions.find((x) => x.visitor_text === idOf("pixel"));
  assert.deepEqual([pixel.landing_page, pixel.channel, pixel.pageviews, pixel.is_bounce], ["/nojs", "Organic Social", 1, true]);
  const pre = sessions.find((x) => x.visitor_text === idOf("prerender", UA_PRERENDER));
  assert.deepEqual([pre.landing_page, pre.channel, pre.pageviews], ["/pre-target", "Direct", 1]);

  const flow = site.user_flow.map((t) => [t.step, t.from, t.to, t.sessions]);
  assert.deepEqual(flow.filter(([step]) => step <= 2), [[1, "/landing", "/app/pricing", 1], [2, "/app/pricing", "/landing", 1]]);
  const goals = Object.fromEntries(site.goals.map((g) => [g.goal, [g.conversions, g.revenue_of_converting_sessions]]));
  // A goal carries the revenue of the sessions converting on it, per currency: the one session's 49.5 EUR.
  const eur = [{ currency: "EUR", amount: 49.5 }];
  assert.deepEqual(goals, { Purchase: [1, eur], "Saw pricing": [1, eur] });
  const funnel = site.funnels.find((f) => f.name === "Shop");
  assert.deepEqual(funnel.steps.map((x) => [x.step, x.sessions]), [["Landing", 1], ["Pricing", 1], ["Purchase", 1]]);
  const channels = Object.fromEntries(site.channels.map((c) => [c.channel, c.sessions]));
  assert.deepEqual(channels, { Email: 1, "Organic Social": 1, Direct: 2 });
  assert.deepEqual(site.landing_pages.map((l) => l.name).sort(), ["/landing", "/nojs", "/pre-target", "/silent/control"]);
});

test("after the browser run: no IP (v4, v6) or raw User-Agent in any stored object, raw or decoded", async () => {
  assert.ok(visit, "needs the visit above");
  const ips = Object.values(IP);
  const needles = [...ips, ...ips.map(ipBytes), "2001:0db8:85a3:0000:0000:8a2e:0370:7334", UA, UA_PRERENDER, "Chrome/156.0.0.0", "HeadlessChrome"];
  const { objects, leaks } = await scanStore(mf, needles);
  assert.ok(objects.filter((k) => k.startsWith("hits/")).length > 0);
  assert.deepEqual(leaks, []);
  const control = await scanStore(mf, ["spring_launch", "A1 Telekom Austria AG"]);
  assert.equal(control.leaks.filter((l) => l.endsWith("(decoded)")).length >= 2, true, "the scan sees stored values: " + control.leaks.join(" "));
});
