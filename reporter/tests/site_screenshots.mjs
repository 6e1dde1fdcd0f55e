// The report site in a real browser: generates a lake with the built reporter, runs a report
// (which renders the site), serves it on a loopback port and opens the overview and a channel
// page in headless Chromium at desktop and phone widths. Fails on any console error, failed or
// external request, script on the page, hidden channel table, or sideways scrolling on a phone.
// Screenshots go to target/screenshots/.
//
//   node --test reporter/tests/site_screenshots.mjs      (after `cargo build -p hitflow-reporter`)
//
// HITFLOW_SITE_DIR=DIR screenshots an already rendered output folder instead of generating one.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REPORTER = join(ROOT, 'target/debug/reporter');
const SHOTS = join(ROOT, 'target/screenshots');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
const TYPES = { '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png', '.csv': 'text/csv; charset=utf-8' };

let work; // temp folder of this run
let out; // the reporter's --out folder
let server;
let base; // http://127.0.0.1:PORT/
let context;

function reporter(...args) {
  const result = spawnSync(REPORTER, args, { encoding: 'utf8', timeout: 300_000 });
  assert.equal(result.status, 0, `reporter ${args.join(' ')} failed:\n${result.stderr}`);
}

/** Serves `out` read-only; anything outside it or missing is a 404. */
function serve(dir) {
  const srv = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = resolve(dir, `.${path}`);
    if (file !== dir && !file.startsWith(dir + sep)) file = null;
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(srv)));
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'hitflow-site-'));
  if (process.env.HITFLOW_SITE_DIR) {
    out = resolve(process.env.HITFLOW_SITE_DIR);
  } else {
    assert.ok(existsSync(REPORTER), `${REPORTER} is missing: cargo build -p hitflow-reporter first`);
    const lake = join(work, 'lake');
    out = join(work, 'out');
    reporter('generate', '--store', lake, '--from', '2026-11-01', '--days', '14', '--hits', '50000', '--seed', '3');
    reporter('run', '--store', lake, '--from', '2026-11-08', '--to', '2026-11-14',
      '--config', join(ROOT, 'hitflow.example.toml'), '--out', out, '--quiet');
    // A period whose previous one is partly empty (the lake starts 2026-11-01): its cards say
    // "not comparable (partial data)" instead of a change.
    reporter('run', '--store', lake, '--from', '2026-11-04', '--to', '2026-11-10',
      '--config', join(ROOT, 'hitflow.example.toml'), '--out', out, '--quiet');
  }
  assert.ok(existsSync(join(out, 'index.html')), `no index.html in ${out}: reporter run did not render the site`);
  mkdirSync(SHOTS, { recursive: true });
  server = await serve(out);
  base = `http://127.0.0.1:${server.address().port}/`;
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORTS.desktop,
  });
});

after(async () => {
  await context?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The first site overview linked from the index of periods. */
function overviewPath() {
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  const match = index.match(/href="(periods\/[0-9_-]+\/[a-z0-9-]+\/index\.html)"/);
  assert.ok(match, 'the index links a site overview');
  return match[1];
}

/**
 * Opens `path` at a viewport width and colour scheme, fails on any console error, failed,
 * erroring or external request, and returns the page for more checks.
 */
async function open(path, viewport, colorScheme = 'light') {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('request', (req) => !req.url().startsWith(base) && problems.push(`external request: ${req.url()}`));
  page.on('response', (res) => res.status() >= 400 && problems.push(`HTTP ${res.status()}: ${res.url()}`));
  await page.setViewportSize(VIEWPORTS[viewport]);
  await page.emulateMedia({ colorScheme });
  const response = await page.goto(base + path, { waitUntil: 'load' });
  assert.equal(response.status(), 200, path);
  page.problems = problems;
  return page;
}

async function checkPage(page, name, table) {
  assert.equal(await page.locator('script').count(), 0, 'no script on the page');
  await assert.doesNotReject(page.locator(table).waitFor({ state: 'visible', timeout: 5000 }), `${table} visible`);
  const box = await page.locator(table).boundingBox();
  assert.ok(box && box.width > 100 && box.height > 50, `${table} has a size: ${JSON.stringify(box)}`);
  // Wide tables scroll inside their wrapper; the page itself never scrolls sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px`);
  // Every chart has an accessible name.
  const unnamed = await page.locator('svg:not([aria-label])').count();
  assert.equal(unnamed, 0, 'charts have aria-label');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  assert.deepEqual(page.problems, [], `${name}: ${page.problems.join('\n')}`);
  await page.close();
}

for (const viewport of Object.keys(VIEWPORTS)) {
  test(`overview at ${viewport} width`, async () => {
    const page = await open(overviewPath(), viewport);
    assert.match(await page.locator('h1').innerText(), /example\.com/);
    assert.match(await page.locator('#channel-quality').innerText(), /★ best[\s\S]*✕ worst|✕ worst[\s\S]*★ best/);
    await checkPage(page, `overview-${viewport}`, '#channel-quality');
  });

  test(`channel page at ${viewport} width`, async () => {
    const overview = overviewPath();
    const page = await open(overview, viewport);
    const href = await page.locator('#channel-quality tbody a').first().getAttribute('href');
    assert.match(href, /^channels\/[a-z0-9-]+\.html$/);
    await page.close();
    const channel = await open(posix.join(posix.dirname(overview), href), viewport);
    await checkPage(channel, `channel-${viewport}`, '#channel-figures');
  });
  test(`bot ledger at ${viewport} width`, async () => {
    const overview = overviewPath();
    const page = await open(overview, viewport);
    const href = await page.locator('.site-nav a', { hasText: 'Bot ledger' }).getAttribute('href');
    assert.match(href, /bots\.html$/);
    await page.close();
    const ledger = await open(posix.join(posix.dirname(overview), 'bots.html'), viewport);
    assert.match(await ledger.locator('h1').innerText(), /Bot ledger/);
    // The generated data holds crawlers and scripted bots: both kinds of reason appear.
    const reasons = await ledger.locator('#ledger-reasons').innerText();
    assert.match(reasons, /ua:/);
    assert.match(reasons, /automation:/);
    await checkPage(ledger, `bots-${viewport}`, '#ledger-channels');
  });
}

/**
 * Issue 15, item 7, measured in the page at 390 px: every y-axis label lies inside its chart
 * (an SVG clips what overflows: "10,000" read "0,000"); the "scroll sideways" hint is shown,
 * within the screen, outside the scrolling wrapper and on top at its centre; the navigation
 * is one short row, so the page's title starts in the first third of the screen.
 */
async function phoneLayout(page) {
  return page.evaluate(() => {
    const clipped = [];
    for (const svg of document.querySelectorAll('svg.chart')) {
      const box = svg.getBoundingClientRect();
      for (const label of svg.querySelectorAll('text.ax[text-anchor="end"]')) {
        const r = label.getBoundingClientRect();
        if (r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5)) {
          clipped.push(`${label.textContent}: ${r.left.toFixed(1)}..${r.right.toFixed(1)} outside ${box.left.toFixed(1)}..${box.right.toFixed(1)}`);
        }
      }
    }
    const hints = [...document.querySelectorAll('.scroll-hint')].map((hint) => {
      hint.scrollIntoView({ block: 'center' });
      const r = hint.getBoundingClientRect();
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return {
        width: r.width,
        height: r.height,
        inside: r.left >= 0 && r.right <= window.innerWidth,
        inWrapper: hint.closest('.table-wrap') !== null,
        onTop: top !== null && hint.contains(top),
      };
    });
    window.scrollTo(0, 0);
    const nav = document.querySelector('.site-nav').getBoundingClientRect();
    const h1 = document.querySelector('h1').getBoundingClientRect();
    return { clipped, hints, navHeight: nav.height, h1Top: h1.top + window.scrollY, screen: window.innerHeight };
  });
}

for (const which of ['overview', 'channel']) {
  test(`${which} page fits a 390 px phone`, async () => {
    let path = overviewPath();
    if (which === 'channel') {
      const page = await open(path, 'phone');
      const href = await page.locator('#channel-quality tbody a').first().getAttribute('href');
      await page.close();
      path = posix.join(posix.dirname(path), href);
    }
    const page = await open(path, 'phone');
    const m = await phoneLayout(page);
    // Every measure is checked and all failures reported together.
    const failures = [];
    const check = (ok, what) => ok || failures.push(what);
    check(m.clipped.length === 0, `y-axis labels clipped: ${m.clipped.join('; ')}`);
    check(m.hints.length > 0, 'no scroll hint above the wide table');
    for (const hint of m.hints) {
      check(hint.width > 0 && hint.height > 0, `hint not shown: ${JSON.stringify(hint)}`);
      check(hint.inside && !hint.inWrapper && hint.onTop, `hint cut or scrolling away: ${JSON.stringify(hint)}`);
    }
    check(m.navHeight <= 60, `navigation takes ${m.navHeight}px (one row is ≤ 60)`);
    check(m.h1Top <= m.screen / 3, `title at ${m.h1Top}px of a ${m.screen}px screen`);
    assert.deepEqual(failures, [], failures.join('\n'));
    await page.screenshot({ path: join(SHOTS, `${which}-phone-layout.png`) });
    assert.deepEqual(page.problems, [], page.problems.join('\n'));
    await page.close();
  });
}

for (const viewport of Object.keys(VIEWPORTS)) {
  test(`KPI cards hold their text when the previous period is partial, at ${viewport} width`, { skip: !!process.env.HITFLOW_SITE_DIR }, async () => {
    const page = await open('periods/2026-11-04_2026-11-10/example-com/index.html', viewport);
    assert.match(await page.locator('.kpis').innerText(), /not comparable \(partial data\)/);
    const spill = await page.evaluate(() => [...document.querySelectorAll('.kpi')]
      .filter((card) => card.scrollWidth - card.clientWidth > 1)
      .map((card) => `${card.querySelector('dt')?.innerText}: ${card.scrollWidth - card.clientWidth}px`));
    assert.deepEqual(spill, [], 'KPI card content wider than its card');
    await checkPage(page, `overview-partial-${viewport}`, '.kpis');
  });
}

test('overview in dark mode', async () => {
  const page = await open(overviewPath(), 'desktop', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(background, 'rgb(255, 255, 255)', 'dark background');
  await checkPage(page, 'overview-desktop-dark', '#channel-quality');
});

test('index of periods', async () => {
  const page = await open('index.html', 'desktop');
  await checkPage(page, 'index-desktop', '#periods-table');
});

/**
 * Issue 17: a change within noise reads "≈", with no arrow and no colour (the muted text of the
 * previous value), and a significant one keeps its arrow; the config's annotation of the period
 * (hitflow.example.toml: 2026-11-10) is drawn as a numbered marker on the daily chart and listed.
 */
for (const colorScheme of ['light', 'dark']) {
  test(`changes within noise are plain and annotations are drawn, ${colorScheme}`, { skip: !!process.env.HITFLOW_SITE_DIR }, async () => {
    const page = await open(overviewPath(), 'desktop', colorScheme);
    const changes = await page.evaluate(() => {
      const muted = getComputedStyle(document.querySelector('.kpi .prev')).color;
      return [...document.querySelectorAll('.delta')].map((el) => ({
        text: el.textContent,
        tone: el.className,
        color: getComputedStyle(el).color,
        muted,
      }));
    });
    const noise = changes.filter((c) => c.text.startsWith('≈'));
    assert.ok(noise.length > 0, `no change within noise among ${JSON.stringify(changes.map((c) => c.text))}`);
    for (const c of noise) {
      assert.doesNotMatch(c.text, /[▲▼]/, `arrow on a change within noise: ${c.text}`);
      assert.match(c.text, /within noise/, `screen readers hear why: ${c.text}`);
      assert.equal(c.color, c.muted, `coloured change within noise: ${JSON.stringify(c)}`);
    }
    for (const c of changes.filter((c) => /[▲▼]/.test(c.text))) {
      assert.match(c.tone, /good|bad/, `an arrow keeps its tone: ${JSON.stringify(c)}`);
    }
    const pins = page.locator('#daily ~ figure svg g.pin');
    assert.equal(await pins.count(), 1, 'one annotation marker on the daily chart');
    const marker = await pins.first().locator('circle').boundingBox();
    const chart = await page.locator('#daily ~ figure svg').boundingBox();
    assert.ok(marker && marker.width > 4 && marker.y >= chart.y && marker.y + marker.height <= chart.y + chart.height,
      `marker drawn inside the chart: ${JSON.stringify({ marker, chart })}`);
    assert.match(await pins.first().locator('title').textContent(), /^1\. 2026-11-10: New pricing page live$/);
    assert.match(await page.locator('ol.annotations').innerText(), /2026-11-10\s+New pricing page live/);
    await checkPage(page, `overview-significance-${colorScheme}`, '#channel-quality');
  });
}
