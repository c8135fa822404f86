// The dashboard: one view per tab, each drawn from one or two JSON answers of /_serval/api/
// (docs/dashboard.md says where each number comes from). No framework: views build DOM nodes
// with dom.js (text only, never HTML) and charts with charts.js.
import { h, table, cards, count, ms, mb, percent, gbs, usd, time } from './dom.js';
import { chart, clearCharts, mountCharts } from './charts.js';

const view = document.getElementById('view');
const status = document.getElementById('status');
const rangeSelect = document.getElementById('range');
const refreshSelect = document.getElementById('refresh');
window.__serval ??= { charts: {} };

// ---- state: the range and the refresh period ---------------------------------------------------
function rangeQuery() {
  if (rangeSelect.value !== 'custom') return `span=${rangeSelect.value}`;
  const from = Date.parse(document.getElementById('from').value);
  const to = Date.parse(document.getElementById('to').value);
  if (Number.isNaN(from) || Number.isNaN(to)) return 'span=3600';
  return `start=${Math.floor(from / 1000)}&end=${Math.floor(to / 1000)}`;
}

class SignedOut extends Error {}

async function api(path) {
  const response = await fetch(`/_serval/api/${path}`, { headers: { Accept: 'application/json' } });
  if (response.status === 401) throw new SignedOut();
  const body = await response.json();
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

// ---- views -------------------------------------------------------------------------------------
// Lists of functions show the average and maximum duration (the overview reads no histograms
// per function); a function's own tables its percentiles.
const countColumns = [
  { key: 'invocations', label: 'Invocations', format: (r) => count(r.usage.invocations) },
  { key: 'errors', label: 'Errors', format: (r) => count(r.usage.errors) },
  { key: 'throttles', label: 'Throttles', format: (r) => count(r.usage.throttles) },
];
const listDurationColumns = [
  { key: 'avg', label: 'Avg duration', format: (r) => ms(r.usage.duration_avg_ms) },
  { key: 'max', label: 'Max duration', format: (r) => ms(r.usage.duration_max_ms) },
];
const percentileColumns = [
  { key: 'p50', label: 'p50', format: (r) => ms(r.usage.duration_p50_ms) },
  { key: 'p99', label: 'p99', format: (r) => ms(r.usage.duration_p99_ms) },
];
const usageColumns = [
  { key: 'cold', label: 'Cold starts', format: (r) => percent(r.usage.cold_start_share) },
  { key: 'init', label: 'Init (avg)', format: (r) => ms(r.usage.init_duration_avg_ms) },
  { key: 'memory_used', label: 'Max memory used', format: (r) => mb(r.usage.max_memory_used_mb) },
  { key: 'memory_size', label: 'Memory size', format: (r) => mb(r.usage.memory_size_mb) },
  { key: 'unused', label: 'Unused', format: (r) => percent(r.usage.unused_memory_share) },
  { key: 'gbs', label: 'GB-s', format: (r) => gbs(r.usage.billed_gb_seconds) },
  { key: 'cost', label: 'Cost', format: (r) => usd(r.usage.cost_usd) },
];

const functionLink = (name) => h('a', { href: `#/function/${encodeURIComponent(name)}` }, name);

function usageCards(usage, extra = []) {
  return cards([
    ['invocations', 'Invocations', count(usage.invocations)],
    ['errors', 'Errors', `${count(usage.errors)} (${percent(usage.error_rate)})`],
    ['throttles', 'Throttles', count(usage.throttles)],
    ['p50', 'Duration p50', ms(usage.duration_p50_ms)],
    ['p99', 'Duration p99', ms(usage.duration_p99_ms)],
    ['gbs', 'Billed GB-s', gbs(usage.billed_gb_seconds)],
    ['cost', 'Cost', usd(usage.cost_usd)],
    ...extra,
  ]);
}

function activityCharts(prefix, series) {
  return [
    chart(`${prefix}-activity`, 'Invocations, errors and throttles per period', series.t, [
      { label: 'Invocations', values: series.invocations },
      { label: 'Errors', values: series.errors },
      { label: 'Throttles', values: series.throttles }]),
    chart(`${prefix}-duration`, 'Duration (ms)', series.t, [
      { label: 'p50', values: series.duration_p50_ms },
      { label: 'p99', values: series.duration_p99_ms }]),
    chart(`${prefix}-concurrency`, 'Concurrent executions (max per period)', series.t, [
      { label: 'Concurrency', values: series.concurrency }]),
    chart(`${prefix}-gbs`, 'Billed GB-seconds per period', series.t, [
      { label: 'GB-s', values: series.billed_gb_seconds }]),
  ];
}

// Daily cost over the 30 days before today (UTC), and the least-squares line the month's
// prediction extends to the month's last day. `now`: Serval's clock (epoch seconds).
function trendChart(name, trend, now) {
  const day = 86400;
  const today = Math.floor(now / day) * day;
  const date = new Date(now * 1000);
  const monthEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 1000;
  const cost = new Map(trend.days.map((d, i) => [d, trend.cost_usd[i]]));
  const firstFitted = today - trend.days_fitted * day;
  const x = [];
  const spent = [];
  const line = [];
  for (let d = today - 30 * day; d < monthEnd; d += day) {
    x.push(d);
    spent.push(d <= today ? (cost.get(d) ?? 0) : null);
    line.push(d >= firstFitted && (trend.days_fitted > 0 || d >= today)
      ? Math.max(0, trend.today_estimate_usd + trend.slope_usd_per_day * ((d - today) / day)) : null);
  }
  return chart(name, 'Daily cost (USD) and its trend to the month\'s end', x, [
    { label: 'Cost', values: spent },
    { label: 'Trend', values: line, dash: [6, 4] }], { points: true, ySize: 90 });
}

function trendCards(trend) {
  return [['month_to_date', 'Month to date', usd(trend.month_to_date_usd)],
    ['predicted', 'Predicted this month', usd(trend.predicted_month_usd)]];
}

async function overview() {
  const data = await api(`overview?${rangeQuery()}`);
  const top = [...data.functions].sort((a, b) => b.usage.cost_usd - a.usage.cost_usd).slice(0, 10);
  return [
    usageCards(data.totals, [['concurrency', 'Max concurrency', count(data.totals.max_concurrency)],
      ...trendCards(data.trend)]),
    h('div', { class: 'charts' }, ...activityCharts('overview', data.series),
      trendChart('overview-trend', data.trend, data.range.now)),
    h('h2', {}, 'Most expensive functions'),
    table([{ key: 'name', label: 'Function', text: true, format: (r) => functionLink(r.name) },
      ...countColumns, ...listDurationColumns, ...usageColumns], top,
    (r) => ({ dataset: { function: r.name } })),
  ];
}

async function functions() {
  const data = await api(`overview?${rangeQuery()}`);
  return [
    h('h2', {}, `${data.functions.length} functions`),
    table([{ key: 'name', label: 'Function', text: true, format: (r) => functionLink(r.name) },
      { key: 'runtime', label: 'Runtime', text: true },
      ...countColumns, ...listDurationColumns, ...usageColumns], data.functions,
    (r) => ({ dataset: { function: r.name } })),
  ];
}

async function functionView(name) {
  const data = await api(`function?name=${encodeURIComponent(name)}&${rangeQuery()}`);
  const f = data.function;
  const tags = Object.entries(f.tags).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  const rows = (list, key) => list.map((r) => ({ ...r, name: r[key] }));
  return [
    h('h2', { dataset: { function: f.name } }, f.name),
    h('p', { class: 'muted' }, `${f.runtime} · ${f.memory_mb} MB · timeout ${f.timeout_seconds} s · tags: ${tags} · versions: ${f.versions.join(', ') || 'none'} · aliases: ${f.aliases.map((a) => `${a.name}→${a.version}`).join(', ') || 'none'}`),
    usageCards(data.usage, [
      ['cold', 'Cold starts', `${count(data.usage.cold_starts)} (${percent(data.usage.cold_start_share)})`],
      ['init', 'Init Duration (avg / max)', `${ms(data.usage.init_duration_avg_ms)} / ${ms(data.usage.init_duration_max_ms)}`],
      ['memory', 'Max memory used / size', `${mb(data.usage.max_memory_used_mb)} / ${mb(data.usage.memory_size_mb)}`],
      ['unused', 'Unused memory', percent(data.usage.unused_memory_share)],
      ...trendCards(data.trend)]),
    h('div', { class: 'charts' }, ...activityCharts('function', data.series),
      chart('function-memory', 'Memory (MB): max used against size', data.series.t, [
        { label: 'Max used', values: data.series.max_memory_used_mb },
        { label: 'Size', values: data.series.memory_size_mb }]),
      chart('function-distribution', 'Duration distribution (ms by percentile)',
        data.distribution.percentile, [{ label: 'Duration', values: data.distribution.duration_ms }],
        { time: false, xLabel: 'percentile' }),
      trendChart('function-trend', data.trend, data.range.now)),
    h('h2', {}, 'By alias or version invoked'),
    table([{ key: 'name', label: 'Resource', text: true }, ...countColumns, ...percentileColumns,
      ...usageColumns],
      rows(data.resources, 'resource'), (r) => ({ dataset: { resource: r.name } })),
    h('h2', {}, 'By version executed'),
    table([{ key: 'name', label: 'Version', text: true }, ...countColumns, ...percentileColumns,
      ...usageColumns],
      rows(data.versions, 'version'), (r) => ({ dataset: { version: r.name } })),
  ];
}

async function chargeback() {
  const data = await api(`overview?${rangeQuery()}`);
  const total = data.functions.reduce((sum, f) => sum + f.usage.cost_usd, 0);
  const byCost = [...data.functions].sort((a, b) => b.usage.cost_usd - a.usage.cost_usd);
  const share = (cost) => (total > 0 ? percent(cost / total) : '–');
  return [
    cards([['cost', 'Total cost', usd(total)], ...trendCards(data.trend)]),
    h('h2', {}, 'By function'),
    table([{ key: 'name', label: 'Function', text: true, format: (r) => functionLink(r.name) },
      { key: 'invocations', label: 'Requests', format: (r) => count(r.usage.invocations) },
      { key: 'gbs', label: 'GB-s', format: (r) => gbs(r.usage.billed_gb_seconds) },
      { key: 'cost', label: 'Cost', format: (r) => usd(r.usage.cost_usd) },
      { key: 'share', label: 'Share', format: (r) => share(r.usage.cost_usd) }],
    byCost, (r) => ({ dataset: { function: r.name } })),
    h('h2', {}, 'By tag'),
    table([{ key: 'tag', label: 'Tag', text: true, format: (r) => (r.value ? `${r.key}=${r.value}` : r.key) },
      { key: 'functions', label: 'Functions', text: true, format: (r) => r.functions.join(', ') },
      { key: 'invocations', label: 'Requests', format: (r) => count(r.invocations) },
      { key: 'gbs', label: 'GB-s', format: (r) => gbs(r.billed_gb_seconds) },
      { key: 'cost', label: 'Cost', format: (r) => usd(r.cost_usd) },
      { key: 'share', label: 'Share', format: (r) => share(r.cost_usd) }],
    data.by_tag, (r) => ({ dataset: { tag: `${r.key}=${r.value}` } })),
  ];
}

// The live log: lines matching the filter pattern, followed every 2 s while "Follow" is on.
let follow = null;

async function logs(params) {
  const names = (await api(`overview?span=3600`)).functions.map((f) => f.name);
  const chosen = params.get('function') ?? names[0] ?? '';
  const select = h('select', { id: 'log-function' },
    names.map((n) => h('option', n === chosen ? { value: n, selected: '' } : { value: n }, n)));
  const pattern = h('input', { type: 'text', id: 'log-pattern', placeholder: 'filter pattern, e.g. ERROR or [w1=REPORT, ...]' });
  pattern.value = params.get('pattern') ?? '';
  const following = h('input', { type: 'checkbox', id: 'log-follow', checked: '' });
  const box = h('div', { id: 'log' });
  const note = h('span', { class: 'muted', id: 'log-note' });
  const seen = new Set();
  let since = 0;
  const append = (events) => {
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    for (const e of events) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      since = Math.max(since, e.timestamp);
      box.append(h('div', { class: 'line', dataset: { id: e.id } },
        h('span', { class: 'time' }, time(e.timestamp)), h('span', { class: 'stream' }, e.stream),
        e.message));
    }
    if (following.checked && atBottom) box.scrollTop = box.scrollHeight;
  };
  const query = (start) => `logs?function=${encodeURIComponent(select.value)}&pattern=${encodeURIComponent(pattern.value)}&start=${start}`;
  const search = async () => {
    box.replaceChildren();
    seen.clear();
    since = 0;
    note.textContent = '';
    note.className = 'muted';
    if (!select.value) return;
    try {
      const data = await api(query(0));
      append(data.events);
      box.scrollTop = box.scrollHeight;
      note.textContent = `${data.events.length} lines${data.truncated ? ' (search stopped early: the latest shown)' : ''}`;
    } catch (e) {
      if (e instanceof SignedOut) throw e;
      note.textContent = e.message;
      note.className = 'error';
    }
  };
  const form = h('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); search(); } },
    h('label', {}, 'Function ', select), pattern, h('button', { type: 'submit' }, 'Search'),
    h('label', {}, following, ' Follow'), note);
  select.addEventListener('change', search);
  await search();
  follow = setInterval(async () => {
    if (!following.checked || !select.value) return;
    try {
      append((await api(query(since))).events);
    } catch (e) {
      if (e instanceof SignedOut) location.assign('/_serval/login');
    }
  }, 2000);
  return [form, box];
}

async function queue() {
  const data = await api('queue');
  const relative = (millis) => {
    const seconds = Math.round((millis - Date.now()) / 1000);
    return seconds >= 0 ? `in ${seconds} s` : `${-seconds} s ago`;
  };
  return [
    cards([['queued', 'Async events queued', count(data.async_queued)],
      ['undeliverable', 'Undeliverable events', count(data.undeliverable)],
      ['dropped', 'Dropped events shown', count(data.dropped.length)]]),
    h('h2', {}, 'Schedules'),
    table([{ key: 'name', label: 'Rule', text: true },
      { key: 'expression', label: 'Expression', text: true },
      { key: 'state', label: 'State', text: true, format: (r) => (r.enabled ? 'ENABLED' : 'DISABLED') },
      { key: 'next', label: 'Next fire', text: true, format: (r) => (r.next_fire_millis ? `${time(r.next_fire_millis)} (${relative(r.next_fire_millis)})` : '–') },
      { key: 'targets', label: 'Targets', text: true, format: (r) => r.targets.join(', ') }],
    data.schedules, (r) => ({ dataset: { rule: r.name } })),
    h('h2', {}, 'Dropped events (newest first)'),
    table([{ key: 'time', label: 'Time', text: true, format: (r) => time(r.timestamp) },
      { key: 'group', label: 'Function log group', text: true },
      { key: 'message', label: 'Record', text: true }], data.dropped),
  ];
}

// What callers' IAM policies lack: each request AWS would deny, with the statement that allows it.
async function access() {
  const data = await api('access');
  const explain = {
    off: 'IAM policies are not evaluated (serval up --iam off).',
    warn: 'Requests AWS would deny still succeed (serval up --iam warn); each is listed here.',
    enforce: 'Requests AWS would deny are refused (serval up --iam enforce).',
  };
  return [
    cards([['mode', 'IAM mode', data.mode ?? 'off'],
      ['denied', 'Distinct denials', count((data.denied ?? []).length)],
      ['unlisted', 'Not listed (over the limit)', count(data.unlisted_denials ?? 0)]]),
    h('p', {}, explain[data.mode] ?? ''),
    table([{ key: 'principal', label: 'Principal', text: true },
      { key: 'action', label: 'Action', text: true },
      { key: 'resource', label: 'Resource', text: true },
      { key: 'count', label: 'Requests', format: (r) => count(r.count) },
      { key: 'missing', label: 'Statement that would allow it', text: true }],
    data.denied ?? []),
  ];
}

// ---- routing and refresh ------------------------------------------------------------------------
const routes = { overview, functions, chargeback, logs, queue, access };
let rendering = 0;

async function render() {
  const ticket = ++rendering;
  const [path, search] = (location.hash.slice(1) || '/overview').split('?');
  const params = new URLSearchParams(search ?? '');
  const [, tab, arg] = path.split('/');
  const name = tab === 'function' ? 'function' : (routes[tab] ? tab : 'overview');
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.dataset.tab === (name === 'function' ? 'functions' : name));
  }
  clearInterval(follow);
  follow = null;
  const started = performance.now();
  try {
    const nodes = name === 'function' ? await functionView(decodeURIComponent(arg ?? ''))
      : await routes[name](params);
    if (ticket !== rendering) return;
    clearCharts();
    view.replaceChildren(...nodes);
    mountCharts();
    status.textContent = `Updated ${new Date().toLocaleTimeString()} in ${Math.round(performance.now() - started)} ms`;
    window.__serval.loaded = { view: name, at: Date.now(), count: (window.__serval.loaded?.count ?? 0) + 1 };
    document.body.dataset.loaded = name;
  } catch (e) {
    if (e instanceof SignedOut) {
      location.assign('/_serval/login');
      return;
    }
    view.replaceChildren(h('p', { class: 'error' }, e.message));
    status.textContent = '';
  }
}

let timer = null;
function scheduleRefresh() {
  clearInterval(timer);
  const seconds = Number(refreshSelect.value);
  // The log view follows by itself.
  if (seconds > 0) timer = setInterval(() => { if (!follow) render(); }, seconds * 1000);
}

// The range chosen last is kept for the next visit.
const savedRange = localStorage.getItem('serval.range');
if ([...rangeSelect.options].some((o) => o.value === savedRange && savedRange !== 'custom')) {
  rangeSelect.value = savedRange;
}
rangeSelect.addEventListener('change', () => {
  document.getElementById('custom').hidden = rangeSelect.value !== 'custom';
  if (rangeSelect.value !== 'custom') {
    localStorage.setItem('serval.range', rangeSelect.value);
    render();
  }
});
document.getElementById('apply').addEventListener('click', render);
refreshSelect.addEventListener('change', scheduleRefresh);
window.addEventListener('hashchange', render);
scheduleRefresh();
render();
