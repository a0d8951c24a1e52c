// The browser tests' plumbing: a static server over ui/dist, Debian's
// Chromium through playwright-core (never a downloaded browser), the Tauri
// IPC mock with fixture data, and a tiny sequential test runner.

import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
export const UI = resolve(here, '../..');
export const DIST = join(UI, 'dist');
export const ARTIFACTS = join(UI, 'test-artifacts');
const FIXTURES = join(UI, 'tests/fixtures');
const MOCK = join(here, 'tauri-mock.js');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Serves ui/dist on 127.0.0.1 (a random port); resolves to its base URL and a close function. */
export function serveDist() {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('ui/dist is missing: run `npm run build` first');
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(DIST, path === '/' ? 'index.html' : path));
    if (!file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({ base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }),
    ),
  );
}

const load = (name) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

/** The realistic Mac with a full-tunnel VPN up on utun4 (recorded from the helper on the sim). */
export function vpnFixtures() {
  const routesLegacy = load('routes-legacy.json');
  return {
    connection: load('connection.json'),
    fixtures: {
      status: load('status-vpn.json'),
      statusLegacy: load('status-legacy.json'),
      routes: load('routes-vpn.json'),
      routesLegacy,
      exclusions: load('exclusions-legacy.json'),
      simEvents: load('sim-events.json'),
      flushPreview: load('flush-preview.json'),
      lookups: {
        v4: load('lookup-vpn.json'),
        'v4|en0': load('lookup-vpn-scoped.json'),
        v6: load('lookup-vpn-v6.json'),
      },
      verify: { v4: load('verify-vpn-v4.json'), v6: load('verify-vpn-v6.json') },
    },
    // Residue as a crashed legacy helper would leave it: its exclusion host route.
    flushPreview: { dry_run: true, routes: routesLegacy.filter((r) => r.ours).map((r) => r.canonical) },
    rates: [
      { name: 'en0', rxBytesPerSec: 1_284_000, txBytesPerSec: 96_500 },
      { name: 'utun4', rxBytesPerSec: 1_201_000, txBytesPerSec: 88_200 },
      { name: 'lo0', rxBytesPerSec: 1_200, txBytesPerSec: 1_200 },
    ],
  };
}

/** The realistic Mac as it boots (no VPN). */
export function plainFixtures() {
  const f = vpnFixtures();
  f.fixtures.status = load('status.json');
  f.fixtures.routes = load('routes.json');
  f.fixtures.lookups = { v4: load('lookup.json'), v6: load('lookup.json') };
  f.fixtures.verify = { v4: load('verify-v4.json'), v6: load('verify-v6.json') };
  f.rates = f.rates.filter((r) => r.name !== 'utun4');
  return f;
}

export async function launch() {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (apt-get install chromium)`);
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'],
  });
}

/**
 * Opens a page of the built UI with the IPC mocked.
 * `page`: 'index.html' (popover) or 'inspector.html'.
 */
export async function open(browser, base, page, mock, { colorScheme = 'light', viewport } = {}) {
  const size = viewport ?? (page === 'index.html' ? { width: 360, height: 560 } : { width: 1100, height: 720 });
  const context = await browser.newContext({ viewport: size, colorScheme, acceptDownloads: true, reducedMotion: 'reduce' });
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const cfg = { ...mock, label: page === 'index.html' ? 'popover' : 'inspector' };
  await p.addInitScript(`window.__EGRESS_MOCK__ = ${JSON.stringify(cfg)};`);
  await p.addInitScript({ path: MOCK });
  await p.goto(`${base}/${page}`);
  p.errors = errors;
  p.done = async () => context.close();
  return p;
}

/** Polls until `fn()` is truthy (or throws the last error / a timeout naming `what`). */
export async function until(what, fn, timeout = 5000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the locator's text contains `text`. */
export async function hasText(locator, text, timeout = 5000) {
  let seen = '';
  try {
    await until(`"${text}"`, async () => (seen = await locator.innerText()).includes(text), timeout);
  } catch (e) {
    throw new Error(`${e.message}; text was: ${JSON.stringify(seen.slice(0, 400))}`);
  }
}

/** The mock's recorded calls of one command. */
export const callsOf = (page, cmd) => page.evaluate((c) => window.__mock.callsOf(c), cmd);

/** Fires a Tauri event into the page. */
export const emit = (page, event, payload) =>
  page.evaluate(([e, p]) => window.__mock.emit(e, p), [event, payload]);

export function artifactPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Runs tests one after another; exits non-zero if any failed. */
export async function run(tests) {
  const started = Date.now();
  let failed = 0;
  for (const [name, fn] of tests) {
    const t0 = Date.now();
    try {
      await fn();
      console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}\n     ${String(e.stack ?? e).split('\n').slice(0, 6).join('\n     ')}`);
    }
  }
  console.log(`\n${tests.length - failed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return failed;
}
