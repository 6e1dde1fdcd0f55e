// The public User-Agent corpora (collector/tests/corpus/) through the real Worker in workerd: a
// sample of every bot, browser and device corpus is sent as real hits, one per User-Agent (with
// the row's client hints), and the device class and bot reason read back from the stored Parquet
// must equal what the same Rust code gives natively (examples/score_ua.rs --verdicts), which
// tests/ua_corpus.rs and scripts/score-ua.sh score on the whole corpora.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, BERLIN, startWorker, waitForRows } from "./support.mjs";

const CORPUS = join(ROOT, "collector/tests/corpus");
/** Rows per corpus file: every n-th record, so the sample spans each file. */
const PER_FILE = 60;

/** `{ source, ua, hints }` records of a corpus folder, sampled evenly. Only UAs a fetch header
 *  can carry (printable ASCII) are sent. */
function sample(folder) {
  const out = [];
  for (const file of readdirSync(join(CORPUS, folder)).sort()) {
    const rows = readFileSync(join(CORPUS, folder, file), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => (folder === "devices" ? l.split("\t").slice(1) : [l, ""]))
      .filter(([ua]) => /^[\x20-\x7e]+$/.test(ua) && ua.trim() === ua);
    const step = Math.max(1, Math.floor(rows.length / PER_FILE));
    for (let i = 0; i < rows.length && out.length < 10_000; i += step) {
      out.push({ source: `${folder}/${file}`, ua: rows[i][0], hints: rows[i][1] || "" });
    }
  }
  return out;
}

test("the Worker stores the device class and bot reason the native code gives, on every corpus", async () => {
  const records = ["bots", "humans", "devices"].flatMap(sample);
  const input = records.map((r) => `${r.ua}\t${r.hints}`).join("\n") + "\n";
  const native = execFileSync("cargo", ["run", "--quiet", "-p", "hitflow-collector", "--example", "score_ua", "--", "--verdicts"], {
    cwd: ROOT, input, encoding: "utf8", maxBuffer: 1 << 26,
  }).split("\n").slice(0, -1).map((l) => l.split("\t"));
  assert.equal(native.length, records.length);

  const mf = startWorker();
  try {
    for (const [i, r] of records.entries()) {
      const hints = r.hints ? JSON.parse(r.hints) : {};
      const res = await mf.dispatchFetch("http://collector.test/e", {
        method: "POST",
        body: JSON.stringify({ site: "example.com", url: `https://example.com/ua/${i}` }),
        headers: { "Content-Type": "text/plain", "User-Agent": r.ua, "CF-Connecting-IP": "203.0.113.9", "Accept-Language": "en-US,en;q=0.9", ...hints },
        cf: BERLIN,
      });
      assert.equal(res.status, 202, `${r.source}: ${r.ua}`);
      await res.arrayBuffer();
    }
    const rows = await waitForRows(mf, records.length, 120_000);
    const stored = new Map(rows.map((row) => [Number(row.url_path.split("/").pop()), row]));
    const differ = [];
    const tally = {};
    for (const [i, r] of records.entries()) {
      const row = stored.get(i);
      const [deviceType, reason] = native[i];
      const got = [row.device_type, row.bot_reason ?? ""];
      if (got[0] !== deviceType || got[1] !== reason) differ.push(`${r.source}: worker ${got} native ${[deviceType, reason]}: ${r.ua}`);
      const t = (tally[r.source] ??= { rows: 0, bots: 0 });
      t.rows += 1;
      t.bots += row.is_bot ? 1 : 0;
    }
    for (const [source, t] of Object.entries(tally)) console.log(`${source}: ${t.rows} hits, ${t.bots} stored as bots`);
    assert.deepEqual(differ, []);
  } finally {
    await mf.dispose();
  }
});
