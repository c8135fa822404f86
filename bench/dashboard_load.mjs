// Time-to-loaded of the dashboard in headless Chromium (bench/dashboard.sh): signs in, then loads
// /_serval/ REPS times per view and range, each from navigation start (performance.timeOrigin)
// to the view's data drawn (window.__serval.loaded, set once the DOM and every chart exist).
// Prints one JSON line per (view, range) with the median and max in milliseconds.
// Usage: node bench/dashboard_load.mjs ENDPOINT REPS
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repo, 'tests/e2e/js/package.json'));
const puppeteer = require('puppeteer-core');

const [endpoint, reps] = [process.argv[2], Number(process.argv[3] ?? 10)];
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  userDataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'serval-bench-chromium-')),
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
await page.setViewport({ width: 1400, height: 1000 });
await page.setCacheEnabled(false);
await page.goto(`${endpoint}/_serval/login`);
await page.type('#access_key_id', 'test');
await page.type('#secret_access_key', 'test');
await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
await page.waitForFunction(() => window.__serval?.loaded, { timeout: 30000 });
for (const [hash, view] of [['#/overview', 'overview'], ['#/function/bench-fn-000', 'function']]) {
  for (const [label, span] of [['1h', 3600], ['24h', 86400], ['7d', 604800], ['30d', 2592000]]) {
    const times = [];
    for (let i = 0; i < reps; i++) {
      await page.evaluate((s) => localStorage.setItem('serval.range', s), String(span));
      // A new document each time (a hash change alone would not load the page again).
      await page.goto('about:blank');
      await page.goto(`${endpoint}/_serval/${hash}`, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction((v) => window.__serval?.loaded?.view === v, { timeout: 30000 }, view);
      times.push(await page.evaluate(() => window.__serval.loaded.at - performance.timeOrigin));
    }
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ view, range: label, reps, median_ms: Math.round(times[(reps - 1) >> 1]),
      max_ms: Math.round(times[reps - 1]) }));
  }
}
await browser.close();
