// The hosted report site behind the collector: Basic auth and signed links, and nothing of the
// reports, the hits or the salts without them, whatever the path tricks.
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startWorker } from "./support.mjs";

const KEY = "test-signing-key";
const PAGE = "<html><body>REPORT-CONTENT example.com</body></html>";
let mf;
let bare;

before(async () => {
  mf = startWorker({ REPORTS_PASSWORD: "s3cret", REPORTS_SIGNING_KEY: KEY });
  bare = startWorker();
  await Promise.all([mf.ready, bare.ready]);
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  await bucket.put("reports/index.html", PAGE);
  await bucket.put("reports/periods/2026-11-01_2026-11-07/index.html", PAGE);
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
  ];
  for (const [name, pending] of cases) {
    const res = await pending;
    assert.equal(res.status, 401, name);
    await assertNothingLeaks(res, name);
  }
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
