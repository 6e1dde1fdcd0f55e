// Load, faults and kills against the real collector Worker in workerd (Miniflare, a real HTTP
// port, local R2 + Queues), with a unique marker (`props.m`) in every hit. After each run the
// stored Parquet is read back object by object and every acknowledged (2xx) marker must be in it
// exactly once. Figures (hits/s, p50/p99, lost/duplicated) are printed for BENCHMARKS.md.
// Run: node --test collector/tests/load.mjs (about 2 minutes; its own step in scripts/test.sh, and
// not named *.test.mjs so that a quick `node --test collector/tests/` leaves it out).
//
// Faults come only from test configuration: Miniflare `wrappedBindings` put collector/tests/
// faults.worker.js in front of HITS_BUCKET / HITS_QUEUE; the production Worker is unchanged.
//
// The local Queue broker keeps messages in memory only (miniflare's QueueBrokerObject), so a
// killed runtime loses what was queued but not yet consumed, where production Queues keep it. The
// kill tests therefore journal every accepted send outside the runtime (faults.worker.js writes it
// to this process after `send` resolved), prove that every acknowledged hit is in that journal,
// and after the restart redeliver what the journal holds but R2 does not — the part a durable
// queue would redeliver — then require every acknowledged hit stored exactly once.
import test, { after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { statSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Miniflare, Response, Log, LogLevel } from "miniflare";
import { ROOT, BERLIN, CHROME_WIN, SITES } from "./support.mjs";
import { runLoad, summarize } from "./loadgen.mjs";

const TMP = mkdtempSync(join(tmpdir(), "hitflow-load-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

// The Worker as built when this file started (another build may replace collector/build/ meanwhile;
// a restart must run the same code).
const BUILD = join(TMP, "build");
cpSync(join(ROOT, "collector/build"), BUILD, { recursive: true });
const FAULTS_JS = join(ROOT, "collector/tests/faults.worker.js");

const HEADERS = { "User-Agent": CHROME_WIN, "Accept-Language": "de-DE,de;q=0.9", "CF-Connecting-IP": "203.0.113.50" };
const hitBody = (n) => JSON.stringify({ site: "example.com", url: `https://example.com/load/${n}`, props: { m: String(n) } });
const isAck = (status) => status >= 200 && status < 300;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What the test tells faults.worker.js, and what it hears back. */
class Control {
  // The plan for the i-th hits/ put (from 0): { fail: "before" | "after", trickleMs }.
  decide = () => ({});
  putsAsked = [];
  putsStored = [];
  putsFailed = 0;
  failedAt = [];
  failedKeys = [];
  journal = new Map(); // marker → queue message (journalEntry in faults.worker.js), for every send that resolved
  failSends = () => false; // with startCollector({ queueFaults: true }): does this send fail?
  sendsFailed = 0;
  handler = async (request) => {
    const path = new URL(request.url).pathname;
    const text = await request.text();
    if (path === "/r2/put") {
      const plan = this.decide(this.putsAsked.length);
      if (plan.fail) {
        this.putsFailed++;
        this.failedAt.push(Date.now());
        this.failedKeys.push(text);
      }
      this.putsAsked.push({ key: text, plan, at: Date.now() });
      return Response.json(plan);
    }
    if (path === "/queue/send") {
      const fail = this.failSends();
      if (fail) this.sendsFailed++;
      return Response.json({ fail });
    }
    if (path === "/r2/stored") {
      this.putsStored.push({ key: text, at: Date.now() });
    } else if (path === "/queue/sent") {
      for (const entry of JSON.parse(text)) this.journal.set(markerOf(entry), entry);
    }
    return new Response("ok");
  };
  inFlightPuts() {
    const stored = new Set(this.putsStored.map((p) => p.key));
    return this.putsAsked.filter((p) => !p.plan.fail && !stored.has(p.key));
  }
}

// The marker, found in the message whatever its encoding (JSON text, or a binary record holding
// the props JSON as UTF-8): `{"m":"123"}`, its quotes escaped when nested in JSON text.
function markerOf(entry) {
  const raw = entry.base64 !== undefined ? Buffer.from(entry.base64, "base64").toString("latin1") : (entry.text ?? entry.json);
  const m = /\\?"m\\?":\\?"(\d+)\\?"/.exec(raw);
  assert.ok(m, `a marker in the queue message ${raw.slice(0, 200)}`);
  return m[1];
}

/** A journaled message as `sendBatch` takes it again. */
function redelivery(entry) {
  if (entry.base64 !== undefined) return { body: new Uint8Array(Buffer.from(entry.base64, "base64")), contentType: entry.contentType };
  if (entry.json !== undefined) return { body: JSON.parse(entry.json), contentType: entry.contentType };
  return { body: entry.text, contentType: entry.contentType };
}

/**
 * The collector on a real loopback port. `wrap`: put faults.worker.js in front of HITS_BUCKET
 * and HITS_QUEUE, driven by `control` (`queueFaults`: sends may fail too). `persist`: R2 folder
 * kept across restarts.
 */
async function startCollector({ wrap = false, control, persist, queueFaults = false } = {}) {
  const lines = [];
  const collector = {
    name: "collector",
    modules: true,
    scriptPath: join(BUILD, "index.js"),
    modulesRoot: BUILD,
    modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
    bindings: { ALLOWED_SITES: SITES },
    // Production's retry count and dead-letter queue; a short batch timeout drains quickly.
    queueConsumers: { "hitflow-hits": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "hitflow-hits-dlq" } },
  };
  const workers = [collector];
  if (wrap) {
    collector.wrappedBindings = { HITS_BUCKET: { scriptName: "faults" }, HITS_QUEUE: { scriptName: "faults", entrypoint: "queue" } };
    workers.push({
      name: "faults",
      modules: [{ type: "ESModule", path: FAULTS_JS, contents: readFileSync(FAULTS_JS, "utf8") }],
      r2Buckets: { REAL_BUCKET: "HITS_BUCKET" },
      queueProducers: { REAL_QUEUE: "hitflow-hits" },
      serviceBindings: { CONTROL: control.handler },
      bindings: { QUEUE_FAULTS: queueFaults },
    });
  } else {
    collector.r2Buckets = ["HITS_BUCKET"];
    collector.queueProducers = { HITS_QUEUE: "hitflow-hits" };
  }
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: BERLIN,
    log: new Log(LogLevel.WARN),
    logRequests: false,
    ...(persist ? { r2Persist: persist } : {}),
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) createInterface({ input: stream }).on("line", (l) => lines.push(l));
    },
    workers,
  });
  let url;
  try {
    url = await mf.ready;
  } catch (err) {
    await mf.dispose().catch(() => {});
    throw new Error(`${err.message}\n${lines.join("\n")}`);
  }
  const bucket = wrap ? () => mf.getR2Bucket("REAL_BUCKET", "faults") : () => mf.getR2Bucket("HITS_BUCKET");
  return { mf, url, lines, bucket };
}

/** Rows the consumer reports stored ("stored N hits in KEY"; a key written again counts once). */
function rowsLogged(lines) {
  const byKey = new Map();
  for (const line of lines) {
    const m = /stored (\d+) hits in (\S+)/.exec(line);
    if (m) byKey.set(m[2], Number(m[1]));
  }
  return [...byKey.values()].reduce((a, b) => a + b, 0);
}

/** Every hit object, copied out of R2 and read one by one (hits_check.py). */
async function readStored(worker) {
  const bucket = await worker.bucket();
  const dir = mkdtempSync(join(TMP, "read-"));
  const md5 = new Map();
  try {
    let cursor;
    do {
      const page = await bucket.list({ prefix: "hits/", cursor });
      for (const o of page.objects) {
        const bytes = Buffer.from(await (await bucket.get(o.key)).arrayBuffer());
        md5.set(o.key, createHash("md5").update(bytes).digest("hex"));
        const path = join(dir, o.key);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, bytes);
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    const out = execFileSync("python3", [join(ROOT, "collector/tests/hits_check.py"), dir], { encoding: "utf8", maxBuffer: 1 << 28 });
    const { objects, rows } = JSON.parse(out);
    const byMarker = new Map();
    for (const [marker, hitId, visitor, ts, key] of rows) {
      if (!byMarker.has(marker)) byMarker.set(marker, []);
      byMarker.get(marker).push({ hitId, visitor, ts, key });
    }
    return { objects, rows: rows.length, byMarker, md5 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until the consumer has logged `count` stored rows, then reads R2 back. */
async function waitStored(worker, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (rowsLogged(worker.lines) < count && Date.now() < deadline) await sleep(250);
  return readStored(worker);
}

/** Lost / duplicated figures of the markers `want` in what R2 holds. */
function account(stored, want) {
  let lost = 0;
  let duplicated = 0;
  for (const m of want) {
    const copies = stored.byMarker.get(String(m))?.length ?? 0;
    if (copies === 0) lost++;
    if (copies > 1) duplicated++;
  }
  return { lost, duplicated };
}

function assertReadable(stored) {
  const bad = stored.objects.filter((o) => o.error);
  assert.deepEqual(bad, [], "every stored object is a complete, readable hit Parquet file");
}

function assertNoMarkerTwice(stored) {
  const twice = [...stored.byMarker].filter(([, copies]) => copies.length > 1).map(([m]) => m);
  assert.deepEqual(twice.slice(0, 5), [], `no hit stored twice (${twice.length} were)`);
}

const acked = (results) => [...results].filter(([, r]) => isAck(r.status)).map(([n]) => n);

// ---------------------------------------------------------------------------------------------

test("10,000 hits at 50 keep-alive connections: every acknowledged hit stored exactly once", async () => {
  const worker = await startCollector();
  try {
    const load = await runLoad({ url: worker.url, total: 10_000, connections: 50, body: hitBody, headers: HEADERS });
    const s = summarize(load);
    const ok = acked(load.results);
    assert.deepEqual(s.statuses, { 202: 10_000 }, "every hit acknowledged with 202");
    const drainStart = Date.now();
    const backlog = ok.length - rowsLogged(worker.lines);
    const stored = await waitStored(worker, ok.length, 90_000);
    const drainS = (Date.now() - drainStart) / 1000;
    assertReadable(stored);
    const { lost, duplicated } = account(stored, ok);
    console.log(
      `load: ${s.requests} hits, 50 connections, ${s.seconds.toFixed(1)} s: ${s.hitsPerSecond.toFixed(0)} hits/s, ` +
        `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(0)} ms; ` +
        `${backlog} hits still queued at the last answer, drained in ${drainS.toFixed(1)} s (${(backlog / drainS).toFixed(0)} hits/s); ${stored.objects.length} objects hold ${stored.rows} rows; ` +
        `lost ${lost}, duplicated ${duplicated}`,
    );
    assert.equal(lost, 0, "no acknowledged hit lost");
    assert.equal(duplicated, 0, "no hit stored twice");
    assert.equal(stored.rows, 10_000, "nothing but the sent hits stored");
    assert.ok(stored.objects.length <= 10_000 / 50, `≤ 1 R2 PUT per 50 hits (${stored.objects.length} objects)`);
  } finally {
    await worker.mf.dispose();
  }
});

test("R2 puts failing for a while during load: batches retry and land, nothing lost or duplicated", async () => {
  const control = new Control();
  const worker = await startCollector({ wrap: true, control });
  try {
    // Phase 1: from the 300th answer on, the next 8 hits/ puts fail (nothing stored) — new
    // batches and retries alike, for several seconds (the consumer retries after 10 s).
    let answered = 0;
    let failing = 0;
    control.decide = () => (failing-- > 0 ? { fail: "before" } : {});
    const load = await runLoad({
      url: worker.url, total: 2_000, connections: 50, body: hitBody, headers: HEADERS,
      onResult() {
        if (++answered === 300) failing = 8;
      },
    });
    const ok = acked(load.results);
    assert.equal(ok.length, 2_000, "R2 trouble never reaches the request path");
    const stored = await waitStored(worker, ok.length, 120_000);
    const failedBefore = control.putsFailed;
    const window = (control.failedAt.at(-1) - control.failedAt[0]) / 1000;
    assert.equal(failedBefore, 8, "8 puts failed");
    assertReadable(stored);
    const figures = account(stored, ok);
    console.log(`R2 failing (nothing stored): ${failedBefore} puts failed over ${window.toFixed(1)} s and were retried; ${ok.length} acknowledged, lost ${figures.lost}, duplicated ${figures.duplicated}`);
    assert.deepEqual(figures, { lost: 0, duplicated: 0 });
    assertNoMarkerTwice(stored);
    assert.ok(worker.lines.some((l) => /failed, will retry/.test(l)), "the consumer logged the retries");

    // Phase 2: puts that store the object and then report failure (a lost response). When the
    // retry re-batches those messages with others, a hit is stored twice — with the same hit_id,
    // which readers drop. Never as two different hits.
    control.putsFailed = 0;
    control.decide = () => (failing-- > 0 ? { fail: "after" } : {});
    answered = 0;
    const load2 = await runLoad({
      url: worker.url, first: 10_000, total: 1_000, connections: 50, body: hitBody, headers: HEADERS,
      onResult() {
        if (++answered === 200) failing = 3;
      },
    });
    const ok2 = acked(load2.results);
    assert.equal(ok2.length, 1_000);
    const stored2 = await waitStored(worker, ok.length + ok2.length, 120_000);
    const failedAfter = control.putsFailed;
    assert.equal(failedAfter, 3, "3 puts stored, then failed");
    assertReadable(stored2);
    const figures2 = account(stored2, ok2);
    // A retried batch that comes back whole rewrites its own object (same batch id); re-batched
    // with other messages, its hits land a second time in a new object.
    const failedKeys = new Set(control.failedKeys.slice(-3));
    const twice = ok2.filter((m) => (stored2.byMarker.get(String(m))?.length ?? 0) > 1);
    for (const m of twice) {
      assert.ok(stored2.byMarker.get(String(m)).some((c) => failedKeys.has(c.key)), `hit ${m} stored twice: one copy is in an object reported as failed`);
    }
    const rewritten = [...failedKeys].filter((k) => control.putsStored.filter((p) => p.key === k).length > 1).length;
    const split = ok2.filter((m) => new Set(stored2.byMarker.get(String(m))?.map((c) => c.hitId)).size > 1);
    console.log(
      `R2 failing after storing: ${failedAfter} puts; ${ok2.length} acknowledged, lost ${figures2.lost}, ` +
        `${rewritten} of the ${failedKeys.size} objects rewritten in place by their retry, ${figures2.duplicated} hits stored twice with the same hit_id ` +
        `(readers drop them), with different hit_ids ${split.length}`,
    );
    assert.equal(figures2.lost, 0, "no acknowledged hit lost");
    assert.equal(split.length, 0, "a hit stored twice always carries one hit_id");
    assert.deepEqual(account(stored2, ok), figures, "phase 1's hits untouched");
  } finally {
    await worker.mf.dispose();
  }
});

test("Queue sends failing during load: those hits get a 503 and are never stored, the rest are", async () => {
  const control = new Control();
  const worker = await startCollector({ wrap: true, control, queueFaults: true });
  try {
    let asked = 0;
    control.failSends = () => {
      asked++;
      return asked > 300 && asked <= 500;
    };
    const load = await runLoad({ url: worker.url, first: 20_000, total: 1_000, connections: 50, body: hitBody, headers: HEADERS });
    const s = summarize(load);
    assert.equal(control.sendsFailed, 200);
    assert.deepEqual(s.statuses, { 202: 800, 503: 200 }, "a failed send is a 503, never a 202");
    const ok = acked(load.results);
    const refused = [...load.results].filter(([, r]) => r.status === 503).map(([n]) => n);
    const stored = await waitStored(worker, ok.length, 60_000);
    assertReadable(stored);
    const figures = account(stored, ok);
    const storedRefused = refused.filter((m) => stored.byMarker.has(String(m))).length;
    console.log(`queue sends failing: ${refused.length} answered 503, ${storedRefused} of them stored; ${ok.length} acknowledged, lost ${figures.lost}, duplicated ${figures.duplicated}`);
    assert.deepEqual(figures, { lost: 0, duplicated: 0 });
    assert.equal(storedRefused, 0, "a hit answered 503 is not stored");
    assert.equal(stored.rows, ok.length);
  } finally {
    await worker.mf.dispose();
  }
});

/** PIDs of the workerd processes this test process started (Miniflare's runtime). */
function workerdPids() {
  const pids = [];
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    const children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    for (const pid of children) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd") pids.push(Number(pid));
      } catch {
        // exited meanwhile
      }
    }
  }
  return pids;
}

/** SIGKILLs the runtime (no shutdown of any kind), then lets Miniflare clean up after it. */
async function killRuntime(worker) {
  const pids = workerdPids();
  assert.equal(pids.length, 1, "one workerd process to kill");
  process.kill(pids[0], "SIGKILL");
  const deadline = Date.now() + 10_000;
  while (existsSync(`/proc/${pids[0]}`) && readFileSync(`/proc/${pids[0]}/stat`, "utf8").split(" ")[2] !== "Z" && Date.now() < deadline) await sleep(20);
  await worker.mf.dispose().catch(() => {});
}

/**
 * After a kill and a restart on the same R2 folder: proves what the local runtime can prove, then
 * redelivers the journaled messages R2 does not hold (a durable queue's job) and requires every
 * acknowledged hit stored exactly once. Returns the figures.
 */
async function checkAfterRestart({ worker, control, ok, sentMarkers, snapshot }) {
  const stored = await readStored(worker);
  assertReadable(stored);
  assertNoMarkerTwice(stored);
  for (const [key, digest] of snapshot) {
    assert.equal(stored.md5.get(key), digest, `${key}, stored before the kill, is intact`);
  }
  // Every acknowledged hit had been accepted by the queue (send resolved) before its 202.
  const notJournaled = ok.filter((m) => !control.journal.has(String(m)));
  assert.deepEqual(notJournaled.slice(0, 5), [], "every acknowledged hit was accepted by queue.send first");
  // Nothing stored that was never sent.
  for (const m of stored.byMarker.keys()) assert.ok(sentMarkers.has(Number(m)), `stored marker ${m} was sent`);
  const lostWithBroker = account(stored, ok).lost;
  const redeliver = [...control.journal].filter(([m]) => !stored.byMarker.has(m)).map(([, entry]) => entry);
  const queue = await worker.mf.getQueueProducer("REAL_QUEUE", "faults");
  for (let i = 0; i < redeliver.length; i += 100) {
    await queue.sendBatch(redeliver.slice(i, i + 100).map(redelivery));
  }
  const expectRows = stored.rows + redeliver.length;
  const deadline = Date.now() + 60_000;
  let final = stored;
  while (Date.now() < deadline) {
    if (rowsLogged(worker.lines) >= redeliver.length) {
      final = await readStored(worker);
      if (final.rows >= expectRows) break;
    }
    await sleep(500);
  }
  assertReadable(final);
  const figures = account(final, ok);
  assert.deepEqual(figures, { lost: 0, duplicated: 0 }, "after redelivery every acknowledged hit is stored once");
  assertNoMarkerTwice(final);
  return { stored, final, lostWithBroker, redelivered: redeliver.length, journaled: control.journal.size };
}

/** Files in the local R2 blob store (Miniflare's layout: one file per object body). */
function blobFiles(persist) {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (dir.includes("blobs")) found.push(join(dir, e.name));
    }
  };
  walk(persist);
  return found;
}


test("workerd SIGKILLed mid-load and restarted: acknowledged hits are in R2 or the queue, R2 intact", async () => {
  const persist = join(TMP, "persist-kill");
  const control = new Control();
  let worker = await startCollector({ wrap: true, control, persist });
  let ok;
  let sent;
  let snapshot;
  try {
    // Objects stored before the load that is killed: while a load saturates the runtime, the
    // local broker does not hand batches to the consumer at all (its timers starve), so R2
    // gets nothing from the killed load itself.
    const early = await runLoad({ url: worker.url, first: 50_000, total: 1_000, connections: 50, body: hitBody, headers: HEADERS });
    const earlyOk = acked(early.results);
    assert.equal(earlyOk.length, 1_000);
    assert.equal(account(await waitStored(worker, 1_000, 60_000), earlyOk).lost, 0);
    let answered = 0;
    let stop = false;
    const killAt = 2_500;
    let killed;
    const load = runLoad({
      url: worker.url, total: 20_000, connections: 50, body: hitBody, headers: HEADERS,
      stop: () => stop,
      onResult() {
        answered++;
        if (answered === killAt) killed = (async () => {
          try {
            // Objects stored so far (the early ones, perhaps a few more), to check after the restart.
            snapshot = (await readStored(worker)).md5;
          } finally {
            stop = true;
          }
          await killRuntime(worker);
        })();
      },
    });
    const { results } = await load;
    await killed;
    ok = [...earlyOk, ...acked(results)];
    sent = new Set([...early.results.keys(), ...results.keys()]);
    assert.ok(results.size < 20_000, "the kill happened mid-load");
    const unanswered = [...results.values()].filter((r) => r.status === 0).length;
    assert.ok(snapshot.size >= 10, `objects were stored before the kill (${snapshot.size})`);

    worker = await startCollector({ wrap: true, control, persist });
    const r = await checkAfterRestart({ worker, control, ok, sentMarkers: sent, snapshot });
    console.log(
      `kill mid-load: ${results.size} sent, ${ok.length - earlyOk.length} acknowledged, ${unanswered} without an answer (after 1000 stored earlier); ` +
        `R2 after restart: ${r.stored.objects.length} objects (all readable, ${snapshot.size} from before the kill intact), ${r.stored.rows} hits; ` +
        `acknowledged but only in the local broker's memory (lost by the emulation, kept by a durable queue): ${r.lostWithBroker}; ` +
        `journal ${r.journaled}, redelivered ${r.redelivered}; after redelivery lost 0, duplicated 0`,
    );
    assert.ok(r.lostWithBroker <= r.redelivered);

    // The restarted runtime takes hits again, with the same daily salt (persisted in R2).
    const more = await runLoad({ url: worker.url, first: 100_000, total: 500, connections: 50, body: hitBody, headers: HEADERS });
    const ok2 = acked(more.results);
    assert.equal(ok2.length, 500);
    const after = await waitStored(worker, r.redelivered + 500, 60_000);
    assert.deepEqual(account(after, ok2), { lost: 0, duplicated: 0 });
    const before = after.byMarker.get(String(ok[0]))[0];
    const later = after.byMarker.get(String(ok2[0]))[0];
    if (Math.floor(before.ts / 86_400_000) === Math.floor(later.ts / 86_400_000)) {
      assert.equal(later.visitor, before.visitor, "same visitor id before and after the restart (same day, same salt)");
    }
  } finally {
    await worker.mf.dispose().catch(() => {});
  }
});

test("workerd SIGKILLed while the consumer streams an object into R2: no torn object, nothing acknowledged lost", async () => {
  const persist = join(TMP, "persist-kill-write");
  const control = new Control();
  let worker = await startCollector({ wrap: true, control, persist });
  try {
    const early = await runLoad({ url: worker.url, first: 50_000, total: 300, connections: 50, body: hitBody, headers: HEADERS });
    const earlyOk = acked(early.results);
    assert.equal(account(await waitStored(worker, 300, 60_000), earlyOk).lost, 0);
    let stop = false;
    // From now on each object reaches R2 in slices over 4 s. The load is paced below what
    // saturates the runtime, so the local broker keeps handing batches to the consumer.
    const slowFrom = control.putsAsked.length;
    control.decide = (i) => (i >= slowFrom ? { trickleMs: 4_000 } : {});
    const load = runLoad({ url: worker.url, total: 20_000, connections: 8, rate: 150, body: hitBody, headers: HEADERS, stop: () => stop });
    // Kill ~1.5 s into a slow put: part of its body has been written to R2's blob store. One
    // batch is consumed at a time, so nothing else is stored while it is in progress.
    const slowPuts = () => control.inFlightPuts().filter((p) => p.plan.trickleMs);
    const deadline = Date.now() + 30_000;
    while (slowPuts().length === 0 && Date.now() < deadline) await sleep(20);
    assert.ok(slowPuts().length > 0, "a slow put started");
    const snapshot = (await readStored(worker)).md5;
    assert.ok(snapshot.size >= 3, "objects were stored before the slow put");
    const since = Math.min(...slowPuts().map((p) => p.at));
    await sleep(Math.max(0, since + 1_500 - Date.now()));
    const inFlight = slowPuts();
    assert.ok(inFlight.length > 0, "the slow put is still in progress at the kill");
    stop = true;
    await killRuntime(worker);
    const { results } = await load;
    const ok = [...earlyOk, ...acked(results)];
    const sent = new Set([...early.results.keys(), ...results.keys()]);
    control.decide = () => ({});
    // The runtime's half-written temporary file of the interrupted body: the kill did land
    // mid-write (file naming of workerd's kj filesystem, miniflare as pinned in package-lock.json).
    const partial = blobFiles(persist).filter((f) => f.endsWith(".partial"));
    assert.ok(partial.length >= 1, "the interrupted put had written part of its body to disk");
    const partialBytes = partial.reduce((n, f) => n + statSync(f).size, 0);

    worker = await startCollector({ wrap: true, control, persist });
    const r = await checkAfterRestart({ worker, control, ok, sentMarkers: sent, snapshot });
    const torn = inFlight.filter((p) => r.stored.md5.has(p.key));
    // The interrupted put either never became an object or (had it finished) is a whole one —
    // assertReadable above read every object completely.
    console.log(
      `kill during an R2 put: ${inFlight.length} put(s) interrupted (${inFlight.map((p) => p.key.split("/").pop()).join(", ")}), ` +
        `${partialBytes} bytes of it on disk in ${partial.length} temporary file(s), ${torn.length} visible as an object after the restart; ` +
        `${results.size} sent at 150/s, ${ok.length - earlyOk.length} acknowledged (after 300 stored earlier); ` +
        `only in the local broker's memory: ${r.lostWithBroker}; redelivered ${r.redelivered}; after redelivery lost 0, duplicated 0`,
    );
    assert.equal(torn.length, 0, "an interrupted put leaves no object behind");

  } finally {
    await worker.mf.dispose().catch(() => {});
  }
});
