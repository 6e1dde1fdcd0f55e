// Cold start of the collector's enrichment (prints figures; asserts nothing): the first hit a
// fresh workerd isolate handles builds the bot-list search and the device-model search; later
// hits reuse them. Each round starts a new runtime on a local R2 folder where the day's salt
// already exists (so the first hit does no salt creation) and times, from outside, the first
// POST /e against the median of the 20 that follow.
//   node scripts/bench/first_hit.mjs [rounds]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, post } from "../../collector/tests/support.mjs";

const rounds = Number(process.argv[2] ?? 5);
const persist = mkdtempSync(join(tmpdir(), "hitflow-first-hit-"));
const hit = (i) => ({ site: "example.com", url: `https://example.com/p/${i}` });

async function timed(mf, i) {
  const started = process.hrtime.bigint();
  const res = await post(mf, hit(i));
  await res.arrayBuffer();
  if (res.status !== 202) throw new Error(`status ${res.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

try {
  // The day's salt, created once, outside the measured rounds.
  const warm = startWorker({}, { r2Persist: persist });
  await timed(warm, 0);
  await warm.dispose();
  const firsts = [];
  const steadies = [];
  for (let r = 0; r < rounds; r++) {
    const mf = startWorker({}, { r2Persist: persist });
    (await mf.dispatchFetch("http://collector.test/health")).arrayBuffer(); // module instantiated
    const first = await timed(mf, 1);
    const rest = [];
    for (let i = 0; i < 20; i++) rest.push(await timed(mf, i + 2));
    rest.sort((a, b) => a - b);
    const steady = rest[rest.length >> 1];
    firsts.push(first);
    steadies.push(steady);
    console.log(`  round ${r + 1}: first hit ${first.toFixed(1)} ms, then median ${steady.toFixed(1)} ms`);
    await mf.dispose();
  }
  const extra = firsts.map((f, i) => f - steadies[i]).sort((a, b) => a - b);
  console.log(`  first hit of an isolate costs ${extra[0].toFixed(1)}–${extra[extra.length - 1].toFixed(1)} ms more than later hits (${rounds} rounds)`);
} finally {
  rmSync(persist, { recursive: true, force: true });
}
