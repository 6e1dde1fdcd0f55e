// The hosted report site behind the collector: Basic auth and signed links, and nothing of the
// reports, the hits or the salts without them, whatever the path tricks.
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startWorker, rawHttp } from "./support.mjs";

const KEY = "test-signing-key";
const PAGE = "<html><body>REPORT-CONTENT example.com</body></html>";
let mf;
let bare;
let port; // mf's real HTTP port, for requests no client library normalises

before(async () => {
  mf = startWorker({ REPORTS_PASSWORD: "s3cret", REPORTS_SIGNING_KEY: KEY }, { host: "127.0.0.1", port: 0 });
  bare = startWorker();
  const [url] = await Promise.all([mf.ready, bare.ready]);
  port = Number(url.port);
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  await bucket.put("reports/index.html", PAGE);
  await bucket.put("reports/periods/2026-11-01_2026-11-07/index.html", PAGE);
  await bucket.put("reports/periods/2026-11-08_2026-11-14/index.html", PAGE);
  await bucket.put("reports/periods/2026-11-01_2026-11-07x/index.html", PAGE);
  await bucket.put("reports/.manifest.json", "{}");
  await bucket.put("hits/date=2026-11-01/hour=00/a.parquet", "HIT-BYTES");
  await bucket.put("salts/2026-11-01", "SALT-BYTES-16...");
});
after(async () => {
  await mf?.dispose();
  await bare?.dispose();
});

const basic = (user, pass) => "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
const get = (path, headers = {}) => mf.dispatchFetch(`http://collector.test${path}`, { headers });
function link(scope, exp, key = KEY) {
  const sig = createHmac("sha256", key).update(`hitflow-report-link\n${exp}\n${scope}`).digest("hex");
  return `exp=${exp}&scope=${scope}&sig=${sig}`;
}
const soon = () => Math.floor(Date.now() / 1000) + 3600;
const past = () => Math.floor(Date.now() / 1000) - 10;
const WEEK = "/reports/periods/2026-11-01_2026-11-07/";
/** The cookie a valid link would set, built by hand (exp.scope-with-!.sig). */
function cookieFor(scope, exp, key = KEY) {
  const sig = createHmac("sha256", key).update(`hitflow-report-link\n${exp}\n${scope}`).digest("hex");
  return `hitflow_report=${exp}.${scope.replaceAll("/", "!")}.${sig}`;
}

async function assertNothingLeaks(res, name) {
  const text = await res.text();
  for (const secret of ["REPORT-CONTENT", "HIT-BYTES", "SALT-BYTES", "example.com", "2026-11-01"]) {
    assert.ok(!text.includes(secret), `${name}: leaked ${secret}`);
  }
}

test("without valid credentials: 401 and not a byte of a report", async () => {
  const cases = [
    ["no credentials", get("/reports/")],
    ["no credentials, deep path", get("/reports/periods/2026-11-01_2026-11-07/index.html")],
    ["no credentials, missing page", get("/reports/periods/nope/index.html")],
    ["wrong password", get("/reports/", { Authorization: basic("report", "guess") })],
    ["wrong user", get("/reports/", { Authorization: basic("admin", "s3cret") })],
    ["not basic", get("/reports/", { Authorization: "Bearer s3cret" })],
    ["forged signature", get(`/reports/?exp=${soon()}&scope=/reports/&sig=${"0".repeat(64)}`)],
    ["link signed with another key", get(`/reports/?${link("/reports/", soon(), "other-key")}`)],
    ["expired link", get(`/reports/?${link("/reports/", Math.floor(Date.now() / 1000) - 10)}`)],
    ["link for another scope", get(`/reports/index.html?${link("/reports/periods/", soon())}`)],
    ["scope widened after signing", get(`/reports/index.html?${link("/reports/periods/", soon()).replace("scope=/reports/periods/", "scope=/reports/")}`)],
    ["forged cookie", get("/reports/", { Cookie: `hitflow_report=${soon()}.!reports!.${"a".repeat(64)}` })],
    ["empty password", get("/reports/", { Authorization: basic("report", "") })],
    ["password with a suffix", get("/reports/", { Authorization: basic("report", "s3cretX") })],
    ["password prefix", get("/reports/", { Authorization: basic("report", "s3cre") })],
    ["Basic without a colon", get("/reports/", { Authorization: "Basic " + Buffer.from("reports3cret").toString("base64") })],
    ["signature truncated", get(`/reports/?${link("/reports/", soon()).slice(0, -2)}`)],
    ["expiry extended after signing", get(`/reports/?${link("/reports/", soon()).replace(/exp=\d+/, `exp=${soon() + 86400}`)}`)],
    ["link signed for another folder (sibling period)", get(`/reports/periods/2026-11-08_2026-11-14/index.html?${link(WEEK, soon())}`)],
    ["link for a folder whose name is a prefix", get(`/reports/periods/2026-11-01_2026-11-07x/index.html?${link(WEEK, soon())}`)],
    ["link scope without a trailing slash", get(`/reports/periods/2026-11-01_2026-11-07x/index.html?${link("/reports/periods/2026-11-01_2026-11-07", soon())}`)],
    ["link scope with a dot-dot", get(`/reports/index.html?${link("/reports/periods/../", soon())}`)],
    ["link scope outside /reports/", get(`/reports/index.html?${link("/", soon())}`)],
    ["expired cookie", get("/reports/", { Cookie: cookieFor("/reports/", past()) })],
    ["cookie for another folder", get("/reports/periods/2026-11-08_2026-11-14/", { Cookie: cookieFor(WEEK, soon()) })],
    ["cookie signed with another key", get("/reports/", { Cookie: cookieFor("/reports/", soon(), "other-key") })],
    ["HEAD without credentials", mf.dispatchFetch("http://collector.test/reports/", { method: "HEAD" })],
  ];
  const bodies = new Set();
  for (const [name, pending] of cases) {
    const res = await pending;
    assert.equal(res.status, 401, name);
    assert.equal(res.headers.get("set-cookie"), null, `${name}: no cookie`);
    const text = await res.clone().text();
    if (text) bodies.add(text);
    await assertNothingLeaks(res, name);
  }
  assert.equal(bodies.size, 1, "every refusal is the same 401, whatever exists behind it");
});

test("Basic auth and signed links open the reports", async () => {
  const auth = { Authorization: basic("report", "s3cret") };
  const index = await get("/reports/", auth);
  assert.equal(index.status, 200);
  assert.equal(await index.text(), PAGE);
  assert.match(index.headers.get("content-type"), /text\/html/);
  assert.match(index.headers.get("content-security-policy"), /default-src 'none'/);

  const signed = await get(`/reports/periods/2026-11-01_2026-11-07/index.html?${link("/reports/periods/", soon())}`);
  assert.equal(signed.status, 200);
  const cookie = signed.headers.get("set-cookie");
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /Path=\/reports\//);
  const followUp = await get("/reports/periods/2026-11-01_2026-11-07/", { Cookie: cookie.split(";")[0] });
  assert.equal(followUp.status, 200, "the cookie carries the link to the site's own pages");
  const outside = await get("/reports/index.html", { Cookie: cookie.split(";")[0] });
  assert.equal(outside.status, 401, "the cookie keeps the link's scope");
});

test("/reports without the slash redirects to /reports/ (the index's relative links need it), before any credential check", async () => {
  const cases = [
    ["no credentials", "/reports", {}, "/reports/"],
    ["with Basic auth", "/reports", { Authorization: basic("report", "s3cret") }, "/reports/"],
    ["a signed link keeps its query", `/reports?${link("/reports/", 1900000000)}`, {}, `/reports/?${link("/reports/", 1900000000)}`],
  ];
  for (const [name, path, headers, location] of cases) {
    const res = await mf.dispatchFetch(`http://collector.test${path}`, { headers, redirect: "manual" });
    assert.equal(res.status, 301, name);
    assert.equal(res.headers.get("location"), location, name);
    await assertNothingLeaks(res, name);
  }
  // Followed with credentials, it ends on the index; with no secret set there is nothing to redirect to.
  const followed = await mf.dispatchFetch("http://collector.test/reports", { headers: { Authorization: basic("report", "s3cret") } });
  assert.equal(followed.status, 200);
  assert.equal(await followed.text(), PAGE);
  const none = await bare.dispatchFetch("http://collector.test/reports", { redirect: "manual" });
  assert.equal(none.status, 404);
});

test("a hand-built cookie in the Worker's format opens its folder (so the forged ones above are real tries)", async () => {
  const ok = await get(`${WEEK}index.html`, { Cookie: cookieFor(WEEK, soon()) });
  assert.equal(ok.status, 200, "the hand-built cookie has the Worker's format");
  assert.equal(await ok.text(), PAGE);
});

// Tricks sent as raw request lines, so neither undici nor the URL parser of this process cleans
// them first. Each is tried without credentials, with Basic auth and with a link valid for all of
// /reports/; none may answer anything but 401/404 or show a byte of a report, a hit or a salt.
const RAW_TRICKS = [
  "/reports/../hits/date=2026-11-01/hour=00/a.parquet",
  "/reports/./../salts/2026-11-01",
  "/reports/%2e%2e/hits/date=2026-11-01/hour=00/a.parquet",
  "/reports/%2E%2E/salts/2026-11-01",
  "/reports/.%2e/salts/2026-11-01",
  "/reports/%2e%2e%2fsalts%2f2026-11-01",
  "/reports/..%2Fhits%2Fdate=2026-11-01%2Fhour=00%2Fa.parquet",
  "/reports/%2Fsalts%2F2026-11-01",
  "/reports/%252e%252e/hits/date=2026-11-01/hour=00/a.parquet",
  "/reports/%252e%252e%252fsalts%252f2026-11-01",
  "/reports/..%252Fsalts%252F2026-11-01",
  "/reports/..\\hits\\date=2026-11-01\\hour=00\\a.parquet",
  "/reports\\..\\salts\\2026-11-01",
  "/reports/..%5Csalts%5C2026-11-01",
  "/reports/%5C..%5Csalts%5C2026-11-01",
  "/reports//salts/2026-11-01",
  "//reports/../salts/2026-11-01",
  "/reports/;/../salts/2026-11-01",
  "/reports/index.html%00.parquet",
  "/reports/.manifest.json",
  "/reports/%2emanifest.json",
  "/REPORTS/index.html",
  "/hits/date=2026-11-01/hour=00/a.parquet",
  "/salts/2026-11-01",
  "/%68its/date=2026-11-01/hour=00/a.parquet",
];

async function rawGet(target, headers = "") {
  return rawHttp(port, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: collector.test\r\nConnection: close\r\n${headers}\r\n`, "latin1"));
}

test("path tricks as raw requests: 401/404 with or without credentials, never a byte behind them", async () => {
  const auth = `Authorization: ${basic("report", "s3cret")}\r\n`;
  const signed = link("/reports/", soon());
  for (const trick of RAW_TRICKS) {
    const sep = trick.includes("?") ? "&" : "?";
    for (const [how, target, headers] of [
      ["no credentials", trick, ""],
      ["Basic auth", trick, auth],
      ["signed link", `${trick}${sep}${signed}`, ""],
    ]) {
      const res = await rawGet(target, headers);
      const name = `${how} ${trick}`;
      assert.ok([401, 404].includes(res.status), `${name}: ${res.status}`);
      if (how !== "no credentials") assert.equal(res.status, 404, name);
      const text = res.body.toString("latin1");
      for (const secret of ["REPORT-CONTENT", "HIT-BYTES", "SALT-BYTES", "{}"]) {
        assert.ok(!text.includes(secret), `${name}: leaked ${secret}`);
      }
    }
  }
  // A sanity check of the raw client: the same request line with credentials does open a report.
  const index = await rawGet("/reports/index.html", auth);
  assert.equal(index.status, 200);
  assert.equal(index.body.toString(), PAGE);
});

test("path tricks get 404 even with credentials, and never reach hits or salts", async () => {
  const auth = { Authorization: basic("report", "s3cret") };
  for (const path of [
    "/reports/../hits/date=2026-11-01/hour=00/a.parquet",
    "/reports/%2e%2e/hits/date=2026-11-01/hour=00/a.parquet",
    "/reports/..%2Fhits%2Fdate=2026-11-01%2Fhour=00%2Fa.parquet",
    "/reports/%2Fsalts%2F2026-11-01",
    "/reports/..%5Csalts%5C2026-11-01",
    "/reports//salts/2026-11-01",
    "/reports/.manifest.json",
    "/hits/date=2026-11-01/hour=00/a.parquet",
    "/salts/2026-11-01",
  ]) {
    const res = await get(path, auth);
    assert.equal(res.status, 404, path);
    await assertNothingLeaks(res, path);
  }
});

test("without configured secrets the report site does not exist", async () => {
  const res = await bare.dispatchFetch("http://collector.test/reports/", { headers: { Authorization: basic("report", "") } });
  assert.equal(res.status, 404);
});
