// Visitor ids and daily salts against the real Worker in workerd, on persisted local R2 so two
// runtimes can share one bucket: an id is the documented keyed hash of the day's salt (recomputed
// here), stable within the day; the next day's salt gives unlinkable ids, and once a day's salt is
// deleted no endpoint and no stored byte gives it back.
//
// workerd's clock cannot be moved, so "the next day" is simulated the way storage sees it: day 1's
// salt is relabelled as yesterday's (salts/<yesterday>) and today's key is empty. A new runtime
// (no salt cached in an isolate) then goes through the real day-change path: its first hit creates
// a fresh salt and deletes every earlier one (salt_store.rs), as the first hit after midnight does.
import test, { after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startWorker, post, readHits, listAll, scanStore, rawHttp, visitorId, until, STORED_KEY,
  CHROME_WIN, FIREFOX_LINUX,
} from "./support.mjs";

const PERSIST = mkdtempSync(join(tmpdir(), "hitflow-privacy-"));
const SECRETS = { REPORTS_PASSWORD: "s3cret", REPORTS_SIGNING_KEY: "test-signing-key" };
const day = (offset = 0) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const A = { ip: "203.0.113.44", ua: CHROME_WIN };
const B = { ip: "2001:db8:1::44", ua: CHROME_WIN };
const C = { ip: "203.0.113.44", ua: FIREFOX_LINUX };
let mf;
const DAY1_SALT = randomBytes(16);
let day2Salt;

const send = async (path, who, site = "example.com") => {
  const res = await post(mf, { site, url: `https://${site}${path}` }, { ip: who.ip, ua: who.ua });
  assert.equal(res.status, 202, await res.text());
};
const rowsAt = async (count) => until(async () => {
  const rows = await readHits(mf);
  return rows.length >= count && rows;
}, `${count} stored hits`);
const start = async () => {
  // A test that failed midway left its runtime running: stop it, or the process never exits.
  await mf?.dispose();
  mf = startWorker(SECRETS, { r2Persist: PERSIST, host: "127.0.0.1", port: 0 });
  return Number((await mf.ready).port);
};

after(async () => {
  await mf?.dispose();
  rmSync(PERSIST, { recursive: true, force: true });
});

let day1Ids;
test("day 1: the id is SipHash-2-4 of (site, IP, User-Agent) under the day's salt, stable all day", async () => {
  await start();
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  // The day's salt, chosen here so the ids can be recomputed (the Worker reads it like its own).
  await bucket.put(`salts/${day()}`, new Uint8Array(DAY1_SALT));
  for (const path of ["/a", "/b", "/c"]) await send(path, A);
  await send("/v6", B);
  await send("/other-browser", C);
  await send("/cart", A, "shop.example.org");
  const rows = await rowsAt(6);
  const id = (path) => rows.find((r) => r.url_path === path).visitor_hex;
  const aIds = new Set(["/a", "/b", "/c"].map(id));
  assert.equal(aIds.size, 1, "one visitor, one id all day");
  assert.equal(id("/a"), visitorId(DAY1_SALT, "example.com", A.ip, A.ua), "the documented hash, recomputed");
  assert.equal(id("/v6"), visitorId(DAY1_SALT, "example.com", B.ip, B.ua));
  assert.equal(id("/other-browser"), visitorId(DAY1_SALT, "example.com", C.ip, C.ua));
  assert.equal(id("/cart"), visitorId(DAY1_SALT, "shop.example.org", A.ip, A.ua));
  assert.equal(new Set(rows.map((r) => r.visitor_hex)).size, 4, "IP, User-Agent and site each change the id");
  day1Ids = { a: id("/a"), b: id("/v6") };
  await mf.dispose();
  mf = undefined;
});

test("day 2: a fresh salt, unlinkable ids, and day 1's salt deleted by the first hit", async () => {
  // Simulated midnight (see the top of the file): day 1's salt becomes yesterday's.
  await start();
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  await bucket.put(`salts/${day(-1)}`, new Uint8Array(DAY1_SALT));
  await bucket.delete(`salts/${day()}`);
  const before = (await readHits(mf)).length;
  for (const path of ["/day2/a", "/day2/b"]) await send(path, A);
  await send("/day2/v6", B);
  const rows = (await rowsAt(before + 3)).filter((r) => r.url_path.startsWith("/day2/"));
  const salts = (await listAll(bucket, "salts/")).map((o) => o.key);
  assert.deepEqual(salts, [`salts/${day()}`], "only the new day's salt exists: yesterday's is gone");
  day2Salt = Buffer.from(await (await bucket.get(`salts/${day()}`)).arrayBuffer());
  assert.equal(day2Salt.length, 16);
  assert.ok(!day2Salt.equals(DAY1_SALT), "a new random salt");
  const id = (path) => rows.find((r) => r.url_path === path).visitor_hex;
  assert.equal(id("/day2/a"), id("/day2/b"), "stable within the new day");
  assert.equal(id("/day2/a"), visitorId(day2Salt, "example.com", A.ip, A.ua));
  assert.notEqual(id("/day2/a"), day1Ids.a, "the same person gets an unrelated id on day 2");
  assert.notEqual(id("/day2/v6"), day1Ids.b);
  // Without day 1's salt, day 1's ids cannot be recomputed from what is left.
  assert.notEqual(visitorId(day2Salt, "example.com", A.ip, A.ua), day1Ids.a);
  assert.notEqual(visitorId(Buffer.alloc(16), "example.com", A.ip, A.ua), day1Ids.a);
  for (const key of (await listAll(bucket, "")).map((o) => o.key)) assert.match(key, STORED_KEY);
});

const SALT_PATHS = (d) => [
  `/salts/${d}`, `/salts/`, `/salts`, `/%73alts/${d}`, `/salts%2F${d}`,
  `/reports/salts/${d}`, `/reports/../salts/${d}`, `/reports/%2e%2e/salts/${d}`, `/reports/..%2Fsalts%2F${d}`,
  `/reports/%2e%2e%2fsalts%2f${d}`, `/reports/%252e%252e/salts/${d}`, `/reports/..\\salts\\${d}`, `/reports/..%5Csalts%5C${d}`,
  `/reports//salts/${d}`, `/p.gif?site=example.com&url=https%3A%2F%2Fexample.com%2Fsalts%2F${d}`, `/t.js?salts/${d}`, `/health`,
  `/e?key=salts/${d}`,
];

test("a deleted day's salt: not in any stored object, not on disk, not through any endpoint", async () => {
  // Stored objects, raw and decoded, in every form a 16-byte secret could take (bytes, hex, Base64).
  const { objects, leaks } = await scanStore(mf, [DAY1_SALT]);
  assert.ok(objects.length > 0);
  assert.deepEqual(leaks, []);
  // The local R2's own files (blobs and SQLite metadata) no longer hold it either.
  const files = [];
  const walk = (dir) => readdirSync(dir).forEach((name) => {
    const p = join(dir, name);
    statSync(p).isDirectory() ? walk(p) : files.push(p);
  });
  walk(PERSIST);
  assert.ok(files.length > 0);
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const form of [DAY1_SALT, Buffer.from(DAY1_SALT.toString("hex")), Buffer.from(DAY1_SALT.toString("base64"))]) {
      assert.ok(!bytes.includes(form), `${file} holds day 1's salt`);
    }
  }
  // Every endpoint, with and without report credentials, as raw request lines: neither day 1's
  // salt nor today's live one comes back.
  const port = Number((await mf.ready).port);
  const auth = "Authorization: Basic " + Buffer.from("report:s3cret").toString("base64") + "\r\n";
  for (const d of [day(-1), day()]) {
    for (const path of SALT_PATHS(d)) {
      for (const [how, headers] of [["no credentials", ""], ["Basic auth", auth]]) {
        for (const methodName of ["GET", "HEAD"]) {
          const res = await rawHttp(port, Buffer.from(`${methodName} ${path} HTTP/1.1\r\nHost: collector.test\r\nConnection: close\r\n${headers}\r\n`, "latin1"));
          const name = `${methodName} ${path} (${how})`;
          assert.ok(res.status < 500, `${name}: ${res.status}`);
          if (path.includes("salts") && !path.startsWith("/p.gif") && !path.startsWith("/t.js")) {
            assert.ok([401, 404, 405].includes(res.status), `${name}: ${res.status}`);
          }
          for (const salt of [DAY1_SALT, day2Salt]) {
            for (const form of [salt, Buffer.from(salt.toString("hex")), Buffer.from(salt.toString("base64"))]) {
              assert.ok(!res.body.includes(form), `${name} returned a salt`);
            }
          }
        }
      }
    }
  }
});
