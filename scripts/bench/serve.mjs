// Serves a Worker over HTTP on loopback for load tests: the collector (real wasm, local R2 +
// Queue), an empty Worker as the baseline, or a Worker that only reads the body and awaits
// queue.send on the same Queue setup (what the local Queue alone allows: the collector must
// await its send before answering). On SIGUSR2 (Miniflare exits on SIGTERM by itself) the
// collector waits for the queue to flush and prints how many R2 objects (PUTs) hold how many hits.
//
//   node scripts/bench/serve.mjs collector|empty|send|batched PORT
import { Miniflare } from "miniflare";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const [mode, port] = process.argv.slice(2);
const common = { host: "127.0.0.1", port: Number(port), compatibilityDate: "2025-09-01", modules: true };
const queue = {
  queueProducers: { HITS_QUEUE: "hitflow-hits" },
  queueConsumers: { "hitflow-hits": { maxBatchSize: 100, maxBatchTimeout: 5 } },
};
const scripts = {
  empty: "export default { fetch() { return new Response(null, { status: 202 }); } };",
  // The body goes out as bytes, as the collector sends its hits; the consumer only acknowledges.
  send: `export default {
    async fetch(request, env) {
      await env.HITS_QUEUE.send(new Uint8Array(await request.arrayBuffer()), { contentType: "bytes" });
      return new Response(null, { status: 202 });
    },
    async queue(batch) { for (const message of batch.messages) message.ack(); },
  };`,
};
// Sends batched across concurrent requests (group commit): each request waits until one
// sendBatch holding its message has resolved, and one batch is in flight at a time. Not what the
// collector does; a reference for how far batching the local Queue's sends could go.
scripts.batched = `
  const queued = []; // batches of at most 100 messages (the Queue's limit), oldest first
  let sending = false;
  async function flush(env) {
    sending = true;
    while (queued.length) {
      const batch = queued.shift();
      try {
        await env.HITS_QUEUE.sendBatch(batch.messages);
        batch.waiters.forEach(([resolve]) => resolve());
      } catch (err) {
        batch.waiters.forEach(([, reject]) => reject(err));
      }
    }
    sending = false;
  }
  export default {
    async fetch(request, env, ctx) {
      const body = new Uint8Array(await request.arrayBuffer());
      const sent = new Promise((resolve, reject) => {
        let batch = queued[queued.length - 1];
        if (!batch || batch.messages.length === 100) queued.push((batch = { messages: [], waiters: [] }));
        batch.messages.push({ body, contentType: "bytes" });
        batch.waiters.push([resolve, reject]);
      });
      if (!sending) ctx.waitUntil(flush(env));
      // A pending timer keeps this request alive while another one's send resolves it.
      const keepAlive = setTimeout(() => {}, 30000);
      try {
        await sent;
      } catch {
        return new Response(null, { status: 503 });
      } finally {
        clearTimeout(keepAlive);
      }
      return new Response(null, { status: 202 });
    },
    async queue(batch) { for (const message of batch.messages) message.ack(); },
  };`;
const mf = mode === "collector"
  ? new Miniflare({
      ...common,
      scriptPath: join(ROOT, "collector/build/index.js"),
      modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
      bindings: { ALLOWED_SITES: "example.com" },
      r2Buckets: ["HITS_BUCKET"],
      ...queue,
    })
  : new Miniflare({ ...common, script: scripts[mode], ...(mode === "empty" ? {} : queue) });
await mf.ready;
console.log("ready");

process.on("SIGUSR2", async () => {
  if (mode === "collector") {
    // The local Queue emulation drains a backlog slowly (about one batch per max_batch_timeout),
    // so this measures hits per stored object (per R2 PUT) on what has landed, not the drain.
    const bucket = await mf.getR2Bucket("HITS_BUCKET");
    const count = async () => {
      let n = 0;
      let cursor;
      do {
        const page = await bucket.list({ prefix: "hits/", cursor });
        n += page.objects.length;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return n;
    };
    await new Promise((r) => setTimeout(r, 6000));
    for (let last = -1, stable = 0, i = 0; stable < 2 && i < 5; i++) {
      const n = await count();
      stable = n === last ? stable + 1 : 0;
      last = n;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const dir = mkdtempSync(join(tmpdir(), "hitflow-bench-"));
    let objects = 0;
    let cursor;
    do {
      const page = await bucket.list({ prefix: "hits/", cursor });
      for (const o of page.objects) {
        const path = join(dir, o.key);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, Buffer.from(await (await bucket.get(o.key)).arrayBuffer()));
        objects++;
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    const hits = objects === 0 ? 0 : Number(execFileSync("python3", ["-c",
      `import duckdb; print(duckdb.sql("select count(*) from read_parquet('${dir}/hits/**/*.parquet')").fetchall()[0][0])`], { encoding: "utf8" }).trim());
    rmSync(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ r2_objects: objects, hits_stored: hits }));
  }
  await mf.dispose();
  process.exit(0);
});
