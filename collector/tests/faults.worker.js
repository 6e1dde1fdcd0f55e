// Test-only wrapped bindings for collector/tests/load.mjs (Miniflare `wrappedBindings`). Never
// deployed and never reachable by a request: the production Worker is unchanged and sees these
// objects in place of its HITS_BUCKET / HITS_QUEUE bindings only when a test configures them.
//
// Inner bindings (the wrapper worker's own bindings, in load.mjs):
//   REAL_BUCKET  the real local R2 bucket            REAL_QUEUE  the real local Queue producer
//   CONTROL      a Node-side function of the test: asked before every `hits/` put what to do, and
//                told when a put has finished; it also keeps the journal of accepted queue sends.
//   QUEUE_FAULTS true: CONTROL is also asked before every queue send whether it fails.
//
// workers-rs checks a binding's constructor name (`R2Bucket`, `WorkerQueue`), hence the class names.

/** Forwards every R2 method to the real bucket; `put` of a `hits/` key obeys the test's plan. */
class R2Bucket {
  #real;
  #control;
  constructor(env) {
    this.#real = env.REAL_BUCKET;
    this.#control = env.CONTROL;
  }
  head(...args) {
    return this.#real.head(...args);
  }
  get(...args) {
    return this.#real.get(...args);
  }
  list(...args) {
    return this.#real.list(...args);
  }
  delete(...args) {
    return this.#real.delete(...args);
  }
  async put(key, value, options) {
    if (typeof key !== "string" || !key.startsWith("hits/")) return this.#real.put(key, value, options);
    const ask = await this.#control.fetch("http://control/r2/put", { method: "POST", body: key });
    // fail: "before" (nothing stored), "after" (stored, then reported as failed); trickleMs: the
    // body reaches R2 in 16 slices over that many milliseconds (a put in progress for a while).
    const plan = await ask.json();
    if (plan.fail === "before") throw new Error(`injected R2 failure before storing ${key} (test)`);
    let body = value;
    if (plan.trickleMs > 0) {
      const bytes =
        value instanceof ArrayBuffer ? new Uint8Array(value)
        : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
        : new Uint8Array(await new Response(value).arrayBuffer()); // a string, Blob or stream
      const { readable, writable } = new FixedLengthStream(bytes.byteLength);
      const writer = writable.getWriter();
      const slices = 16;
      const step = Math.ceil(bytes.byteLength / slices);
      (async () => {
        for (let at = 0; at < bytes.byteLength; at += step) {
          await writer.write(bytes.slice(at, at + step));
          await new Promise((r) => setTimeout(r, plan.trickleMs / slices));
        }
        await writer.close();
      })().catch(() => {});
      body = readable;
    }
    const result = await this.#real.put(key, body, options);
    await this.#control.fetch("http://control/r2/stored", { method: "POST", body: key });
    if (plan.fail === "after") throw new Error(`injected R2 failure after storing ${key} (test)`);
    return result;
  }
}

/** The Queue producer: sends through the real queue, then (only after the send resolved) writes
 * the message to the test's journal, outside the runtime — a durable record of accepted sends. */
class WorkerQueue {
  #real;
  #control;
  #askFirst;
  constructor(env) {
    this.#real = env.REAL_QUEUE;
    this.#control = env.CONTROL;
    this.#askFirst = env.QUEUE_FAULTS === true;
  }
  async send(body, options) {
    if (this.#askFirst) {
      const plan = await (await this.#control.fetch("http://control/queue/send", { method: "POST" })).json();
      if (plan.fail) throw new Error("injected Queue failure (test)");
    }
    // The entry is taken before sending: the send may detach the body's buffer (bytes).
    const entry = journalEntry(body, options?.contentType);
    const result = await this.#real.send(body, options);
    await this.#journal([entry]);
    return result;
  }
  async sendBatch(messages, options) {
    const entries = [...messages].map((m) => journalEntry(m.body, m.contentType ?? options?.contentType));
    const result = await this.#real.sendBatch(messages, options);
    await this.#journal(entries);
    return result;
  }
  #journal(entries) {
    return this.#control.fetch("http://control/queue/sent", { method: "POST", body: JSON.stringify(entries) });
  }
}

/** A message body as JSON-safe text, whatever its content type: { text | base64 | json, contentType }. */
function journalEntry(body, contentType) {
  if (typeof body === "string") return { text: body, contentType: contentType ?? "text" };
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return { base64: btoa(binary), contentType: contentType ?? "bytes" };
  }
  return { json: JSON.stringify(body), contentType: contentType ?? "json" };
}

export default function r2(env) {
  return new R2Bucket(env);
}

export function queue(env) {
  return new WorkerQueue(env);
}
