// End-to-end test of the dashboard at /_serval/ in Debian's headless Chromium (puppeteer-core):
// functions invoked a known number of times with known errors and throttles; then the login,
// every view, the numbers against the known counts and CloudWatch's GetMetricStatistics, the
// charts' data and pixels, the log view (escaping, filter pattern, following new lines), the
// schedules. Screenshots go to tests/e2e/artifacts/ (SERVAL_ARTIFACTS to change it).
// Run: node --test tests/e2e/js/dashboard.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  LambdaClient, CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2,
  PutFunctionConcurrencyCommand, PublishVersionCommand, CreateAliasCommand,
} from '@aws-sdk/client-lambda';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { launchChromium } from './chromium.mjs';
import { startServal, repoRoot } from './serval_process.mjs';
import { makeZip } from './zip.mjs';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const artifacts = process.env.SERVAL_ARTIFACTS || path.join(repoRoot, 'tests', 'e2e', 'artifacts');
const XSS_LINES = ['<script>window.__pwned=1</script>', '<img src=x onerror="window.__pwned=1">'];
// The handler prints the two lines above on every invocation and fails when asked to.
const HANDLER = `
def handler(event, context):
    print('<script>window.__pwned=1</script>')
    print('<img src=x onerror="window.__pwned=1">')
    if event.get('fail'):
        raise Exception('failed on purpose')
    return {'ok': True}
`;
const OK = 5; const FAILED = 2; const THROTTLED = 3; const VIA_ALIAS = 2;

const pageErrors = [];  // script errors and CSP violations: there must be none
let serval; let endpoint; let lambda; let cloudwatch; let events; let browser; let page;
const busy = 'dash-busy'; const blocked = 'dash-blocked';

async function invoke(name, payload = {}) {
  return lambda.send(new InvokeCommand({ FunctionName: name,
    Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
}

before(async () => {
  serval = await startServal('dashboard');
  ({ endpoint } = serval);
  const config = { endpoint, region: 'us-east-1', maxAttempts: 1, credentials };
  lambda = new LambdaClient(config);
  cloudwatch = new CloudWatchClient(config);
  events = new EventBridgeClient(config);
  const zip = makeZip([{ name: 'app.py', data: HANDLER }]);
  for (const [name, tags] of [[busy, { team: 'alpha' }], [blocked, { team: 'beta' }]]) {
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.12',
      Role: ROLE, Handler: 'app.handler', Code: { ZipFile: zip }, MemorySize: 256, Tags: tags }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { FunctionName: name });
  }
  const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName: busy }));
  await lambda.send(new CreateAliasCommand({ FunctionName: busy, Name: 'live', FunctionVersion: Version }));
  for (let i = 0; i < OK - VIA_ALIAS; i++) assert.equal((await invoke(busy)).FunctionError, undefined);
  for (let i = 0; i < VIA_ALIAS; i++) {
    assert.equal((await invoke(`${busy}:live`)).FunctionError, undefined);
  }
  for (let i = 0; i < FAILED; i++) assert.equal((await invoke(busy, { fail: true })).FunctionError, 'Unhandled');
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: blocked,
    ReservedConcurrentExecutions: 0 }));
  for (let i = 0; i < THROTTLED; i++) {
    await assert.rejects(invoke(blocked), (e) => e.name === 'TooManyRequestsException');
  }
  await events.send(new PutRuleCommand({ Name: 'dash-every-5', ScheduleExpression: 'rate(5 minutes)' }));
  await events.send(new PutTargetsCommand({ Rule: 'dash-every-5',
    Targets: [{ Id: '1', Arn: `arn:aws:lambda:us-east-1:000000000000:function:${busy}` }] }));

  fs.mkdirSync(artifacts, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) pageErrors.push(m.text());
  });
});

after(async () => {
  await browser?.close();
  for (const client of [lambda, cloudwatch, events]) client?.destroy();
  await serval?.stop();
});

// ---- helpers -------------------------------------------------------------------------------------
async function show(hash, view) {
  const before = await page.evaluate(() => window.__serval?.loaded?.count ?? 0);
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction((v, n) => window.__serval?.loaded?.view === v
    && window.__serval.loaded.count > n, { timeout: 15000 }, view, before);
}
const stat = (key) => page.$eval(`[data-stat="${key}"]`, (e) => e.textContent);
const cell = (row, col) => page.$eval(`${row} td[data-col="${col}"]`, (e) => e.textContent);
const shot = (name) => page.screenshot({ path: path.join(artifacts, `dashboard-${name}.png`), fullPage: true });

async function cloudwatchSum(metric, dimensions = []) {
  const now = Date.now();
  const out = await cloudwatch.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Lambda',
    MetricName: metric, Dimensions: dimensions, StartTime: new Date(now - 2 * 3600e3),
    EndTime: new Date(now + 120e3), Period: 3600 * 3, Statistics: ['Sum'] }));
  return out.Datapoints.reduce((sum, d) => sum + d.Sum, 0);
}

// What a chart drew: uPlot's data, and how many of its canvas pixels are not blank.
function chartState(name) {
  return page.evaluate((n) => {
    const chart = window.__serval.charts[n];
    if (!chart) return null;
    const canvas = chart.root.querySelector('canvas');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
    return { data: chart.data.map((s) => Array.from(s)), inked, width: canvas.width };
  }, name);
}
const total = (values) => values.reduce((s, v) => s + (v ?? 0), 0);

// ---- tests ---------------------------------------------------------------------------------------
test('anonymous requests get the login page or 401, never data', async () => {
  let r = await fetch(`${endpoint}/_serval/`, { redirect: 'manual' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/_serval/login');
  r = await fetch(`${endpoint}/_serval/api/overview`);
  assert.equal(r.status, 401);
  r = await fetch(`${endpoint}/_serval/ui/app.js`, { redirect: 'manual' });
  assert.equal(r.status, 303);
  await page.goto(`${endpoint}/_serval/`);
  assert.equal(new URL(page.url()).pathname, '/_serval/login');
  await shot('login');
});

test('a wrong secret is refused; the right one signs in', async () => {
  await page.goto(`${endpoint}/_serval/login`);
  await page.type('#access_key_id', 'test');
  await page.type('#secret_access_key', 'nope');
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  assert.match(await page.$eval('.error', (e) => e.textContent), /wrong/);
  await page.type('#access_key_id', 'test');
  await page.type('#secret_access_key', 'test');
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  assert.equal(new URL(page.url()).pathname, '/_serval/');
  await page.waitForFunction(() => window.__serval?.loaded?.view === 'overview', { timeout: 15000 });
});

test('overview: the known counts, equal to CloudWatch, and charts drawn with them', async () => {
  await show('#/overview', 'overview');
  const invocations = OK + FAILED;
  assert.equal(await cloudwatchSum('Invocations'), invocations);
  assert.equal(await cloudwatchSum('Errors'), FAILED);
  assert.equal(await cloudwatchSum('Throttles'), THROTTLED);
  assert.equal(await stat('invocations'), String(invocations));
  assert.match(await stat('errors'), new RegExp(`^${FAILED} \\(`));
  assert.equal(await stat('throttles'), String(THROTTLED));
  const activity = await chartState('overview-activity');
  assert.ok(activity, 'the activity chart exists');
  assert.equal(total(activity.data[1]), invocations);
  assert.equal(total(activity.data[2]), FAILED);
  assert.equal(total(activity.data[3]), THROTTLED);
  assert.ok(activity.inked > 1000, `the canvas is drawn (${activity.inked} pixels)`);
  const duration = await chartState('overview-duration');
  assert.ok(duration.data[2].some((v) => v > 0), 'p99 duration plotted');
  // Today's cost, and the trend line through it to the month's end.
  const trend = await chartState('overview-trend');
  assert.ok(Math.max(...trend.data[1].filter(Number.isFinite)) > 0, 'today has a cost');
  assert.ok(trend.data[2].some((v) => Number.isFinite(v) && v > 0), 'the trend line is drawn');
  // The busy function's row: counts, and cost at AWS's prices from its GB-seconds.
  const row = `tr[data-function="${busy}"]`;
  assert.equal(await cell(row, 'invocations'), String(invocations));
  assert.equal(await cell(row, 'errors'), String(FAILED));
  const gbSeconds = await cloudwatchSum('BilledGBSeconds', [{ Name: 'FunctionName', Value: busy }]);
  assert.ok(gbSeconds > 0);
  const json = await page.evaluate(async () => (await fetch('/_serval/api/overview?span=3600')).json());
  const busyRow = json.functions.find((f) => f.name === busy);
  assert.ok(Math.abs(busyRow.usage.billed_gb_seconds - gbSeconds) < 1e-9);
  assert.ok(Math.abs(busyRow.usage.cost_usd - (gbSeconds * 0.0000166667 + invocations * 0.2e-6)) < 1e-12);
  assert.equal(json.totals.throttles, THROTTLED);
  await shot('overview');
});

test('function view: per alias and version, cold starts, memory, distribution', async () => {
  await show(`#/function/${busy}`, 'function');
  assert.equal(await stat('invocations'), String(OK + FAILED));
  // Invoked as the function itself and through its alias.
  assert.equal(await cell(`tr[data-resource="${busy}"]`, 'invocations'), String(OK - VIA_ALIAS + FAILED));
  assert.equal(await cell(`tr[data-resource="${busy}:live"]`, 'invocations'), String(VIA_ALIAS));
  assert.equal(await cell('tr[data-version="1"]', 'invocations'), String(VIA_ALIAS));
  assert.equal(await cell(`tr[data-resource="${busy}"]`, 'memory_size'), '256 MB');
  const coldStarts = await cloudwatchSum('ColdStarts', [{ Name: 'FunctionName', Value: busy }]);
  assert.ok(coldStarts >= 1);
  assert.match(await stat('cold'), new RegExp(`^${coldStarts} \\(`));
  const distribution = await chartState('function-distribution');
  assert.ok(distribution.data[0].length > 0 && distribution.inked > 500);
  const memory = await chartState('function-memory');
  assert.ok(memory.data[2].some((v) => v === 256));
  await shot('function');
});

test('chargeback by function and by tag', async () => {
  await show('#/chargeback', 'chargeback');
  assert.equal(await cell('tr[data-tag="team=alpha"]', 'invocations'), String(OK + FAILED));
  assert.equal(await cell('tr[data-tag="team=beta"]', 'invocations'), '0');
  assert.equal(await cell(`tr[data-function="${busy}"]`, 'share'), '100.0 %');
  await shot('chargeback');
});

test('logs: hostile lines are text, the filter pattern applies, new lines are followed', async () => {
  await show(`#/logs?function=${busy}`, 'logs');
  const lines = await page.$$eval('#log .line', (ls) => ls.map((l) => l.lastChild.textContent));
  for (const xss of XSS_LINES) assert.ok(lines.some((l) => l.includes(xss)), `shown as text: ${xss}`);
  assert.equal(await page.$$eval('#log script, #log img', (e) => e.length), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await shot('logs');

  await page.$eval('#log-pattern', (e) => { e.value = 'REPORT'; });
  await page.click('.toolbar button[type=submit]');
  await page.waitForFunction(() => {
    const ls = [...document.querySelectorAll('#log .line')];
    return ls.length > 0 && ls.every((l) => l.lastChild.textContent.includes('REPORT'));
  }, { timeout: 10000 });
  const reports = await page.$$eval('#log .line', (ls) => ls.length);
  assert.equal(reports, OK + FAILED);
  // A new invocation's REPORT line appears by itself.
  await invoke(busy);
  await page.waitForFunction((n) => document.querySelectorAll('#log .line').length === n + 1,
    { timeout: 15000 }, reports);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // A malformed pattern is reported, not run.
  await page.$eval('#log-pattern', (e) => { e.value = '{ $.x = '; });
  await page.click('.toolbar button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#log-note').className === 'error');
});

test('queue and schedules: the rule with its next fire time', async () => {
  await show('#/queue', 'queue');
  const next = await cell('tr[data-rule="dash-every-5"]', 'next');
  assert.match(next, /in \d+ s/);
  assert.equal(await stat('queued'), '0');
  await shot('queue');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});

test('no script error and no Content-Security-Policy violation on any view', () => {
  assert.deepEqual(pageErrors, []);
});
