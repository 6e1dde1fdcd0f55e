// Hostile input against the real collector Worker in workerd (Miniflare on a real loopback port):
// one row per malformed-request class with its exact status and JSON reason, raw bytes and raw
// HTTP framing where a client library would repair the request, and afterwards proof that none of
// it stored anything and that accepted hits with traversal-looking values land only under the
// documented keys. README's bad-input table lists the same classes.
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import {
  startWorker, post, readHits, listAll, rawHttp, until, STORED_KEY, BERLIN, CHROME_WIN,
} from "./support.mjs";

let mf;
let port;
before(async () => {
  mf = startWorker({}, { host: "127.0.0.1", port: 0 });
  port = Number((await mf.ready).port);
});
after(async () => {
  await mf?.dispose();
});

const E = "https://example.com/";
const ok = { site: "example.com", url: E };
const json = (extra) => post(mf, { ...ok, ...extra });
/** POST /e with exactly these bytes. */
const bytes = (buf, headers = {}) =>
  mf.dispatchFetch("http://collector.test/e", {
    method: "POST", body: buf, duplex: "half",
    headers: { "Content-Type": "text/plain", "User-Agent": CHROME_WIN, "CF-Connecting-IP": "203.0.113.7", ...headers },
    cf: BERLIN,
  });
const get = (path, init = {}) => mf.dispatchFetch(`http://collector.test${path}`, { cf: BERLIN, ...init });
const pixel = (query, headers = {}) => get(`/p.gif?${query}`, { headers: { "User-Agent": CHROME_WIN, ...headers } });
const url = encodeURIComponent;
/** A raw HTTP/1.1 request to the Worker's port. */
const raw = (head, body = "") =>
  rawHttp(port, Buffer.concat([Buffer.from(`${head}\r\nHost: collector.test\r\nConnection: close\r\n\r\n`, "latin1"), Buffer.from(body)]));
const props = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));
const body20k = JSON.stringify({ ...ok, props: { x: "y".repeat(20_000) } });

// Reasons, exactly as the Worker words them.
const badJson = (detail) => `request body is not valid JSON: ${detail}`;
const badSite = "`site` is invalid: must be a hostname such as example.com";
const badUrl = "`url` is invalid: must be an absolute http(s) URL";
const tooLong = (field, max) => `\`${field}\` is longer than ${max} characters`;
const wrong = (field, expected) => `\`${field}\` must be ${expected}`;
const control = (field) => `\`${field}\` contains control or invisible characters`;
const notUtf8 = (field) => `\`${field}\` is not valid UTF-8 once percent-decoded`;
const PROPS = "a flat object of string, number or boolean values";
const REVENUE = 'a number or an object {"amount": number, "currency": "EUR"}';
const BIG_BODY = "body larger than 16384 bytes";
const NOT_ALLOWED = "site is not in this collector's allow-list";
const method = (m, allow) => [`method ${m} not allowed, use ${allow}`, allow];

// [class, case, request thunk, status, reason, Allow header (405 only)]. Nothing here may be stored.
const TABLE = [
  ["bad JSON", "not JSON", () => post(mf, "{not json"), 400, badJson("key must be a string at line 1 column 2")],
  ["bad JSON", "truncated", () => post(mf, '{"site":'), 400, badJson("EOF while parsing a value at line 1 column 8")],
  ["bad JSON", "empty body", () => post(mf, ""), 400, badJson("EOF while parsing a value at line 1 column 0")],
  ["bad JSON", "trailing garbage", () => post(mf, JSON.stringify(ok) + " x"), 400, badJson("trailing characters at line 1 column 53")],
  ["bad JSON", "byte-order mark", () => bytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(ok))])), 400, badJson("expected value at line 1 column 1")],
  ["bad JSON", "UTF-16 body", () => bytes(Buffer.from(JSON.stringify(ok), "utf16le")), 400, badJson("key must be a string at line 1 column 2")],
  ["bad JSON", "lone surrogate escape", () => post(mf, '{"site":"example.com","url":"https://example.com/","name":"\\ud800"}'), 400, badJson("unexpected end of hex escape at line 1 column 66")],
  ["bad JSON", "array, not an object", () => post(mf, "[1,2,3]"), 400, "request body must be a JSON object"],
  ["bad JSON", "string, not an object", () => post(mf, '"example.com"'), 400, "request body must be a JSON object"],
  ["deep nesting", "5000 arrays in props", () => post(mf, `{"site":"example.com","url":"https://example.com/","props":${"[".repeat(5000)}}`), 400, badJson("recursion limit exceeded at line 1 column 186")],
  ["deep nesting", "200 objects in an unknown field", () => post(mf, `{"site":"example.com","url":"https://example.com/","x":${'{"a":'.repeat(200)}1${"}".repeat(200)}}`), 400, badJson("recursion limit exceeded at line 1 column 686")],
  ["huge numbers", "revenue 1e400", () => post(mf, '{"site":"example.com","url":"https://example.com/","revenue":1e400}'), 400, badJson("number out of range at line 1 column 66")],
  ["huge numbers", "revenue 1.5e12", () => json({ revenue: 1.5e12 }), 400, "`revenue` is invalid: must be finite with an absolute value of at most 1e12"],
  ["huge numbers", "revenue.amount -1e13", () => json({ revenue: { amount: -1e13, currency: "EUR" } }), 400, "`revenue.amount` is invalid: must be finite with an absolute value of at most 1e12"],
  ["huge numbers", "screen_width 1e300", () => json({ screen_width: 1e300 }), 400, wrong("screen_width", "an integer")],
  ["huge numbers", "screen_width beyond u32", () => json({ screen_width: 4294967297 }), 400, "`screen_width` must be an integer in 0..=100000"],
  ["huge numbers", "engaged_ms beyond u64", () => post(mf, '{"site":"example.com","url":"https://example.com/","engaged_ms":123456789012345678901234567890}'), 400, wrong("engaged_ms", "an integer")],
  ["huge numbers", "engaged_ms over a day", () => json({ engaged_ms: 86_400_001 }), 400, "`engaged_ms` must be an integer in 0..=86400000"],
  ["huge numbers", "engaged_ms negative", () => json({ engaged_ms: -1 }), 400, "`engaged_ms` must be an integer in 0..=86400000"],
  ["huge numbers", "scroll over 100", () => json({ scroll: 101 }), 400, "`scroll` must be an integer in 0..=100"],
  ["invalid UTF-8", "0xFF in site", () => bytes(Buffer.from('{"site":"ex\xffample.com","url":"https://example.com/"}', "latin1")), 400, "request body is not valid UTF-8"],
  ["invalid UTF-8", "overlong '/' (C0 AF) in name", () => bytes(Buffer.concat([Buffer.from('{"site":"example.com","url":"https://example.com/","name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])), 400, "request body is not valid UTF-8"],
  ["invalid UTF-8", "encoded surrogate (ED A0 80)", () => bytes(Buffer.concat([Buffer.from('{"site":"example.com","url":"https://example.com/","name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])), 400, "request body is not valid UTF-8"],
  ["invalid UTF-8", "pixel event name %FF", () => pixel(`site=example.com&n=%FF&url=${url(E)}`), 400, notUtf8("name")],
  ["invalid UTF-8", "pixel url with an encoded surrogate (%ED%A0%80)", () => pixel("site=example.com&url=https://example.com/%ED%A0%80"), 400, notUtf8("url")],
  ["invalid UTF-8", "pixel referrer with an encoded surrogate", () => pixel(`site=example.com&r=https://a.example/%ED%A0%80&url=${url(E)}`), 400, notUtf8("referrer")],
  ["invalid UTF-8", "utm_campaign %FF in the page url", () => json({ url: `${E}?utm_campaign=%FF` }), 400, notUtf8("utm_campaign")],
  ["invalid UTF-8", "truncated sequence at the end", () => bytes(Buffer.concat([Buffer.from(JSON.stringify(ok)), Buffer.from([0xe2, 0x82])])), 400, "request body is not valid UTF-8"],
  ["NUL bytes", "raw NUL in a string", () => bytes(Buffer.from('{"site":"example.com","url":"https://example.com/","name":"a\x00b"}', "latin1")), 400, badJson("control character (\\u0000-\\u001F) found while parsing a string at line 1 column 61")],
  ["NUL bytes", "raw NUL between tokens", () => bytes(Buffer.from('{"site":"example.com",\x00"url":"https://example.com/"}', "latin1")), 400, badJson("key must be a string at line 1 column 23")],
  ["NUL bytes", "escaped NUL in name", () => json({ name: "sign\u0000up" }), 400, control("name")],
  ["NUL bytes", "escaped NUL in url", () => json({ url: "https://example.com/\u0000" }), 400, control("url")],
  ["NUL bytes", "escaped NUL in referrer", () => json({ referrer: "https://a.example/\u0000" }), 400, control("referrer")],
  ["NUL bytes", "escaped NUL in a props key", () => json({ props: { "a\u0000": "x" } }), 400, control("props key")],
  ["NUL bytes", "escaped NUL in a props value", () => json({ props: { a: "x\u0000" } }), 400, control("props value")],
  ["NUL bytes", "escaped NUL in site", () => json({ site: "example.com\u0000" }), 400, badSite],
  ["control characters", "blank name", () => json({ name: "   " }), 400, "`name` is invalid: must not be empty"],
  // One rule for every visitor-supplied text: bidi and invisible characters are refused like controls.
  ["control characters", "bidi override in name", () => json({ name: "a\u202eb" }), 400, control("name")],
  ["control characters", "RLO in utm_campaign ('‮gnp.exe')", () => json({ url: `${E}?utm_campaign=%E2%80%AEgnp.exe` }), 400, control("utm_campaign")],
  ["control characters", "bidi isolate in utm_source", () => json({ url: `${E}?utm_source=a%E2%81%A6b` }), 400, control("utm_source")],
  ["control characters", "Arabic letter mark in utm_term", () => json({ url: `${E}?utm_term=%D8%9Cx` }), 400, control("utm_term")],
  ["control characters", "line separator in ref", () => json({ url: `${E}?ref=a%E2%80%A8b` }), 400, control("ref")],
  ["control characters", "zero-width space in utm_content", () => json({ url: `${E}?utm_content=a%E2%80%8Bb` }), 400, control("utm_content")],
  ["control characters", "LF in utm_medium (was dropped silently)", () => json({ url: `${E}?utm_medium=a%0Ab` }), 400, control("utm_medium")],
  ["control characters", "LRM in referrer", () => json({ referrer: "https://a.example/\u200e" }), 400, control("referrer")],
  ["control characters", "bidi isolate in a props value", () => json({ props: { a: "\u2067x\u2069" } }), 400, control("props value")],
  ["control characters", "BOM in a props key", () => json({ props: { "\ufeffk": "x" } }), 400, control("props key")],
  ["control characters", "Hangul filler as name", () => json({ name: "\u3164" }), 400, control("name")],
  ["control characters", "name of soft hyphens and variation selectors only", () => json({ name: "\u00ad\ufe0f" }), 400, "`name` is invalid: must not be empty"],
  ["control characters", "zero-width space in the pixel's event name", () => pixel(`site=example.com&n=a%E2%80%8B&url=${url(E)}`), 400, control("name")],
  ["control characters", "RLO in the pixel url's utm_campaign", () => pixel(`site=example.com&url=${url(E + "?utm_campaign=%E2%80%AEx")}`), 400, control("utm_campaign")],
  ["oversize field", "site 254 chars", () => json({ site: "a".repeat(254) }), 413, tooLong("site", 253)],
  ["oversize field", "name 121 chars", () => json({ name: "é".repeat(121) }), 413, tooLong("name", 120)],
  ["oversize field", "url 2049+ chars", () => json({ url: E + "a".repeat(2048) }), 413, tooLong("url", 2048)],
  ["oversize field", "url path 2048+ chars once percent-encoded", () => json({ url: E + "é".repeat(2000) }), 413, tooLong("url_path", 2048)],
  ["oversize field", "utm_campaign 257 chars", () => json({ url: `${E}?utm_campaign=${"c".repeat(257)}` }), 413, tooLong("utm_campaign", 256)],
  ["oversize field", "referrer 2049 chars", () => json({ referrer: "a".repeat(2049) }), 413, tooLong("referrer", 2048)],
  ["oversize field", "props 31 keys", () => json({ props: props(31) }), 413, "`props` has more than 30 keys"],
  ["oversize field", "props key 65 chars", () => json({ props: { ["k".repeat(65)]: 1 } }), 413, tooLong("props key", 64)],
  ["oversize field", "props value 257 chars", () => json({ props: { k: "v".repeat(257) } }), 413, tooLong("props value", 256)],
  ["oversize body", "20 KB with Content-Length", () => post(mf, body20k), 413, BIG_BODY],
  ["oversize body", "declared 1 TB, nothing sent (refused before reading)", async () => {
    const res = await raw("POST /e HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 1099511627776");
    return new Response(res.body, { status: res.status, headers: res.headers });
  }, 413, BIG_BODY],
  ["oversize body", "20 KB chunked, no Content-Length (raw HTTP)", async () => {
    const chunks = Array.from({ length: 20 }, () => `3e8\r\n${"x".repeat(1000)}\r\n`).join("") + "0\r\n\r\n";
    const res = await raw("POST /e HTTP/1.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked", chunks);
    return new Response(res.body, { status: res.status, headers: res.headers });
  }, 413, BIG_BODY],
  ["oversize body", "20 KB streamed, no Content-Length (fetch)", () => bytes(new ReadableStream({
    start(c) {
      for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("x".repeat(1000)));
      c.close();
    },
  }), {}), 413, BIG_BODY],
  ["wrong type", "site number", () => json({ site: 1 }), 400, wrong("site", "a string")],
  ["wrong type", "name array", () => json({ name: ["a"] }), 400, wrong("name", "a string")],
  ["wrong type", "url object", () => json({ url: {} }), 400, wrong("url", "a string")],
  ["wrong type", "referrer bool", () => json({ referrer: false }), 400, wrong("referrer", "a string")],
  ["wrong type", "props array", () => json({ props: [1] }), 400, wrong("props", PROPS)],
  ["wrong type", "props string", () => json({ props: "plan=pro" }), 400, wrong("props", PROPS)],
  ["wrong type", "props nested object", () => json({ props: { a: { b: 1 } } }), 400, wrong("props", PROPS)],
  ["wrong type", "props null value", () => json({ props: { a: null } }), 400, wrong("props", PROPS)],
  ["wrong type", "revenue string", () => json({ revenue: "10" }), 400, wrong("revenue", REVENUE)],
  ["wrong type", "revenue bool", () => json({ revenue: true }), 400, wrong("revenue", REVENUE)],
  ["wrong type", "revenue.amount string", () => json({ revenue: { amount: "1", currency: "EUR" } }), 400, wrong("revenue.amount", "a number")],
  ["wrong type", "revenue.currency number", () => json({ revenue: { amount: 1, currency: 978 } }), 400, wrong("revenue.currency", "a string")],
  ["wrong type", "revenue.currency lowercase", () => json({ revenue: { amount: 1, currency: "eur" } }), 400, "`revenue.currency` is invalid: must be a 3-letter uppercase ISO 4217 code"],
  ["wrong type", "engaged_ms string", () => json({ engaged_ms: "5" }), 400, wrong("engaged_ms", "an integer")],
  ["wrong type", "engaged_ms float", () => json({ engaged_ms: 1.5 }), 400, wrong("engaged_ms", "an integer")],
  ["wrong type", "screen_width bool", () => json({ screen_width: true }), 400, wrong("screen_width", "an integer")],
  ["wrong type", "entry string", () => json({ entry: "true" }), 400, wrong("entry", "a boolean")],
  ["wrong type", "relative url", () => json({ url: "/pricing" }), 400, badUrl],
  ["wrong type", "javascript: url", () => json({ url: "javascript:alert(1)" }), 400, badUrl],
  ["wrong type", "file: url", () => json({ url: "file:///etc/passwd" }), 400, badUrl],
  ["missing field", "site", () => post(mf, { url: E }), 400, "`site` is required"],
  ["missing field", "url", () => post(mf, { site: "example.com" }), 400, "`url` is required"],
  ["missing field", "url null", () => post(mf, { site: "example.com", url: null }), 400, "`url` is required"],
  ["missing field", "revenue.amount", () => json({ revenue: { currency: "EUR" } }), 400, "`revenue.amount` is required"],
  ["unknown site", "not on the allow-list", () => post(mf, { site: "evil.example", url: "https://evil.example/" }), 403, NOT_ALLOWED],
  ["unknown site", "subdomain of an allowed site", () => post(mf, { site: "evil.example.com", url: E }), 403, NOT_ALLOWED],
  ["unknown site", "allowed site as a suffix", () => post(mf, { site: "notexample.com", url: E }), 403, NOT_ALLOWED],
  ["header injection", "CR/LF in site", () => json({ site: "example.com\r\nX-Evil: 1" }), 400, badSite],
  ["header injection", "LF in site", () => json({ site: "example.com\nSet-Cookie: a=b" }), 400, badSite],
  ["header injection", "CR/LF in name", () => json({ name: "signup\r\nX-Evil: 1" }), 400, control("name")],
  ["header injection", "CR/LF in the pixel's site", () => pixel(`site=example.com%0D%0AX-Evil:%201&url=${url(E)}`), 400, badSite],
  ["header injection", "CR/LF in the pixel's event name", () => pixel(`site=example.com&n=open%0D%0AX-Evil:%201&url=${url(E)}`), 400, control("name")],
  ["header injection", "CR/LF in the pixel's url", () => pixel(`site=example.com&url=${url(E + "\r\nX-Evil: 1")}`), 400, control("url")],
  ["path traversal", "site ../hits", () => json({ site: "../hits" }), 400, badSite],
  ["path traversal", "site ..", () => json({ site: ".." }), 400, badSite],
  ["path traversal", "site example.com/../../salts", () => json({ site: "example.com/../../salts" }), 400, badSite],
  ["path traversal", "site with backslashes", () => json({ site: "..\\..\\salts" }), 400, badSite],
  ["path traversal", "site %2e%2e%2fhits", () => json({ site: "%2e%2e%2fhits" }), 400, badSite],
  ["path traversal", "pixel site ../salts", () => pixel(`site=..%2Fsalts&url=${url(E)}`), 400, badSite],
  ["wrong method", "GET /e", () => get("/e"), 405, ...method("GET", "POST, OPTIONS")],
  ["wrong method", "PUT /e", () => get("/e", { method: "PUT", body: JSON.stringify(ok) }), 405, ...method("PUT", "POST, OPTIONS")],
  ["wrong method", "PATCH /e", () => get("/e", { method: "PATCH", body: JSON.stringify(ok) }), 405, ...method("PATCH", "POST, OPTIONS")],
  ["wrong method", "DELETE /e", () => get("/e", { method: "DELETE" }), 405, ...method("DELETE", "POST, OPTIONS")],
  ["wrong method", "POST /t.js", () => get("/t.js", { method: "POST", body: "x" }), 405, ...method("POST", "GET, HEAD")],
  ["wrong method", "DELETE /t.js", () => get("/t.js", { method: "DELETE" }), 405, ...method("DELETE", "GET, HEAD")],
  ["wrong method", "POST /p.gif", () => get(`/p.gif?site=example.com&url=${url(E)}`, { method: "POST", body: "x" }), 405, ...method("POST", "GET, HEAD")],
  ["wrong method", "PUT /health", () => get("/health", { method: "PUT", body: "x" }), 405, ...method("PUT", "GET, HEAD")],
  ["wrong method", "POST /reports/", () => get("/reports/", { method: "POST", body: "x" }), 405, ...method("POST", "GET, HEAD")],
  // Methods the worker crate does not know used to be served as GET (a PROPFIND pixel was a hit).
  ["wrong method", "PROPFIND /p.gif", () => get(`/p.gif?site=example.com&url=${url(E + "propfind")}`, { method: "PROPFIND" }), 405, ...method("PROPFIND", "GET, HEAD")],
  ["wrong method", "PURGE /p.gif", () => get(`/p.gif?site=example.com&url=${url(E + "purge")}`, { method: "PURGE" }), 405, ...method("PURGE", "GET, HEAD")],
  ["wrong method", "SEARCH /p.gif", () => get(`/p.gif?site=example.com&url=${url(E + "search")}`, { method: "SEARCH" }), 405, ...method("SEARCH", "GET, HEAD")],
  ["wrong method", "REPORT /t.js", () => get("/t.js", { method: "REPORT" }), 405, ...method("REPORT", "GET, HEAD")],
  ["wrong method", "LOCK /health", () => get("/health", { method: "LOCK" }), 405, ...method("LOCK", "GET, HEAD")],
  ["wrong method", "MKCOL /e", () => get("/e", { method: "MKCOL", body: JSON.stringify(ok) }), 405, ...method("MKCOL", "POST, OPTIONS")],
  ["wrong method", "PROPFIND /reports/", () => get("/reports/", { method: "PROPFIND" }), 405, ...method("PROPFIND", "GET, HEAD")],
  ["wrong method", "raw PROPFIND /p.gif (no client library in between)", async () => {
    const res = await raw(`PROPFIND /p.gif?site=example.com&url=${url(E + "raw-propfind")} HTTP/1.1`);
    return new Response(res.body, { status: res.status, headers: res.headers });
  }, 405, ...method("PROPFIND", "GET, HEAD")],
  ["unknown path", "/", () => get("/"), 404, "no such endpoint"],
  ["unknown path", "/wp-admin", () => get("/wp-admin"), 404, "no such endpoint"],
  ["unknown path", "/e/ (trailing slash)", () => get("/e/", { method: "POST", body: JSON.stringify(ok) }), 404, "no such endpoint"],
  ["unknown path", "/E (case)", () => get("/E", { method: "POST", body: JSON.stringify(ok) }), 404, "no such endpoint"],
  ["unknown path", "/%65 (encoded e)", () => get("/%65", { method: "POST", body: JSON.stringify(ok) }), 404, "no such endpoint"],
  ["unknown path", "/p.gif/x", () => get(`/p.gif/x?site=example.com&url=${url(E)}`), 404, "no such endpoint"],
  ["unknown path", "/.env", () => get("/.env"), 404, "no such endpoint"],
  ["unknown path", "/hits/ (a bucket prefix)", () => get("/hits/"), 404, "no such endpoint"],
  ["unknown path", "/salts/ (a bucket prefix)", () => get("/salts/"), 404, "no such endpoint"],
  ["unsupported content type", "application/xml", () => post(mf, ok, { headers: { "Content-Type": "application/xml" } }), 415, "send the body as text/plain or application/json"],
  ["unsupported content type", "multipart/form-data", () => post(mf, ok, { headers: { "Content-Type": "multipart/form-data; boundary=x" } }), 415, "send the body as text/plain or application/json"],
  ["unsupported content type", "form-urlencoded", () => post(mf, "site=example.com&url=https%3A%2F%2Fexample.com%2F", { headers: { "Content-Type": "application/x-www-form-urlencoded" } }), 415, "send the body as text/plain or application/json"],
  ["unsupported content type", "text/html", () => post(mf, ok, { headers: { "Content-Type": "text/html" } }), 415, "send the body as text/plain or application/json"],
  ["pixel", "no query", () => pixel(""), 400, "`site` is required"],
  ["pixel", "no site", () => pixel(`url=${url(E)}`), 400, "`site` is required"],
  ["pixel", "unknown site", () => pixel(`site=nope.example&url=${url("https://nope.example/")}`), 403, NOT_ALLOWED],
  ["pixel", "unknown site first, allowed second (first wins)", () => pixel(`site=nope.example&site=example.com&url=${url(E)}`), 403, NOT_ALLOWED],
  ["pixel", "site with a space", () => pixel(`site=exa%20mple.com&url=${url(E)}`), 400, badSite],
  ["pixel", "site with invalid UTF-8 (%FF)", () => pixel(`site=ex%FFample.com&url=${url(E)}`), 400, notUtf8("site")],
  ["pixel", "no url and no Referer", () => pixel("site=example.com"), 400, "`url` is required"],
  ["pixel", "relative url", () => pixel("site=example.com&url=%2Fpricing"), 400, badUrl],
  ["pixel", "javascript: url", () => pixel(`site=example.com&url=${url("javascript:alert(1)")}`), 400, badUrl],
  ["pixel", "non-URL Referer as the page", () => pixel("site=example.com", { Referer: "android-app://com.example" }), 400, badUrl],
  ["pixel", "NUL in url", () => pixel(`site=example.com&url=${url(E)}%00`), 400, control("url")],
  ["pixel", "NUL in event name", () => pixel(`site=example.com&n=a%00&url=${url(E)}`), 400, control("name")],
  ["pixel", "NUL in referrer", () => pixel(`site=example.com&r=${url("https://a.example/")}%00&url=${url(E)}`), 400, control("referrer")],
  ["pixel", "url too long", () => pixel(`site=example.com&url=${url(E + "a".repeat(2048))}`), 413, tooLong("url", 2048)],
  ["pixel", "referrer too long", () => pixel(`site=example.com&r=${"a".repeat(2049)}&url=${url(E)}`), 413, tooLong("referrer", 2048)],
  ["pixel", "event name too long", () => pixel(`site=example.com&n=${"n".repeat(121)}&url=${url(E)}`), 413, tooLong("name", 120)],
  ["pixel", "site too long", () => pixel(`site=${"a".repeat(254)}&url=${url(E)}`), 413, tooLong("site", 253)],
];

test("every malformed-request class: exact status and JSON reason, never a 5xx", async () => {
  const seen = new Set();
  for (const [kind, name, send, status, reason, allow] of TABLE) {
    const label = `${kind} / ${name}`;
    const res = await send();
    assert.ok(res.status < 500, `${label}: ${res.status}`);
    assert.equal(res.status, status, label);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/, label);
    assert.deepEqual(JSON.parse(await res.text()), { error: reason }, label);
    if (status === 405) assert.equal(res.headers.get("allow"), allow, `${label}: Allow`);
    seen.add(kind);
  }
  assert.equal(seen.size, 17, "every class has rows");
});

test("HEAD of a bad pixel: the same status, no body, nothing counted", async () => {
  const res = await get("/p.gif?site=nope.example&url=" + url("https://nope.example/"), { method: "HEAD" });
  assert.equal(res.status, 403);
  assert.equal((await res.arrayBuffer()).byteLength, 0);
  const good = await get(`/p.gif?site=example.com&url=${url(E + "head")}`, { method: "HEAD" });
  assert.equal(good.status, 200, "HEAD is answered but counts nothing (checked with the stored rows below)");
});

// Accepted: key-forming-looking values that are plain data. They must be stored only as column
// values, inside hits/date=…/hour=…/<batch>.parquet.
const TRAVERSAL_HITS = [
  { name: "../../salts/2020-01-01", url: "https://example.com/trav/name" },
  { name: "..\\..\\reports\\index.html", url: "https://example.com/trav/backslash" },
  { name: "%2e%2e%2fhits", url: "https://example.com/trav/encoded" },
  { url: "https://example.com/trav/../../../salts/x" }, // the URL parser resolves it to /salts/x
  { url: "https://example.com/trav/%2e%2e/%2e%2e/hits/x" }, // %2e%2e is a dot segment too
  { url: "https://example.com/trav/a%2F..%2F..%2Fhits" }, // an encoded slash stays encoded
  { url: "https://example.com/trav/props", props: { "../k": "../../v", "/": "\\" } },
];

test("traversal-looking values are data: stored only under hits/date=…/hour=…/<batch>.parquet", async () => {
  for (const extra of TRAVERSAL_HITS) {
    const res = await json(extra);
    assert.equal(res.status, 202, JSON.stringify(extra) + (await res.text()));
  }
  const rows = await until(async () => {
    const all = await readHits(mf);
    return all.length >= TRAVERSAL_HITS.length && all;
  }, "the traversal hits to be stored");
  const paths = rows.map((r) => r.url_path).sort();
  assert.deepEqual(paths, ["/hits/x", "/salts/x", "/trav/a%2F..%2F..%2Fhits", "/trav/backslash", "/trav/encoded", "/trav/name", "/trav/props"]);
  const byPath = Object.fromEntries(rows.map((r) => [r.url_path, r]));
  assert.equal(byPath["/trav/name"].event, "../../salts/2020-01-01");
  assert.equal(byPath["/trav/backslash"].event, "..\\..\\reports\\index.html");
  assert.deepEqual(JSON.parse(byPath["/trav/props"].props), { "../k": "../../v", "/": "\\" });
});

test("nothing stored for any bad request, only the documented keys exist", async () => {
  // A sentinel sent after everything above: once it is stored, whatever an earlier request had
  // queued would be stored too (one queue, batches flushed in order).
  const res = await json({ url: "https://example.com/sentinel" });
  assert.equal(res.status, 202);
  const rows = await until(async () => {
    const all = await readHits(mf);
    return all.some((r) => r.url_path === "/sentinel") && all;
  }, "the sentinel hit");
  assert.equal(rows.length, TRAVERSAL_HITS.length + 1, "only the accepted hits are stored: " + rows.map((r) => r.url_path).join(" "));
  assert.ok(!rows.some((r) => r.url_path === "/head"), "HEAD on the pixel counts nothing");
  const bucket = await mf.getR2Bucket("HITS_BUCKET");
  const keys = (await listAll(bucket, "")).map((o) => o.key);
  for (const key of keys) assert.match(key, STORED_KEY);
  assert.equal(keys.filter((k) => k.startsWith("salts/")).length, 1, "one salt: today's");
});
