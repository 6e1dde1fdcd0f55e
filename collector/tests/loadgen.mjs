// A small HTTP load generator for collector/tests/load.mjs: `connections` concurrent loops,
// each on its own keep-alive connection (node:http Agent with one socket), each sending `POST /e`
// hits one after the other. Every request's status (0 = no answer: connection refused, reset or
// timed out) and latency is recorded under its hit number, so the test can tell acknowledged hits
// (2xx) from the rest.
import http from "node:http";
import { performance } from "node:perf_hooks";

/**
 * Sends hits numbered from `first` to `first + total - 1`; `body(n)` is hit n's JSON text.
 * `rate` (optional): at most this many requests per second, paced evenly. `stop()` (optional) is
 * checked before each request; `onResult(n, status)` after each answer.
 * Returns `{ results: Map(n → {status, ms}), elapsedMs }`.
 */
export async function runLoad({ url, first = 0, total, connections = 50, rate, body, headers = {}, stop, onResult }) {
  const target = new URL(url);
  const results = new Map();
  let next = first;
  const end = first + total;
  const started = performance.now();
  const loop = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (next < end && !stop?.()) {
        const n = next++;
        if (rate) {
          const due = started + ((n - first) * 1000) / rate;
          if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        }
        const t0 = performance.now();
        const status = await post(agent, target, body(n), headers);
        results.set(n, { status, ms: performance.now() - t0 });
        onResult?.(n, status);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return { results, elapsedMs: performance.now() - started };
}

function post(agent, target, payload, headers) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: "/e",
        method: "POST",
        headers: { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(payload), ...headers },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
        res.on("error", () => resolve(0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end(payload);
  });
}

/** Request rate and latency percentiles (ms) of the answered requests. */
export function summarize({ results, elapsedMs }) {
  const all = [...results.values()];
  const answered = all.filter((r) => r.status !== 0).map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p) => (answered.length ? answered[Math.min(answered.length - 1, Math.floor((p / 100) * answered.length))] : NaN);
  const statuses = {};
  for (const r of all) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    requests: all.length,
    statuses,
    hitsPerSecond: all.length / (elapsedMs / 1000),
    p50: pct(50),
    p99: pct(99),
    max: answered.at(-1),
    seconds: elapsedMs / 1000,
  };
}
